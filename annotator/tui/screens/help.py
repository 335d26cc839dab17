"""Help: every key that works here, generated from the active bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.core.keymap import HELP
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings


def bindings_table(screen) -> Table:
    table = Table(title="Keys", expand=True, show_lines=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("what it does")
    table.add_column("where", style="dim")
    seen: set[tuple[str, str]] = set()
    for key, active in sorted(screen.active_bindings.items(), key=lambda kv: (type(kv[1].node).__name__, kv[0])):
        binding = active.binding
        description = binding.description or binding.action
        if (key, description) in seen:
            continue
        seen.add((key, description))
        # Label names and descriptions come from the schema file: data, never markup or codes.
        table.add_row(
            Text(printable(binding.key_display or screen.app.get_key_display(binding))),
            Text(printable(description)),
            type(active.node).__name__,
        )
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings(HELP)

    def __init__(self, table: Table) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(self.table)

    def action_close(self) -> None:
        self.dismiss(None)
