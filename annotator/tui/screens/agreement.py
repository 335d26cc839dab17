"""Agreement: the summary rows, the pair matrix, per-label scores, each annotator against gold
(once there is gold), documents sorted by disagreement and the disagreements of the
highlighted one (entities, triggers, arguments)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from annotator.core.agreement.report_model import AgreementReport, Value
from annotator.core.annotations.store import AnnotationStore
from annotator.core.errors import AnnotatorError
from annotator.core.keymap import AGREEMENT
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings

if TYPE_CHECKING:
    from textual import getters

    from annotator.tui.app import AnnotatorApp


GRADE_STYLES = {"good": "#5fd75f", "fair": "#d7d75f", "poor": "#ff5f5f", None: "dim"}  # Value.grade()


def _cell(value: Value, *, why: bool = False) -> Text:
    """A coloured number, or a dim "n/a" (with the reason when ``why``)."""
    shown = value.explained() if why else value.text()
    return Text(shown, style=GRADE_STYLES[value.grade()], justify="right")


class AgreementScreen(Screen):
    BINDINGS = bindings(AGREEMENT)
    DEFAULT_CSS = """
    AgreementScreen #docs { height: 1fr; }
    AgreementScreen #disagreements { height: 1fr; }
    """
    if TYPE_CHECKING:
        app = getters.app(AnnotatorApp)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("computing agreement...", id="agreement-summary")
        yield LoadingIndicator()
        with Horizontal(id="agreement-tables"):
            with VerticalScroll():
                yield Static("Summary", classes="heading")
                yield DataTable(id="summary")
                yield Static("Span F1 (exact), annotator pairs", classes="heading")
                yield DataTable(id="pairs")
                yield Static(
                    "Per label (F1: mean over pairs; κ: this label against every other token)", classes="heading"
                )
                yield DataTable(id="labels")
                yield Static("", classes="heading", id="against-heading")
                yield DataTable(id="against")
            with Vertical():
                yield Static("Documents, most disagreement first (Enter compares)", classes="heading")
                yield DataTable(id="docs", cursor_type="row")
                yield Static("Disagreements in the highlighted document", classes="heading")
                yield DataTable(id="disagreements")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Agreement"
        self.report: AgreementReport | None = None
        self.compute()

    def action_reload(self) -> None:
        self.query_one(LoadingIndicator).display = True
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        from annotator.core.agreement import compute_report
        from annotator.core.agreement.input import default_reference, load_tables

        workspace = self.app.workspace
        try:
            tables = load_tables(workspace, against=default_reference(workspace))
            report = compute_report(tables)
        except Exception as exc:  # shown on screen; the app keeps working
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, report)

    def _failed(self, message: str) -> None:
        self.query_one(LoadingIndicator).display = False
        self.query_one("#agreement-summary", Static).update(
            Text(printable(f"cannot compute agreement: {message}"), style="red")
        )

    def _show(self, report: AgreementReport) -> None:
        self.report = report
        self.query_one(LoadingIndicator).display = False
        heading = (
            f"guidelines {report.guidelines} · {len(report.annotators)} annotators · {report.documents} documents"
            f" · excluded {len(report.excluded)}"
        )
        self.query_one("#agreement-summary", Static).update(Text(printable(heading)))  # values from files: data
        self._show_summary(report)
        self._show_pairs(report)
        self._show_labels(report)
        self._show_against(report)
        self._show_documents(report)

    def _table(self, name: str, *columns: str | Text) -> DataTable:
        table = self.query_one(f"#{name}", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        return table

    def _show_summary(self, report: AgreementReport) -> None:
        table = self._table("summary", "measure", "value", "over")
        for row in report.summary():
            table.add_row(Text(row.label), _cell(row.value, why=True), Text(row.over, justify="right"))

    def _show_pairs(self, report: AgreementReport) -> None:
        names = report.annotators
        table = self._table("pairs", "", *(Text(printable(name)) for name in names))
        for a in names:
            cells = [_cell(Value(1.0)) if a == b else _cell(report.pair(a, b).exact.f1) for b in names]
            table.add_row(Text(printable(a), style="bold"), *cells)

    def _show_labels(self, report: AgreementReport) -> None:
        table = self._table("labels", "label", "spans", "exact", "overlap", "α_u", "Cohen's κ", "Fleiss' κ")
        for lab in report.per_label:
            table.add_row(
                Text(printable(lab.label)), Text(str(lab.spans), justify="right"), _cell(lab.span_f1_exact),
                _cell(lab.span_f1_overlap), _cell(lab.alpha_u), _cell(lab.cohen_kappa), _cell(lab.fleiss_kappa),
            )  # fmt: skip

    def _show_against(self, report: AgreementReport) -> None:
        heading = self.query_one("#against-heading", Static)
        against = self.query_one("#against", DataTable)
        heading.display = against.display = report.reference is not None
        if report.reference is None:
            return
        heading.update(Text(printable(f"Each annotator against {report.reference}: precision / recall / F1")))
        table = self._table("against", "annotator", "documents", "spans", "triggers", "arguments (ACE)")
        for g in report.against:
            cells = [Text(f"{s.precision.text()} / {s.recall.text()} / {s.f1.text()}", justify="right")
                     for s in (g.spans, g.triggers, g.arguments)]  # fmt: skip
            table.add_row(Text(printable(g.annotator)), Text(str(g.documents), justify="right"), *cells)

    def _show_documents(self, report: AgreementReport) -> None:
        table = self._table("docs", "document", "span F1", "disagreements")
        for d in report.per_document:  # worst first
            table.add_row(
                Text(printable(d.id)), _cell(d.span_f1_exact), Text(str(d.disagreements), justify="right"), key=d.id
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "docs" and event.row_key.value is not None:
            self._show_disagreements(event.row_key.value)

    def _show_disagreements(self, doc_id: str) -> None:
        """What the annotators said where they disagree in ``doc_id``: every kind."""
        if self.report is None:
            return
        names = self.report.annotators
        table = self._table("disagreements", "kind", "what", "where", *(Text(printable(a)) for a in names))
        for item in self.report.disagreements.of_document(doc_id):
            said = [Text(printable(item.shown_by(a))) for a in names]
            table.add_row(item.kind, Text(printable(item.what)), item.where(), *said)

    def action_open(self) -> None:
        docs = self.query_one("#docs", DataTable)
        if self.report is None or not docs.row_count:
            return
        doc_id = docs.coordinate_to_cell_key(docs.cursor_coordinate).row_key.value
        if doc_id is None:  # not reached: every row's key is its document's id
            return
        app = self.app
        try:
            text = app.corpus.text(doc_id)
        except AnnotatorError as exc:  # the text went missing or bad since the report: said, nothing opened
            self.notify(f"cannot compare {doc_id}: {exc}", severity="error", timeout=15)
            return
        versions = {}
        for name in self.report.annotators:
            opened = AnnotationStore.of(app.workspace, name, app.corpus).open(
                doc_id, app.corpus.info(doc_id).sha256, app.schema.version, app.workspace.guidelines_dir, lock=False
            )
            versions[name] = opened.doc
        marks = sorted({(d.start, d.end) for d in self.report.disagreements.of_document(doc_id)})
        from annotator.tui.screens.compare import CompareScreen

        app.push_screen(CompareScreen(doc_id, text, versions, app.schema, app.bidi, marks))
