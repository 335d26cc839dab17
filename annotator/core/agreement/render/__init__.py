"""Renderers of the :class:`~annotator.core.agreement.report_model.AgreementReport`:
Markdown, standalone HTML, CSV (the measures; the disagreement list in
``disagreements_csv``), JSON.

Each reads only the typed report; the headline measures come from its
:meth:`~annotator.core.agreement.report_model.AgreementReport.summary`. Undefined values
show as "n/a" with the reason (Markdown: in the cell; HTML: in the tooltip; CSV: in the
``reason`` column; JSON: ``null`` and a sibling ``*_reason``).
"""

from __future__ import annotations

import re

import orjson

from annotator.core.agreement.render.csv_table import CSV_COLUMNS, to_csv
from annotator.core.agreement.render.disagreements_csv import to_disagreements_csv
from annotator.core.agreement.render.html_page import to_html
from annotator.core.agreement.render.markdown import to_markdown
from annotator.core.agreement.report_model import AgreementReport
from annotator.core.text.characters import CONTROLS, char_class
from annotator.core.text.printable import NAMED

# Characters JSON may hold raw but a terminal would act on (DEL, C1 such as CSI U+009B), and
# those printable() names (bidi controls, line separators): written as \u escapes, the same
# data for any JSON reader. orjson escapes C0 itself (and JSON's own line breaks must stay).
_ESCAPED = {c for c in CONTROLS if ord(c) >= 0x7F} | NAMED
_TERMINAL_CODES = re.compile(f"[{char_class(_ESCAPED)}]")


def to_json(report: AgreementReport) -> bytes:
    """``to_dict()`` as orjson bytes: indented, keys sorted, a final newline, never NaN;
    nothing in it a terminal would act on."""
    raw = orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    text = _TERMINAL_CODES.sub(lambda m: f"\\u{ord(m[0]):04x}", raw.decode("utf-8"))
    return text.encode("utf-8")


def as_bytes(report: AgreementReport, fmt: str) -> bytes:
    """The report in ``fmt`` (json, markdown, html, csv, or disagreements: the list as CSV), UTF-8."""
    if fmt == "json":
        return to_json(report)
    text = {"markdown": to_markdown, "html": to_html, "csv": to_csv, "disagreements": to_disagreements_csv}[fmt](report)
    return text.encode("utf-8")


__all__ = ["CSV_COLUMNS", "as_bytes", "to_csv", "to_disagreements_csv", "to_html", "to_json", "to_markdown"]
