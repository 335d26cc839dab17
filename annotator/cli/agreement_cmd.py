"""`annotator agreement`: how far the annotators agree, in the terminal or as a report file.

    annotator agreement                                   # tables in the terminal
    annotator agreement --annotators ann1,ann2 --labels PER,GPE --done-only
    annotator agreement --format html --out agreement.html [--force]
    annotator agreement --against gold                    # each annotator's precision, recall, F1 too
    annotator agreement --disagreements all.csv           # every disagreement, one per row

Every file is compared under the workspace's guidelines version (older files are
migrated in memory); what cannot be compared is listed under "excluded".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.cli import Commands, StageProgress, comma_list, plain, say

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from annotator.core.agreement.report_model import AgreementReport, Value

FORMATS = ("json", "markdown", "html", "csv")
SUFFIXES = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".csv": "csv"}
WORST_DOCUMENTS = 10
EXCLUDED_SHOWN = 10
DISAGREEMENTS_SHOWN = 20  # in the terminal; the JSON and CSV have them all
CAPPED = 200  # disagreements kept for the formats that show only the first ones (terminal, markdown, html)
GRADE_STYLES = {"good": "green", "fair": "yellow", "poor": "red", None: "dim"}  # Value.grade()


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    cmd = sub.add_parser(
        "agreement",
        help="inter-annotator agreement: entities, event triggers and arguments, per label, pair and document",
        description="Compare the annotators' files under the workspace's guidelines version (older files are "
        "migrated in memory, nothing is written to the workspace). Without --format/--out, prints "
        "tables; with them, writes the whole report.",
    )
    cmd.add_argument(
        "--annotators",
        metavar="A,B,...",
        default=None,
        help="whom to compare, in this order (default: every annotator folder)",
    )
    cmd.add_argument("--docs", metavar="ID,ID,...", default=None, help="documents to compare (default: all)")
    cmd.add_argument(
        "--labels",
        metavar="L,L,...",
        default=None,
        help="entity labels to compare (default: all); other spans are left out of the span and token measures",
    )
    cmd.add_argument("--done-only", action="store_true", help="only files with status done (the reference's too)")
    cmd.add_argument(
        "--against",
        metavar="NAME",
        default=None,
        help="also compare each annotator with NAME (gold, or an annotator left out of the pairs): "
        "precision, recall and F1 per label and for events",
    )
    cmd.add_argument(
        "--max-disagreements",
        type=int,
        default=None,
        metavar="N",
        help="list at most N disagreements, worst documents first (default: all in json, csv and "
        f"--disagreements; the first {CAPPED} in the terminal, markdown and html, saying how many more)",
    )
    cmd.add_argument(
        "--disagreements",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the disagreement list as CSV, one per row (entities, triggers, arguments)",
    )
    cmd.add_argument(
        "--format",
        dest="report_format",
        choices=FORMATS,
        default=None,
        help="write the report in this format (default with --out: from its suffix, else json)",
    )
    cmd.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="the report file (default with --format: standard output)",
    )
    cmd.add_argument("--force", action="store_true", help="overwrite an existing --out or --disagreements file")
    cmd.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes that read files and tokenize texts (default: one per CPU for large workspaces; 1: none)",
    )
    cmd.add_argument(
        "--no-cache",
        action="store_true",
        help="read every file again, neither reading nor writing the parsed tables kept in .cache/agreement/",
    )
    cmd.set_defaults(handler=_agreement)


def _check_options(args: argparse.Namespace, ws: Any) -> tuple[str | None, tuple[str, ...] | None]:
    """The output format and the labels; AnnotatorError with one line per problem."""
    from annotator.core.agreement.input import selection
    from annotator.core.errors import AnnotatorError
    from annotator.core.guidelines.schema import load_schema

    _, _, problems = selection(ws, comma_list(args.annotators), comma_list(args.docs), against=args.against)
    fmt = args.report_format
    if args.out is not None and fmt is None:
        fmt = SUFFIXES.get(args.out.suffix.lower(), "json")
    for option, path in (("--out", args.out), ("--disagreements", args.disagreements)):
        if path is None:
            continue
        if path.exists() and not args.force:
            problems.append(f"{option}: {path} exists (add --force to overwrite it)")
        elif path.is_dir():
            problems.append(f"{option}: {path} is a folder")
    if args.out is not None and args.disagreements is not None and args.out.resolve() == args.disagreements.resolve():
        problems.append("--disagreements: the same file as --out")
    if args.max_disagreements is not None and args.max_disagreements < 0:
        problems.append(f"--max-disagreements: at least 0, got {args.max_disagreements}")
    if args.jobs is not None and args.jobs < 1:
        problems.append(f"--jobs: at least 1, got {args.jobs}")
    labels = comma_list(args.labels)
    if labels is not None:
        schema = load_schema(ws.guidelines_dir, ws.config.guidelines)
        known = [label.name for label in schema.labels]
        if not labels:
            problems.append("--labels: no label named")
        problems += [
            f"--labels: unknown label {name!r} in guidelines {schema.version} (known: {', '.join(known)})"
            for name in labels
            if name not in known
        ]
    if problems:
        raise AnnotatorError("\n".join(problems))
    return fmt, labels


def _agreement(args: argparse.Namespace) -> int:
    from annotator.cli import open_workspace
    from annotator.core.agreement import compute_report
    from annotator.core.agreement.input import load_chunks
    from annotator.core.agreement.render import as_bytes
    from annotator.core.corpus import Corpus

    ws = open_workspace(args)
    Corpus.checked(ws.corpus_dir)  # a bad index line: refused, not its document silently left out
    fmt, labels = _check_options(args, ws)
    bar = StageProgress(remaining=False)
    try:
        chunks = load_chunks(  # parts of the corpus, each dropped once its statistics are taken
            ws,
            annotators=comma_list(args.annotators),
            docs=comma_list(args.docs),
            done_only=args.done_only,
            progress=bar,
            workers=args.jobs,
            against=args.against,
            use_cache=not args.no_cache,
        )
        report = compute_report(chunks, labels=labels, max_disagreements=_cap(args, fmt))
    finally:
        bar.stop()
    if args.disagreements is not None:
        _write(args, "--disagreements", args.disagreements, as_bytes(report, "disagreements"))
        say(f"wrote {args.disagreements}: {len(report.disagreements)} of {report.disagreements_total} disagreements")
    if fmt is None:
        _print_tables(report)
        return 0
    payload = as_bytes(report, fmt)
    if args.out is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return 0
    _write(args, "--out", args.out, payload)
    say(
        f"wrote {args.out} ({fmt}): {len(report.annotators)} annotators, {report.documents} documents, "
        f"{report.selection.files} files compared, {len(report.excluded)} excluded"
    )
    return 0


def _cap(args: argparse.Namespace, fmt: str | None) -> int | None:
    """How many disagreements the report keeps: --max-disagreements, else all where they are
    all written (json, csv, --disagreements), else the first CAPPED."""
    if args.max_disagreements is not None:
        return int(args.max_disagreements)
    if args.disagreements is not None or fmt in ("json", "csv"):
        return None
    return CAPPED


def _write(args: argparse.Namespace, option: str, path: Path, payload: bytes) -> None:
    from annotator.core.errors import AnnotatorError
    from annotator.core.jsonio import atomic_write_bytes

    if path.exists() and not args.force:  # appeared while computing
        raise AnnotatorError(f"{option}: {path} exists (add --force to overwrite it)")
    atomic_write_bytes(path, payload)


# --------------------------------------------------------------------------- terminal tables


def _value(value: Value) -> Text:
    """A coloured number, or a dim "n/a (reason)"."""
    return plain(value.explained(), style=GRADE_STYLES[value.grade()])


def _table(title: str, columns: list[str]) -> Table:
    """A table whose first column is left-aligned and the others right-aligned."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for k, column in enumerate(columns):
        table.add_column(plain(column), justify="left" if k == 0 else "right")
    return table


