"""Agreement: the pair matrix, per-label scores, documents sorted by disagreement."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from annotator.core.annotations.store import AnnotationStore
from annotator.core.keymap import AGREEMENT
from annotator.tui.keys import bindings


def _fmt(value) -> Text:
    if value is None:
        return Text("n/a", style="dim")
    style = "#5fd75f" if value >= 0.8 else "#d7d75f" if value >= 0.6 else "#ff5f5f"
    return Text(f"{value:.3f}", style=style, justify="right")


def _value(entry):
    """A score from the report: a number or null (the reason is beside it), or a section
    whose overall score is its ``f1`` (spans.exact, a pair...)."""
    return entry.get("f1") if isinstance(entry, dict) else entry


class AgreementScreen(Screen):
    BINDINGS = bindings(AGREEMENT)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("computing agreement...", id="agreement-summary")
        yield LoadingIndicator()
        with Horizontal(id="agreement-tables"):
            with Vertical():
                yield Static("Span F1 (exact), annotator pairs", classes="heading")
                yield DataTable(id="pairs")
                yield Static("Per label (mean over pairs)", classes="heading")
                yield DataTable(id="labels")
            with Vertical():
                yield Static("Documents, most disagreement first (Enter compares)", classes="heading")
                yield DataTable(id="docs", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Agreement"
        self.report: dict | None = None
        self.compute()

    def action_reload(self) -> None:
        self.query_one(LoadingIndicator).display = True
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        from annotator.core.agreement import compute_report
        from annotator.core.agreement.input import load_tables

        workspace = self.app.workspace
        try:
            tables = load_tables(workspace)
            report = compute_report(
                tables.spans, tables.coverage, tables.tokens, tables.doc_lengths, tables.events, tables.arguments,
                guidelines=workspace.config.guidelines, excluded=tables.excluded, texts=tables.texts,
            )
        except Exception as exc:  # noqa: BLE001 - shown on screen; the app keeps working
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, report)

    def _failed(self, message: str) -> None:
        self.query_one(LoadingIndicator).display = False
        self.query_one("#agreement-summary", Static).update(Text(f"cannot compute agreement: {message}", style="red"))

    def _show(self, report: dict) -> None:
        self.report = report
        self.query_one(LoadingIndicator).display = False
        spans, tokens, events = report["spans"], report["tokens"], report["events"]
        summary = (
            f"guidelines {report['guidelines']} · {len(report['annotators'])} annotators · {report['documents']} documents"
            f" · span F1 exact {_txt(_value(spans['exact']))} overlap {_txt(_value(spans['overlap']))}"
            f" · Cohen κ {_txt(_value(tokens['cohen_kappa'].get('mean')))} · Fleiss κ {_txt(_value(tokens.get('fleiss_kappa')))}"
            f" · α {_txt(_value(tokens.get('krippendorff_alpha')))} · α_u {_txt(_value(report['unitizing_alpha'].get('overall')))}"
            f" · triggers {_txt(_value(events.get('trigger_f1')))} · arguments {_txt(_value(events.get('argument_f1')))}"
            f" · excluded {len(report['excluded'])}"
        )
        self.query_one("#agreement-summary", Static).update(Text(summary))  # values from files: no markup
        names = report["annotators"]
        pairs = self.query_one("#pairs", DataTable)
        pairs.clear(columns=True)
        pairs.add_columns("", *(Text(name) for name in names))
        matrix = {(p["a"], p["b"]): _value(p) for p in spans["exact"].get("pairs", [])}
        for a in names:
            row = [Text(a, style="bold")]
            for b in names:
                row.append(_fmt(1.0) if a == b else _fmt(matrix.get((a, b), matrix.get((b, a)))))
            pairs.add_row(*row)
        labels = self.query_one("#labels", DataTable)
        labels.clear(columns=True)
        labels.add_columns("label", "exact", "overlap", "α_u")
        overlap = spans["overlap"].get("per_label", {})
        unit = report["unitizing_alpha"].get("per_label", {})
        for label, value in sorted(spans["exact"].get("per_label", {}).items()):
            labels.add_row(Text(label), _fmt(_value(value)), _fmt(_value(overlap.get(label))), _fmt(_value(unit.get(label))))
        docs = self.query_one("#docs", DataTable)
        docs.clear(columns=True)
        docs.add_columns("document", "span F1", "disagreements")
        rows = sorted(report["per_document"], key=lambda d: (_value(d.get("span_f1_exact")) is None,
                                                             _value(d.get("span_f1_exact")) or 0.0))
        for d in rows:
            docs.add_row(Text(d["id"]), _fmt(_value(d.get("span_f1_exact"))),
                         Text(str(d["disagreements"]), justify="right"), key=d["id"])

    def action_open(self) -> None:
        docs = self.query_one("#docs", DataTable)
        if self.report is None or not docs.row_count:
            return
        doc_id = docs.coordinate_to_cell_key(docs.cursor_coordinate).row_key.value
        app = self.app
        text = app.corpus.text(doc_id)
        versions = {}
        for name in self.report["annotators"]:
            opened = AnnotationStore(app.workspace.annotations_dir, name).open(
                doc_id, app.corpus.info(doc_id).sha256, app.schema.version, app.workspace.guidelines_dir, lock=False)
            versions[name] = opened.doc
        marks = _disagreement_extents(versions)
        from annotator.tui.screens.compare import CompareScreen

        app.push_screen(CompareScreen(doc_id, text, versions, app.schema, app.bidi, marks))


def _disagreement_extents(versions) -> list[tuple[int, int]]:
    """Extents where the annotators did not all say the same thing."""
    said: dict[tuple[int, int, str], set[str]] = {}
    for name, doc in versions.items():
        for e in doc.entities:
            said.setdefault((e.start, e.end, e.label), set()).add(name)
        for ev in doc.events:
            said.setdefault((ev.start, ev.end, ev.type), set()).add(name)
    return sorted({(s, e) for (s, e, _), who in said.items() if len(who) < len(versions)})


def _txt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"
