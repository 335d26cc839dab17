"""The side panel: the document's entities and events (with arguments); a row jumps to it."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from annotator.core.annotations import DocumentAnnotations
from annotator.core.layout import visual


class AnnotationPanel(DataTable):
    """One row per entity and per event, in text order; review items are flagged."""

    class Jump(Message):
        def __init__(self, item_id: str, start: int, end: int) -> None:
            super().__init__()
            self.item_id = item_id
            self.start = start
            self.end = end

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("id", "label", "text", "arguments")

    def show(self, doc: DocumentAnnotations, text: str, mode: str = "app") -> None:
        self.clear()
        self._spans: dict[str, tuple[int, int]] = {}
        names = {e.id: f"{e.label} {visual(text[e.start:e.end], mode)}" for e in doc.entities}
        rows = [(e.start, e.end, e.id, e.label, "", e.needs_review) for e in doc.entities]
        for ev in doc.events:
            args = "; ".join(f"{a.role}: {names.get(a.entity, a.entity)}" for a in ev.arguments)
            rows.append((ev.start, ev.end, ev.id, ev.type, args, ev.needs_review))
        for start, end, item_id, label, args, review in sorted(rows):
            flag = Text("⚑ ", style="bold yellow") if review else Text("")
            self.add_row(flag + Text(item_id), Text(label), Text(visual(text[start:end], mode), justify="right"),
                         Text(args, justify="right"), key=item_id)
            self._spans[item_id] = (start, end)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        item_id = event.row_key.value
        if item_id in self._spans:
            self.post_message(self.Jump(item_id, *self._spans[item_id]))