def _heading(report: AgreementReport) -> list[RenderableType]:

    names = report.annotators
    line = (
        f"Agreement under guidelines {report.guidelines}: {len(names)} annotator(s) ({', '.join(names) or 'none'}), "
        f"{report.documents} documents ({report.documents_shared} shared by two or more, "
        f"{report.documents_common} by all)"
    )
    selection = report.selection
    line += f", {selection.files} files compared"
    line += f", {selection.migrated} migrated" if selection.migrated else ""
    line += f", {selection.not_done_skipped} not done skipped" if selection.not_done_skipped else ""
    line += f", {selection.not_started_skipped} not started skipped" if selection.not_started_skipped else ""
    line += f"; against {report.reference}" if report.reference is not None else ""
    return [plain(line, style="bold")]


def _summary(report: AgreementReport) -> list[RenderableType]:
    table = _table("Summary", ["measure", "value", "over"])
    for row in report.summary():
        table.add_row(plain(row.label), _value(row.value), plain(row.over))
    return [table]


def _pair_matrix(report: AgreementReport) -> list[RenderableType]:
    from rich.text import Text

    names = report.annotators
    if len(names) < 2:
        return []
    matrix = _table("Pairs: span F1 exact above the diagonal, Cohen's κ below", ["", *names])
    for i, a in enumerate(names):
        cells = [
            Text("—", style="dim") if i == j
            else _value(report.pair(a, b).exact.f1) if i < j
            else _value(report.pair(a, b).kappa)
            for j, b in enumerate(names)
        ]  # fmt: skip
        matrix.add_row(plain(a), *cells)
    return [matrix]


def _labels(report: AgreementReport) -> list[RenderableType]:
    if not report.per_label:
        return []
    title = "Labels (F1, Cohen's κ: means over pairs; κ and α on tokens: this label against every other token)"
    columns = ["label", "spans", "span F1 exact", "span F1 overlap", "α_u", "Cohen's κ", "Fleiss' κ", "α"]
    table = _table(title, columns)
    for lab in report.per_label:
        table.add_row(
            plain(lab.label), str(lab.spans), _value(lab.span_f1_exact), _value(lab.span_f1_overlap),
            _value(lab.alpha_u), _value(lab.cohen_kappa), _value(lab.fleiss_kappa), _value(lab.krippendorff_alpha),
        )  # fmt: skip
    return [table]


