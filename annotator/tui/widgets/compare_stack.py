"""Several annotators' versions of one document, one reader under another, scrolled together."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from annotator.core.annotations.model import DocumentAnnotations
from annotator.core.guidelines.schema import Schema
from annotator.core.text.printable import printable
from annotator.tui.paint import annotation_highlights
from annotator.tui.widgets.reader_view import Highlight, ReaderView

DISAGREEMENT = Style(overline=True, underline=True, bold=True)


class CompareStack(Vertical):
    """One read-only reader per annotator; ``follow(offset)`` moves them all there."""

    def __init__(
        self,
        text: str,
        versions: dict[str, DocumentAnnotations],
        schema: Schema,
        mode: str,
        marks: list[tuple[int, int]],
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.versions = versions
        self.schema = schema
        self.mode = mode
        self.marks = marks

    def compose(self) -> ComposeResult:
        for name in self.versions:
            yield Label(Text(printable(name)), classes="compare-name")  # a folder name: data, not markup
            yield ReaderView(
                self.text, mode=self.mode, quiet_cursor=True, classes="compare-reader", id=f"cmp-{_safe_id(name)}"
            )

    def on_mount(self) -> None:
        self.paint()

    def paint(self, versions: dict[str, DocumentAnnotations] | None = None, marks=None) -> None:
        if versions is not None:
            self.versions = versions
        if marks is not None:
            self.marks = marks
        for name, doc in self.versions.items():
            reader = self.query_one(f"#cmp-{_safe_id(name)}", ReaderView)
            highlights = annotation_highlights(doc, self.schema)
            highlights += [Highlight(s, e, DISAGREEMENT) for s, e in self.marks]
            reader.set_highlights(highlights)

    def follow(self, offset: int) -> None:
        for reader in self.query(".compare-reader").results(ReaderView):
            reader.move_to_offset(offset)


def _safe_id(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in name)
