"""The agreement report as frozen dataclasses: what :func:`compute_report` found, in the
one shape every renderer reads (Markdown, HTML, CSV, JSON, the terminal tables, the TUI).

A measure is a :class:`Value`: a finite number, or ``None`` and the reason it has none.
:meth:`AgreementReport.summary` gives the headline rows (label, value, reason, what the
value rests on) once for every renderer; :meth:`AgreementReport.to_dict` gives the
JSON-ready dict (:mod:`annotator.core.agreement.report_json`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from annotator.core.agreement.report_disagreements import (
    NO_EVENT,
    NOT_ANNOTATED,
    Disagreement,
    Disagreements,
    Snippet,
    Trigger,
)
from annotator.core.agreement.report_json import report_dict
from annotator.core.agreement.scores import Score, Undefined, finite

if TYPE_CHECKING:
    from annotator.core.agreement.input import AgreementInput

__all__ = ["NOT_ANNOTATED", "NO_EVENT", "Disagreement", "Disagreements", "Snippet", "Trigger"]  # and the model below

# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Value:
    """A measure: ``number`` (finite), or ``None`` and the ``reason`` it is undefined."""

    number: float | None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.number is None:
            if not self.reason:
                raise ValueError("an undefined value needs a reason")
        elif self.reason is not None or not math.isfinite(self.number):
            raise ValueError(f"a value is a finite number without a reason, got {self.number!r}, {self.reason!r}")

    @classmethod
    def of(cls, score: Score) -> Value:
        score = score if isinstance(score, Undefined) else finite(score)
        if isinstance(score, Undefined):
            return cls(None, score.reason)
        return cls(score)

    @property
    def score(self) -> Score:
        return Undefined(self.reason or "") if self.number is None else self.number

    def text(self, digits: int = 3) -> str:
        """The number to ``digits`` places, or "n/a"."""
        return "n/a" if self.number is None else f"{self.number:.{digits}f}"

    def explained(self, digits: int = 3) -> str:
        """The number to ``digits`` places, or "n/a (reason)"."""
        return self.text(digits) if self.number is not None else f"n/a ({self.reason})"

    def grade(self) -> str | None:
        """How the terminal and the TUI colour it: "good" (at least 0.8), "fair" (at least 0.6),
        "poor", or None for n/a."""
        if self.number is None:
            return None
        return "good" if self.number >= 0.8 else "fair" if self.number >= 0.6 else "poor"


# --------------------------------------------------------------------------- pairs and labels


@dataclass(frozen=True)
class EventMatch:
    """Trigger or argument F1 of one pair."""

    f1: Value
    matched: int
    a_count: int
    b_count: int


@dataclass(frozen=True)
class SpanMatch(EventMatch):
    """Span F1 of one pair under one matching (exact or overlap), and per label."""

    per_label: Mapping[str, Value]


@dataclass(frozen=True)
class PairAgreement:
    """Every measure of one annotator pair (``a`` before ``b`` in the selection's order)."""

    a: str
    b: str
    documents: int  # documents both annotated
    exact: SpanMatch
    overlap: SpanMatch
    kappa: Value  # Cohen's κ on tokens
    tokens: int  # tokens in the documents both annotated
    kappa_labelled: Value  # Cohen's κ without the tokens every annotator of the document left "O"
    tokens_labelled: int
    triggers: EventMatch
    arguments: EventMatch  # on triggers both marked identically
    arguments_all: EventMatch  # every argument (ACE-style: event type, role, entity extent)


@dataclass(frozen=True)
class LabelAgreement:
    """One entity label: span F1 (means over pairs), α_u, and the token coefficients of
    this label against every other token (a token has the label or not)."""

    label: str
    span_f1_exact: Value
    span_f1_overlap: Value
    alpha_u: Value
    spans: int  # spans with this label in the documents two or more annotators did
    cohen_kappa: Value  # mean over pairs
    fleiss_kappa: Value
    krippendorff_alpha: Value


# --------------------------------------------------------------------------- corpus-wide measures


@dataclass(frozen=True)
class TokenCoefficients:
    """Chance-corrected agreement on each token's label ("O" outside every span), over one
    set of tokens: every token of the documents compared, or only those some annotator
    labelled (``labelled``)."""

    count: int  # tokens of the documents compared (in this set)
    cohen_kappa: Value  # mean over pairs
    fleiss_kappa: Value
    krippendorff_alpha: Value
    fleiss_tokens: int  # tokens every selected annotator labelled
    krippendorff_tokens: int  # tokens two or more selected annotators labelled
    fleiss_documents: int = 0  # documents of those tokens
    krippendorff_documents: int = 0
    labelled: TokenCoefficients | None = None  # the same without the tokens every annotator left "O"


@dataclass(frozen=True)
class Unitizing:
    """Krippendorff's α_u over the documents every annotator annotated (per label: in
    :class:`LabelAgreement`)."""

    overall: Value
    observed: Mapping[str, float]  # D_o per label with units
    expected: Mapping[str, float]  # D_e per label with units
    continuum_length: int  # characters
    raters: int
    documents: int | None  # None: α_u of a single continuum, not of documents
    merged_units: int


@dataclass(frozen=True)
class EventTypeAgreement:
    type: str
    trigger_f1: Value  # means over pairs
    argument_f1: Value  # on matched triggers
    argument_f1_all: Value  # every argument (ACE-style)


@dataclass(frozen=True)
class Events:
    trigger_f1: Value  # means over pairs
    argument_f1: Value  # on matched triggers
    argument_f1_all: Value  # every argument (ACE-style)
    types: tuple[EventTypeAgreement, ...]
    triggers: int = 0  # triggers in the documents two or more annotators did
    arguments: int = 0  # arguments there
    arguments_on_matched: int = 0  # of those, on a trigger another annotator marked identically


# --------------------------------------------------------------------------- where they disagree


@dataclass(frozen=True)
class DocumentAgreement:
    id: str
    annotators: int
    pairs: int  # annotator pairs that both annotated it
    span_f1_exact: Value  # mean over those pairs
    span_f1_overlap: Value
    spans: int
    matched_exact: int
    matched_overlap: int
    disagreements: int


@dataclass(frozen=True)
class Confusion:
    """Two values said at the same position by two annotators, how often: entity labels,
    event types (same trigger extent) or roles (same trigger, same argument entity)."""

    label_a: str
    label_b: str
    count: int


# --------------------------------------------------------------------------- annotators


@dataclass(frozen=True)
class Distribution:
    """What one annotator marked in the documents compared: how often each label, event
    type and role."""

    annotator: str
    documents: int
    labels: Mapping[str, int]
    types: Mapping[str, int]
    roles: Mapping[str, int]


@dataclass(frozen=True)
class Scored:
    """Precision, recall and F1 of an annotator against gold on one kind of item."""

    precision: Value
    recall: Value
    f1: Value
    matched: int
    annotator: int  # items the annotator marked
    gold: int  # items gold has


@dataclass(frozen=True)
class AgainstGold:
    """One annotator against the reference (gold) on the documents both have."""

    annotator: str
    documents: int
    spans: Scored  # exact (start, end, label)
    spans_overlap: Scored  # overlap, the most pairs (as the overlap span F1)
    per_label: Mapping[str, Scored]  # exact
    triggers: Scored  # exact (start, end, type)
    per_type: Mapping[str, Scored]  # triggers
    arguments: Scored  # every argument (ACE-style)
    arguments_on_matched: Scored  # on triggers gold has identically


# --------------------------------------------------------------------------- what was left out


@dataclass(frozen=True)
class Ignored:
    spans_outside_coverage: int
    events_outside_coverage: int
    arguments_without_event: int


@dataclass(frozen=True)
class Exclusion:
    annotator: str
    doc_id: str | None  # None: the whole folder
    reason: str
    files: int | None = None  # a folder: the files in it

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Exclusion:
        return cls(item["annotator"], item["doc_id"], item["reason"], item.get("files"))

    def describe(self) -> str:
        """ "ann2/doc7: why" or "gold/ (20 files): why"."""
        files = "" if self.files is None else f" ({self.files} file{'' if self.files == 1 else 's'})"
        return f"{self.annotator}/{self.doc_id or ''}{files}: {self.reason}"


@dataclass(frozen=True)
class Selection:
    """What the loader compared and skipped (all 0 for tables built by hand)."""

    files: int  # files compared
    excluded: int
    migrated_from: Mapping[str, int]  # files migrated, per original guidelines version
    not_done_skipped: int
    not_started_skipped: int  # untouched not_started files: not an annotation of their document
    needs_review: int
    labels: tuple[str, ...] | None  # the --labels asked for (None: all)

    @classmethod
    def of(cls, data: AgreementInput, labels: Iterable[str] | None) -> Selection:
        return cls(
            files=data.files,
            excluded=len(data.excluded),
            migrated_from=dict(data.migrated),
            not_done_skipped=data.not_done,
            not_started_skipped=data.not_started,
            needs_review=data.review,
            labels=None if labels is None else tuple(labels),
        )

    @property
    def migrated(self) -> int:
        return sum(self.migrated_from.values())


# --------------------------------------------------------------------------- the report


SHARED = "two or more annotators did"  # the documents pairwise measures rest on
COMMON = "every annotator did"  # the documents Fleiss' κ and α_u rest on


def _count(n: int, unit: str) -> str:
    return f"{n:,} {unit}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class SummaryRow:
    """A headline measure: its CSV name, its label, its value, and what the value rests on:
    ``items`` of ``unit`` in ``documents`` documents (``scope`` says which), and for a mean
    over annotator pairs how many pairs have a value."""

    key: str
    label: str
    value: Value
    items: int
    unit: str  # singular: "token", "span", "character"
    documents: int = 0
    scope: str = SHARED
    pairs: int | None = None  # a mean over pairs: the pairs with a value

    @property
    def over(self) -> str:
        """ "3 pairs · 1,234 spans · 20 documents two or more annotators did"."""
        parts = [] if self.pairs is None else [_count(self.pairs, "pair")]
        parts += [_count(self.items, self.unit), f"{_count(self.documents, 'document')} {self.scope}"]
        return " · ".join(parts)


@dataclass(frozen=True)
class AgreementReport:
    guidelines: str
    annotators: tuple[str, ...]  # display order
    documents: int  # annotated by a selected annotator
    documents_shared: int  # by two or more
    documents_common: int  # by all
    spans_shared: int  # spans in the documents two or more annotators did
    span_f1_exact: Value  # means over pairs
    span_f1_overlap: Value
    pairs: tuple[PairAgreement, ...]
    per_label: tuple[LabelAgreement, ...]  # the selected labels, sorted
    tokens: TokenCoefficients
    unitizing: Unitizing
    events: Events
    per_document: tuple[DocumentAgreement, ...]  # worst first
    confusion: tuple[Confusion, ...]  # entity labels, most frequent first
    disagreements: Disagreements  # all, or the first ones asked for: worst documents first
    disagreements_total: int
    ignored: Ignored
    excluded: tuple[Exclusion, ...]
    selection: Selection
    type_confusion: tuple[Confusion, ...] = ()  # event types at the same trigger extent
    role_confusion: tuple[Confusion, ...] = ()  # roles of the same entity on the same trigger
    distributions: tuple[Distribution, ...] = ()  # per annotator, in display order
    reference: str | None = None  # the annotations compared against ("gold"), if asked
    against: tuple[AgainstGold, ...] = ()  # per annotator, in display order

    @property
    def labels(self) -> list[str]:
        return [lab.label for lab in self.per_label]

    def pair(self, a: str, b: str) -> PairAgreement:
        """The pair of ``a`` and ``b``, in either order."""
        for p in self.pairs:
            if (p.a, p.b) in ((a, b), (b, a)):
                return p
        raise KeyError((a, b))

    def counts(self, what: str) -> list[tuple[str, tuple[int, ...]]]:
        """(name, how often each annotator used it, in display order) for every name some
        annotator used, sorted: ``what`` is "labels", "types" or "roles"."""
        per = [getattr(d, what) for d in self.distributions]
        names = sorted({name for counts in per for name in counts})
        return [(name, tuple(counts.get(name, 0) for counts in per)) for name in names]

    def distribution_tables(self) -> list[tuple[str, str, list[tuple[str, tuple[int, ...]]]]]:
        """(what, title, rows of :meth:`counts`) for labels, event types and roles some annotator used:
        the tables every renderer shows under the same titles."""
        tables = [("label", "Labels each annotator used", self.counts("labels"))]
        tables.append(("event type", "Event types each annotator used", self.counts("types")))
        tables.append(("role", "Roles each annotator used", self.counts("roles")))
        return [table for table in tables if table[2]]

    def confusion_tables(self) -> list[tuple[str, tuple[Confusion, ...]]]:
        """(title, confusions most frequent first) for labels, event types and roles that have any."""
        tables = [
            ("Label confusion (same extent, different labels)", self.confusion),
            ("Event type confusion (same trigger, different types)", self.type_confusion),
            ("Role confusion (same trigger and entity, different roles)", self.role_confusion),
        ]
        return [table for table in tables if table[1]]

    def disputed_documents(self) -> list[DocumentAgreement]:
        """The documents with a disagreement, worst first."""
        return [d for d in self.per_document if d.disagreements]

    def summary(self) -> tuple[SummaryRow, ...]:
        """The headline measures, in the order every renderer shows them."""

        def defined(values: list[Value]) -> int:
            return sum(v.number is not None for v in values)

        tokens, events, shared = self.tokens, self.events, self.documents_shared
        labelled = tokens.labelled or tokens
        span_pairs = defined([p.exact.f1 for p in self.pairs])
        return (
            SummaryRow("span_f1_exact", "Span F1, exact (mean over pairs)", self.span_f1_exact,
                       self.spans_shared, "span", shared, SHARED, span_pairs),
            SummaryRow("span_f1_overlap", "Span F1, overlap (mean over pairs)", self.span_f1_overlap,
                       self.spans_shared, "span", shared, SHARED, defined([p.overlap.f1 for p in self.pairs])),
            SummaryRow("cohen_kappa", "Cohen's κ on tokens (mean over pairs)", tokens.cohen_kappa,
                       tokens.krippendorff_tokens, "token", tokens.krippendorff_documents, SHARED,
                       defined([p.kappa for p in self.pairs])),
            SummaryRow("fleiss_kappa", "Fleiss' κ on tokens", tokens.fleiss_kappa, tokens.fleiss_tokens, "token",
                       tokens.fleiss_documents, COMMON),
            SummaryRow("krippendorff_alpha", "Krippendorff's α on tokens (nominal)", tokens.krippendorff_alpha,
                       tokens.krippendorff_tokens, "token", tokens.krippendorff_documents, SHARED),
            SummaryRow("cohen_kappa_labelled", "Cohen's κ on labelled tokens (mean over pairs)",
                       labelled.cohen_kappa, labelled.krippendorff_tokens, "token", labelled.krippendorff_documents,
                       SHARED, defined([p.kappa_labelled for p in self.pairs])),
            SummaryRow("fleiss_kappa_labelled", "Fleiss' κ on labelled tokens", labelled.fleiss_kappa,
                       labelled.fleiss_tokens, "token", labelled.fleiss_documents, COMMON),
            SummaryRow("krippendorff_alpha_labelled", "Krippendorff's α on labelled tokens (nominal)",
                       labelled.krippendorff_alpha, labelled.krippendorff_tokens, "token",
                       labelled.krippendorff_documents, SHARED),
            SummaryRow("unitizing_alpha", "Krippendorff's α_u (unitizing, characters)", self.unitizing.overall,
                       self.unitizing.continuum_length, "character", self.unitizing.documents or 0, COMMON),
            SummaryRow("trigger_f1", "Event trigger F1 (mean over pairs)", events.trigger_f1,
                       events.triggers, "trigger", shared, SHARED, defined([p.triggers.f1 for p in self.pairs])),
            SummaryRow("argument_f1", "Event argument F1 on matched triggers (mean over pairs)", events.argument_f1,
                       events.arguments_on_matched, "argument", shared, SHARED,
                       defined([p.arguments.f1 for p in self.pairs])),
            SummaryRow("argument_f1_all", "Event argument F1, all arguments (ACE-style, mean over pairs)",
                       events.argument_f1_all, events.arguments, "argument", shared, SHARED,
                       defined([p.arguments_all.f1 for p in self.pairs])),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict (see :mod:`annotator.core.agreement.report_json`)."""
        return report_dict(self)
