"""The disagreement list as CSV, one disagreement per row: every one the report holds (all
of them unless ``--max-disagreements`` capped it), worst documents first.

Columns: doc_id, kind (entity, trigger, argument), what (different labels, different
roles, missing argument, ...), start, end (of the entity, trigger or argument entity),
text (empty without texts), trigger_start, trigger_end, trigger_text (arguments only),
then one column per annotator: what they said there (labels, types or roles joined by
``+``; ``—`` nothing; ``(no event here)``; ``(not annotated)``). Data is ``printable``: the
file read in a terminal sends it no code.
"""

from __future__ import annotations

import csv
import io

from annotator.core.agreement.report_model import AgreementReport
from annotator.core.text.printable import printable

COLUMNS = ("doc_id", "kind", "what", "start", "end", "text", "trigger_start", "trigger_end", "trigger_text")


def to_disagreements_csv(report: AgreementReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, *map(printable, report.annotators)])
    for d in report.disagreements:
        trigger = d.trigger
        writer.writerow(
            [
                printable(d.doc_id),
                d.kind,
                d.what,
                d.start,
                d.end,
                "" if d.snippet is None else printable(d.snippet.text),
                "" if trigger is None else trigger.start,
                "" if trigger is None else trigger.end,
                "" if trigger is None or trigger.text is None else printable(trigger.text),
                *(printable(d.shown_by(a)) for a in report.annotators),
            ]
        )
    return buffer.getvalue()
