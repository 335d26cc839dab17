"""Small modal screens: pick one of several options, ask for a name, settle a file changed on disk."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from annotator.core.keymap import CHOOSE, DISPLAY_CHECK
from annotator.core.text.printable import printable
from annotator.tui.keys import bindings
from annotator.tui.widgets.bidi_input import BidiInput


class ChooseScreen(ModalScreen[str | None]):
    """Choose one option (e.g. an argument role); Escape cancels."""

    BINDINGS = bindings(CHOOSE)

    def __init__(self, title: str, options: list[str]) -> None:
        super().__init__()
        self.heading = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(printable(self.heading)))  # names and roles are data: never markup or codes
            yield OptionList(*[Option(Text(printable(o)), id=o) for o in self.options])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChangedOnDiskScreen(ModalScreen[str | None]):
    """A save was refused because the file changed on disk: "reload" it and re-apply my unsaved
    edits, keep it and save mine as a "copy", or "cancel" (Escape): nothing saved, asked again at
    the next edit. The reason and the edits are data: Text with control characters made visible."""

    BINDINGS = bindings(CHOOSE)
    DEFAULT_CSS = "ChangedOnDiskScreen { align: center middle; }"
    CHOICES = (
        ("reload", "Reload the file from disk and re-apply my unsaved edits on it"),
        ("copy", "Keep the file on disk as it is; save my version as a copy beside it"),
        ("cancel", "Cancel: save nothing for now (no edits until I choose)"),
    )
    SHOWN = 12  # edits listed; the rest are counted

    def __init__(self, reason: str, edits: list[str], unreadable: str | None = None) -> None:
        super().__init__()
        self.reason = reason
        self.edits = edits
        self.unreadable = unreadable  # the file on disk cannot be read: reload leaves it untouched

    def compose(self) -> ComposeResult:
        listed = [f"  {printable(edit)}" for edit in self.edits[: self.SHOWN]]
        if len(self.edits) > self.SHOWN:
            listed.append(f"  … and {len(self.edits) - self.SHOWN} more")
        with Vertical(classes="dialog wide"):
            yield Label(Text("Not saved: the file changed on disk"), classes="heading")
            yield Label(Text(printable(self.reason)))
            if self.unreadable:
                yield Label(
                    Text(f"The file on disk cannot be read and is left untouched: {printable(self.unreadable)}")
                )
            yield Label(Text("\n".join([f"My unsaved edits ({len(self.edits)}):", *listed])), id="edits")
            yield OptionList(*[Option(Text(label), id=key) for key, label in self.CHOICES])
            yield Label(Text("↑ ↓ and Enter to choose · Escape: cancel"))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss("cancel")


class AskNameScreen(ModalScreen[str]):
    """Asked once when no annotator name is known (the answer is remembered), or at the start
    of every session of 'annotator serve' (``remembered`` False: nothing is written)."""

    def __init__(self, validate, remembered: bool = True) -> None:
        super().__init__()
        self.validate = validate
        self.remembered = remembered

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if self.remembered:
                yield Label("Your annotator name (A-Z a-z 0-9 _ . -), remembered for next time:")
            else:
                yield Label("Who is annotating in this session? Your annotator name (A-Z a-z 0-9 _ . -):")
            yield BidiInput(placeholder="e.g. salma", id="name")
            yield Label("", id="name-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.validate(event.value.strip())
        except Exception as exc:  # shown to the user, who types again
            self.query_one("#name-error", Label).update(Text(str(exc)))
            return
        self.dismiss(event.value.strip())


class DisplayCheckScreen(ModalScreen[str | None]):
    """The display check (F2): one sentence as the app draws it (1) and in logical order for
    the terminal to reorder (2); the answer is the mode that reads right, Escape is neither."""

    BINDINGS = bindings(DISPLAY_CHECK)

    def __init__(self, display) -> None:
        super().__init__()
        self.bidi_display = display

    def compose(self) -> ComposeResult:
        from annotator.core.terminal import CHECK_QUESTION, CHECK_SENTENCE
        from annotator.core.text.layout import visual

        profile = self.bidi_display.profile
        with Vertical(classes="dialog"):
            yield Label(Text(f"Display check: {CHECK_QUESTION}"), classes="heading")
            yield Label(Text(printable(f"terminal: {profile.name} ({profile.reason})")))  # quotes the environment
            yield Label(Text(f"drawing now: '{self.bidi_display.mode}' ({self.bidi_display.source})"))
            yield Label(Text("1   " + visual(CHECK_SENTENCE, "app")), id="check-1")
            yield Label(Text("2   " + visual(CHECK_SENTENCE, "terminal")), id="check-2")
            yield Label(
                Text(
                    "1 or 2: remembered for this terminal and used at once · Esc: neither "
                    "(see 'annotator doctor' and --bidi in the README)"
                )
            )

    def action_answer(self, line: str) -> None:
        from annotator.core.terminal import CHECK_MODES

        self.dismiss(CHECK_MODES[line])

    def action_cancel(self) -> None:
        self.dismiss(None)
