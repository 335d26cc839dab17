"""The chance-corrected coefficients of the report on token labels (Cohen's κ per pair and
their mean, Fleiss' κ, Krippendorff's α; :mod:`annotator.core.agreement.kappa` has the
formulas), three ways:

- all tokens of the documents compared ("O" outside every span), as is usual;
- labelled tokens: without the tokens every annotator of the document left "O", which
  in a sparsely annotated corpus are most tokens and pull every coefficient up;
- per label: each token coded as the label or not (over all tokens).

Cohen's κ of a pair uses the tokens of the documents both annotated, Krippendorff's α the
tokens two or more annotators labelled, Fleiss' κ only the tokens of the documents every
selected annotator annotated. Each set says how many tokens and documents it holds.
The formulas run on the distinct label patterns (a few hundred rows stand for all
tokens), with label names, so a reason names the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from annotator.core.agreement import kappa
from annotator.core.agreement.report_model import TokenCoefficients, Value
from annotator.core.agreement.scores import Score, Undefined, mean
from annotator.core.agreement.tables import (
    OUTSIDE,
    Study,
    decode,
    pairs,
    prepare_tokens,
    span_token_labels,
    token_label_patterns,
)

NO_ENTITY = f"{OUTSIDE} (no entity)"  # how a reason names the token label of "no entity"
W = kappa.WEIGHT


@dataclass(frozen=True)
class PairTokens:
    kappa: Value
    tokens: int  # in the documents both annotated
    kappa_labelled: Value
    tokens_labelled: int


@dataclass(frozen=True)
class LabelTokens:
    cohen_kappa: Value  # mean over pairs
    fleiss_kappa: Value
    krippendorff_alpha: Value


def _with_context(score: Score, reason: str) -> Score:
    """``score``, or Undefined(``reason``) when it had no item at all."""
    if isinstance(score, Undefined) and score.reason.startswith("no item"):
        return Undefined(reason)
    return score


def _coefficients(
    annotators: Sequence[str], patterns: pl.DataFrame, docs: tuple[int, int], what: str
) -> tuple[TokenCoefficients, list[tuple[Value, int]]]:
    """The coefficients over ``patterns`` (label names, weight ``_n``); ``docs``: how many
    documents of these tokens every annotator did, and two or more did."""
    cols = [f"r{i}" for i in range(len(annotators))]
    per_pair: list[tuple[Value, int]] = []
    scores: list[Score] = []
    for i, j in pairs(annotators):
        a, b = annotators[i], annotators[j]
        k = _with_context(
            kappa.cohen_kappa(patterns, cols[i], cols[j], weight=W),
            f"no {what} in a document both {a} and {b} annotated",
        )
        scores.append(k)
        both = pl.col(cols[i]).is_not_null() & pl.col(cols[j]).is_not_null()
        per_pair.append((Value.of(k), int(patterns.filter(both)[W].sum())))
    count = int(patterns[W].sum())
    if len(cols) < 2:
        few = Value.of(Undefined("fewer than two annotators"))
        return TokenCoefficients(count, few, few, few, 0, 0), per_pair
    cohen = mean(scores, "no pair of annotators has a defined κ")
    fleiss = _with_context(
        kappa.fleiss_kappa(patterns, cols, weight=W), f"no {what} in a document every selected annotator annotated"
    )
    alpha = _with_context(
        kappa.krippendorff_alpha(patterns, cols, weight=W),
        f"no {what} in a document annotated by two or more selected annotators",
    )
    present = [pl.col(c).is_not_null() for c in cols]
    every = int(patterns.filter(pl.all_horizontal(present))[W].sum())
    two = int(patterns.filter(pl.sum_horizontal(present) >= 2)[W].sum())
    common, shared = docs
    return (
        TokenCoefficients(count, Value.of(cohen), Value.of(fleiss), Value.of(alpha), every, two, common, shared),
        per_pair,
    )


def _per_label(annotators: Sequence[str], labels: Sequence[str], patterns: pl.DataFrame) -> dict[str, LabelTokens]:
    """Each label against every other token (named patterns, all tokens)."""
    cols = [f"r{i}" for i in range(len(annotators))]
    out = {}
    for label in labels:
        other = f"not {label}"
        binary = patterns.select(
            *(
                pl.when(pl.col(c).is_null())
                .then(None)
                .when(pl.col(c) == label)
                .then(pl.lit(label))
                .otherwise(pl.lit(other))
                .alias(c)
                for c in cols
            ),
            W,
        )
        coefficients, per_pair = _coefficients(annotators, binary, (0, 0), "token")
        out[label] = LabelTokens(coefficients.cohen_kappa, coefficients.fleiss_kappa, coefficients.krippendorff_alpha)
    return out


@dataclass(frozen=True)
class TokenPatterns:
    """What the token coefficients are computed from: the distinct rows of the token label
    matrix with label names (columns ``r{i}``, null: not annotated) and their count ``_n``,
    and how many documents with tokens, and with a labelled token, every annotator and two
    or more annotators did. Both sum over documents."""

    patterns: pl.DataFrame
    documents: tuple[int, int, int, int]  # (common, shared) with tokens, (common, shared) with labels


def token_patterns(st: Study, tokens: pl.DataFrame | None) -> TokenPatterns:
    tok = prepare_tokens(tokens, st.docs)
    assigned = span_token_labels(st, tok)
    cols = [f"r{i}" for i in range(len(st.annotators))]
    codes = token_label_patterns(st, tok, assigned)
    names = [NO_ENTITY, *st.labels]
    named = codes.with_columns(decode(c, names).alias(c) for c in cols)
    per_doc = st.coverage.group_by("dc").len()
    common = set(per_doc.filter(pl.col("len") == len(cols))["dc"].to_list()) if cols else set()
    shared = set(per_doc.filter(pl.col("len") >= 2)["dc"].to_list())
    with_tokens = set(tok["dc"].unique().to_list())
    with_labels = set(tok["dc"].gather(assigned["tok"]).unique().to_list()) if assigned.height else set()
    counts = (
        len(common & with_tokens),
        len(shared & with_tokens),
        len(common & with_labels),
        len(shared & with_labels),
    )
    return TokenPatterns(named, counts)


def token_scores(
    annotators: Sequence[str], labels: Sequence[str], tp: TokenPatterns
) -> tuple[TokenCoefficients, list[PairTokens], dict[str, LabelTokens]]:
    """The coefficients on all tokens (with those on labelled tokens as ``labelled``), per
    pair (in the order of :func:`pairs`) and per label."""
    cols = [f"r{i}" for i in range(len(annotators))]
    named = tp.patterns
    outside = (
        pl.all_horizontal([pl.col(c).is_null() | (pl.col(c) == NO_ENTITY) for c in cols]) if cols else pl.lit(True)
    )
    labelled = named.filter(~outside)
    common_t, shared_t, common_l, shared_l = tp.documents
    everything, pair_all = _coefficients(annotators, named, (common_t, shared_t), "token")
    only, pair_labelled = _coefficients(annotators, labelled, (common_l, shared_l), "labelled token")
    merged = TokenCoefficients(
        everything.count, everything.cohen_kappa, everything.fleiss_kappa, everything.krippendorff_alpha,
        everything.fleiss_tokens, everything.krippendorff_tokens, everything.fleiss_documents,
        everything.krippendorff_documents, labelled=only,
    )  # fmt: skip
    per_pair = [PairTokens(k, n, kl, nl) for (k, n), (kl, nl) in zip(pair_all, pair_labelled, strict=True)]
    return merged, per_pair, _per_label(annotators, labels, named)


def token_measures(
    st: Study, tokens: pl.DataFrame | None
) -> tuple[TokenCoefficients, list[PairTokens], dict[str, LabelTokens]]:
    """:func:`token_scores` of :func:`token_patterns`."""
    return token_scores(st.annotators, st.labels, token_patterns(st, tokens))
