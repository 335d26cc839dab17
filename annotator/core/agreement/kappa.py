"""Chance-corrected agreement on categorical data: Cohen's κ, Fleiss' κ, Krippendorff's α.

Input is a "token-label table": a DataFrame with one row per item (token) and one column
per rater holding the rater's label; null means the rater gave no value for that item
(did not annotate the document). Labels may be of any type polars can group by; a reason that names one shows it with
``str()``, so give the table label names (not codes) where a person reads the reason.
Optionally a ``weight`` column says how many items each row stands for, so a table of
label patterns (``frame.group_by(columns).len()``, see :func:`label_patterns`) gives the
same result as the full table.

- Cohen's κ (two raters): items both raters labelled; κ = (A_o − A_e)/(1 − A_e) with
  A_e from each rater's own label distribution.
- Fleiss' κ: items every listed rater labelled; P_i = (Σ_k n_ik² − n)/(n(n − 1)),
  P̄_e = Σ_k p_k² over the pooled label proportions.
- Krippendorff's α, nominal, missing values allowed: α = 1 − (n − 1) Σ_{c≠k} o_ck /
  Σ_{c≠k} n_c n_k over the items with at least two values.

The table is first reduced to its distinct label patterns with polars; the formulas then
run over those patterns (a few hundred for token labels) in exact arithmetic
(``Fraction``), so identical raters give exactly 1.0. Degenerate inputs give
:class:`Undefined` with a reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import polars as pl

from annotator.core.agreement.scores import Score, Undefined

WEIGHT = "_n"


def label_patterns(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The distinct rows of ``columns`` with how often each occurs (column ``_n``)."""
    return frame.group_by(list(columns)).agg(pl.len().cast(pl.Int64).alias(WEIGHT))


def _patterns(frame: pl.DataFrame, columns: Sequence[str], weight: str | None) -> list[tuple]:
    """(value, ..., count) per distinct row of ``columns``."""
    columns = list(columns)
    if weight is None:
        grouped = label_patterns(frame, columns)
    else:
        grouped = frame.group_by(columns).agg(pl.col(weight).sum().cast(pl.Int64).alias(WEIGHT))
    return list(grouped.select(*columns, WEIGHT).iter_rows())


def cohen_kappa(frame: pl.DataFrame, a: str, b: str, *, weight: str | None = None) -> Score:
    """Cohen's κ between columns ``a`` and ``b`` over the rows where both are non-null."""
    n = agree = 0
    ca: Counter = Counter()
    cb: Counter = Counter()
    for x, y, count in _patterns(frame, [a, b], weight):
        if x is None or y is None:
            continue
        n += count
        ca[x] += count
        cb[y] += count
        if x == y:
            agree += count
    if n == 0:
        return Undefined("no item was labelled by both raters")
    chance = sum(count * cb[label] for label, count in ca.items())  # A_e · n²
    if chance == n * n:
        return Undefined(f"chance agreement is 1: both raters gave every item the same label, {next(iter(ca))}")
    return float(Fraction(agree * n - chance, n * n - chance))


def fleiss_kappa(frame: pl.DataFrame, columns: Sequence[str], *, weight: str | None = None) -> Score:
    """Fleiss' κ over the rows where every column in ``columns`` is non-null."""
    columns = list(columns)
    r = len(columns)
    if r < 2:
        return Undefined("Fleiss' κ needs at least two raters")
    items = 0
    agreement = Fraction(0)  # Σ_i P_i
    totals: Counter = Counter()
    for *values, count in _patterns(frame, columns, weight):
        if any(v is None for v in values):
            continue
        per_label = Counter(values)
        items += count
        agreement += Fraction(count * (sum(c * c for c in per_label.values()) - r), r * (r - 1))
        for label, c in per_label.items():
            totals[label] += c * count
    if items == 0:
        return Undefined("no item was labelled by every rater")
    p_bar = agreement / items
    cells = items * r
    p_e = Fraction(sum(t * t for t in totals.values()), cells * cells)
    if p_e == 1:
        return Undefined(f"chance agreement is 1: every rater gave every item the same label, {next(iter(totals))}")
    return float((p_bar - p_e) / (1 - p_e))


def krippendorff_alpha(frame: pl.DataFrame, columns: Sequence[str], *, weight: str | None = None) -> Score:
    """Krippendorff's α (nominal) over ``columns``; nulls are missing values."""
    columns = list(columns)
    if len(columns) < 2:
        return Undefined("Krippendorff's α needs at least two raters")
    disagree = Fraction(0)  # Σ_{c≠k} o_ck
    totals: Counter = Counter()  # n_c
    for *values, count in _patterns(frame, columns, weight):
        present = [v for v in values if v is not None]
        m = len(present)
        if m < 2:
            continue
        per_label = Counter(present)
        disagree += Fraction(count * (m * m - sum(c * c for c in per_label.values())), m - 1)
        for label, c in per_label.items():
            totals[label] += c * count
    if not totals:
        return Undefined("no item has values from two or more raters")
    n = sum(totals.values())
    expected = n * n - sum(t * t for t in totals.values())  # Σ_{c≠k} n_c n_k
    if expected == 0:
        return Undefined(f"no variation: every value is the same label, {next(iter(totals))}")
    return float(1 - (n - 1) * disagree / expected)