def _event_types(report: AgreementReport) -> list[RenderableType]:
    if not report.events.types:
        return []
    columns = ["type", "trigger F1", "argument F1, matched triggers", "argument F1, all"]
    table = _table("Event types (means over pairs)", columns)
    for t in report.events.types:
        table.add_row(plain(t.type), _value(t.trigger_f1), _value(t.argument_f1), _value(t.argument_f1_all))
    return [table]


def _against(report: AgreementReport) -> list[RenderableType]:
    if report.reference is None:
        return []
    ref = report.reference
    columns = ["annotator", "what", "P", "R", "F1", f"matched / marked / {ref}"]
    table = _table(f"Each annotator against {ref}", columns)
    for g in report.against:
        kinds = (
            ("spans, exact", g.spans),
            ("spans, overlap", g.spans_overlap),
            ("triggers", g.triggers),
            ("arguments, all (ACE-style)", g.arguments),
            ("arguments, matched triggers", g.arguments_on_matched),
        )
        for k, (what, s) in enumerate(kinds):
            who = plain(f"{g.annotator} ({g.documents} documents)" if k == 0 else "")
            counts = f"{s.matched} / {s.annotator} / {s.gold}"
            table.add_row(who, what, _value(s.precision), _value(s.recall), _value(s.f1), counts)
    out: list[RenderableType] = [table]
    names = sorted({n for g in report.against for n in g.per_label})
    if names and report.against:
        per = _table(f"Span F1 per label against {ref} (exact)", ["label", *(g.annotator for g in report.against)])
        for label in names:
            cells = [_value(g.per_label[label].f1) if label in g.per_label else plain("") for g in report.against]
            per.add_row(plain(label), *cells)
        out.append(per)
    return out


def _distributions(report: AgreementReport) -> list[RenderableType]:
    out: list[RenderableType] = []
    for what, title, counts in report.distribution_tables():
        table = _table(title, [what, *report.annotators])
        for name, used in counts:
            table.add_row(plain(name), *(str(n) for n in used))
        out.append(table)
    return out


def _confusions(report: AgreementReport) -> list[RenderableType]:
    out: list[RenderableType] = []
    for title, rows in report.confusion_tables():
        table = _table(f"{title}, most frequent first", ["", "", "count"])
        for c in rows[:WORST_DOCUMENTS]:
            table.add_row(plain(c.label_a), plain(c.label_b), str(c.count))
        out.append(table)
    return out


def _disagreements(report: AgreementReport) -> list[RenderableType]:
    from rich.text import Text

    shown = report.disagreements[:DISAGREEMENTS_SHOWN]
    if not shown:
        return []
    title = f"Disagreements (first {len(shown)} of {report.disagreements_total}, worst documents first)"
    # no text column: Arabic in a plain table reads backwards in most terminals (the TUI lays it out)
    table = _table(title, ["document", "kind", "what", "where", *report.annotators])
    for d in shown:
        said = [plain(d.shown_by(a)) for a in report.annotators]
        table.add_row(plain(d.doc_id), d.kind, plain(d.what), d.where(), *said)
    out: list[RenderableType] = [table]
    more = report.disagreements_total - len(shown)
    if more:
        out.append(Text(f"  ... and {more:,} more (see --disagreements FILE.csv or --format json)", style="dim"))
    return out


def _worst_documents(report: AgreementReport) -> list[RenderableType]:
    docs = report.per_document[:WORST_DOCUMENTS]
    if not docs:
        return []
    title = f"Documents with the least agreement (first {len(docs)} of {len(report.per_document)})"
    table = _table(title, ["document", "F1 exact", "F1 overlap", "disagreements", "spans", "annotators"])
    for d in docs:
        table.add_row(
            plain(d.id),
            _value(d.span_f1_exact),
            _value(d.span_f1_overlap),
            str(d.disagreements),
            str(d.spans),
            str(d.annotators),
        )
    return [table]


def _excluded(report: AgreementReport) -> list[RenderableType]:
    from rich.text import Text

    excluded = report.excluded
    if not excluded:
        return []
    lines: list[RenderableType] = [Text(f"Excluded ({len(excluded)}):", style="bold")]
    lines += [plain(f"  {item.describe()}") for item in excluded[:EXCLUDED_SHOWN]]
    if len(excluded) > EXCLUDED_SHOWN:
        lines.append(Text(f"  ... and {len(excluded) - EXCLUDED_SHOWN} more (see --format json)", style="dim"))
    return lines


TERMINAL_SECTIONS = (_heading, _summary, _pair_matrix, _labels, _event_types, _against, _distributions, _confusions,
                     _worst_documents, _disagreements, _excluded)  # fmt: skip


def terminal_tables(report: AgreementReport) -> list[RenderableType]:
    """The report as rich renderables, one section after another (empty ones left out)."""
    return [part for section in TERMINAL_SECTIONS for part in section(report)]


def _print_tables(report: AgreementReport) -> None:
    from annotator.cli import console

    out = console()
    for part in terminal_tables(report):
        out.print(part)
