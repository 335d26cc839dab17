"""One document as each annotator marked it, right-to-left, disagreements marked."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.guidelines.schema import Schema
from annotator.core.keymap import COMPARE
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings
from annotator.tui.widgets.compare_stack import CompareStack


class CompareScreen(Screen):
    BINDINGS = bindings(COMPARE)

    def __init__(
        self,
        doc_id: str,
        text: str,
        versions: dict[str, DocumentAnnotations],
        schema: Schema,
        mode: str,
        disagreements: list[tuple[int, int]],
    ) -> None:
        super().__init__()
        self.doc_id = doc_id
        self.disagreements = sorted(set(disagreements))
        self.stack = CompareStack(text, versions, schema, mode, self.disagreements, id="stack")
        self.position = -1

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.stack
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"{self.doc_id}: {len(self.disagreements)} disagreements"
        self.sub_title = " · ".join(self.stack.versions)
        self.query_one(Static).update("j / k: next / previous disagreement (red overline)")

    def action_step(self, step: int) -> None:
        if not self.disagreements:
            self.notify("the annotators agree on this document")
            return
        self.position = (self.position + step) % len(self.disagreements)
        start, end = self.disagreements[self.position]
        self.stack.follow(start)
        said = []
        for name, doc in self.stack.versions.items():
            labels = [e.label for e in doc.entities if e.start < end and start < e.end]
            said.append(f"{name}: {', '.join(labels) or 'nothing'}")
        # Names and labels come from the annotation files: data (Text, printable), never markup or codes.
        self.query_one(Static).update(
            Text(printable(f"{self.position + 1}/{len(self.disagreements)} at {start}-{end}  " + "  ".join(said)))
        )
