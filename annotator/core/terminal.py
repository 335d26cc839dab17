"""Which terminal we are drawing in, and how to keep its own BiDi from undoing ours.

In "app" mode the reader reorders (UAX #9) and shapes Arabic itself. A terminal that also
does BiDi would reorder those lines a second time and every Arabic word would read
backwards, so before the first frame the app switches the terminal's BiDi off and on
every way out gives it back:

- VTE (GNOME Terminal, Tilix, Xfce Terminal, Terminator, sakura; ``VTE_VERSION``):
  ``CSI 8 l`` (ECMA-48 BDSM reset, explicit mode) and ``CSI 8 h``.
- Konsole (``KONSOLE_VERSION``): ``OSC 50 ; BidiRenderingEnabled=false|true BEL``.
- mlterm (``MLTERM``): ``OSC 5379 ; use_ctl=false|true BEL``.

Terminals whose BiDi cannot be switched off (Terminal.app, PuTTY) get "terminal" mode:
logical text, the terminal reorders. Terminals known to do no BiDi get "app" mode and
nothing is sent. A terminal that cannot be recognised (for example VTE over SSH, which
passes only TERM) gets "app" mode and ``CSI 8 l``: terminals that do not implement BDSM
ignore it (the terminal-wg BiDi recommendation has applications that lay text out
themselves send it), and a VTE that did not say who it is gets switched off.

Inside tmux or GNU screen the sequences are wrapped so they reach the outer terminal;
the outer terminal's variables are usually inherited into the multiplexer's shells.

Everything here is a pure function of the environment it is given: no I/O, no Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

APP = "app"
TERMINAL = "terminal"
AUTO = "auto"

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

VTE_OFF, VTE_ON = ESC + "[8l", ESC + "[8h"
KONSOLE_OFF = ESC + "]50;BidiRenderingEnabled=false" + BEL
KONSOLE_ON = ESC + "]50;BidiRenderingEnabled=true" + BEL
MLTERM_OFF = ESC + "]5379;use_ctl=false" + BEL
MLTERM_ON = ESC + "]5379;use_ctl=true" + BEL

# The variables ``detect`` reads (and ANNOTATOR_BIDI), listed by 'annotator doctor'.
VARIABLES = (
    "TERM",
    "TERM_PROGRAM",
    "VTE_VERSION",
    "KONSOLE_VERSION",
    "MLTERM",
    "XTERM_VERSION",
    "WT_SESSION",
    "KITTY_WINDOW_ID",
    "ALACRITTY_WINDOW_ID",
    "WEZTERM_EXECUTABLE",
    "TMUX",
    "STY",
    "ANNOTATOR_BIDI",
)

# The display check ('annotator doctor', F2 in the app) shows this sentence twice: as the app
# draws it (1) and in logical order for the terminal to reorder (2). "Arabic is written from
# right to left": plain words anyone reading Arabic sees at once are backwards or not.
CHECK_SENTENCE = "اللغة العربية تكتب من اليمين إلى اليسار"
CHECK_QUESTION = "which line reads right, 1 or 2?"
CHECK_MODES = {"1": APP, "2": TERMINAL}  # the answer, as the layout mode it asks for

TMUX_ADVICE = (
    "inside tmux: if Arabic reads backwards, put 'set -g allow-passthrough on' in ~/.tmux.conf "
    "(tmux 3.3+), reload it and restart annotator, or press F2"
)


@dataclass(frozen=True, slots=True)
class TerminalProfile:
    """What ``detect`` found: the terminal, why it thinks so, and what the app must do."""

    name: str  # for people: "VTE (GNOME Terminal, Tilix, sakura...)"
    key: str  # stable, for remembering the user's answer per terminal: "vte", "konsole/tmux"
    reason: str  # which variables said so: "VTE_VERSION=7600"
    mode: str  # APP or TERMINAL: the layout this terminal needs
    disable: str = ""  # sent before the first frame in app mode (already wrapped for tmux/screen)
    restore: str = ""  # sent on every way out
    multiplexer: str | None = None  # "tmux" or "screen"
    advice: str | None = None  # one line for the status line, or None
    reorders: bool = False  # the terminal does BiDi itself unless switched off


@dataclass(frozen=True, slots=True)
class _Known:
    key: str
    name: str
    mode: str = APP
    disable: str = ""
    restore: str = ""
    reorders: bool = False


VTE = _Known("vte", "VTE (GNOME Terminal, Tilix, Xfce Terminal, Terminator, sakura)", APP, VTE_OFF, VTE_ON, True)
KONSOLE = _Known("konsole", "Konsole", APP, KONSOLE_OFF, KONSOLE_ON, True)
MLTERM = _Known("mlterm", "mlterm", APP, MLTERM_OFF, MLTERM_ON, True)
APPLE = _Known("apple-terminal", "Terminal.app (BiDi cannot be switched off)", TERMINAL, reorders=True)
PUTTY = _Known("putty", "PuTTY (BiDi cannot be switched off)", TERMINAL, reorders=True)
UNKNOWN = _Known("unknown", "an unrecognised terminal", APP, VTE_OFF, VTE_ON)

# Terminals that switch their BiDi off on request, by the variable they set for their shells.
_SWITCHABLE = (("KONSOLE_VERSION", KONSOLE), ("MLTERM", MLTERM), ("VTE_VERSION", VTE))


def _plain(env: Mapping[str, str]) -> tuple[_Known, str] | None:
    """Terminals known to do no BiDi (nothing to switch), with what said so."""

    def has(var: str) -> str | None:
        return f"{var} is set" if env.get(var) else None

    def equals(var: str, value: str) -> str | None:
        return f"{var}={value}" if env.get(var) == value else None

    term = env.get("TERM", "")
    candidates = (
        (has("WT_SESSION"), "windows-terminal", "Windows Terminal"),
        (has("KITTY_WINDOW_ID") or equals("TERM", "xterm-kitty"), "kitty", "kitty"),
        (has("ALACRITTY_WINDOW_ID") or equals("TERM", "alacritty"), "alacritty", "Alacritty"),
        (equals("TERM_PROGRAM", "WezTerm") or has("WEZTERM_EXECUTABLE"), "wezterm", "WezTerm"),
        (equals("TERM_PROGRAM", "iTerm.app"), "iterm2", "iTerm2"),
        (equals("TERM_PROGRAM", "vscode"), "vscode", "the VS Code terminal"),
        # textual-serve's sessions ('annotator serve'): xterm.js in a web browser
        (equals("TERM_PROGRAM", "textual"), "browser", "a web browser (textual-serve, xterm.js)"),
        (f"TERM={term}" if term.startswith("foot") else None, "foot", "foot"),
        (equals("TERM", "linux"), "linux", "the Linux console"),
        (has("XTERM_VERSION") and f"XTERM_VERSION={env['XTERM_VERSION']}", "xterm", "xterm"),
    )
    for reason, key, name in candidates:
        if reason:
            return _Known(key, name), reason
    return None


def wrap(sequence: str, multiplexer: str | None) -> str:
    """``sequence`` as it must be written so it reaches the terminal outside tmux or screen."""
    if not sequence or multiplexer is None:
        return sequence
    if multiplexer == "tmux":  # DCS tmux; <sequence, every ESC doubled> ST
        return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"
    if multiplexer == "screen":  # DCS <sequence> ST: screen passes the string to its terminal as it is
        return f"{ESC}P{sequence}{ST}"
    raise ValueError(f"unknown multiplexer {multiplexer!r}")


def _multiplexer(env: Mapping[str, str]) -> tuple[str | None, str]:
    if env.get("TMUX"):
        return "tmux", "TMUX"
    if env.get("STY"):
        return "screen", "STY"
    return None, ""


def detect(env: Mapping[str, str]) -> TerminalProfile:
    """The terminal the environment ``env`` belongs to, and what the app must do in it."""
    multiplexer, via = _multiplexer(env)
    found = [(var, known) for var, known in _SWITCHABLE if env.get(var)]
    term = env.get("TERM", "")
    if found:
        # Several can be set when one terminal was started from another's shell; the variables
        # are inherited, so which one draws is not known: switch off every one named (each
        # ignores the others' sequences) and name them all.
        name = " or ".join(k.name for _, k in found)
        key = "+".join(k.key for _, k in found)
        reason = ", ".join(f"{var}={env[var]}" for var, _ in found)
        disable = "".join(k.disable for _, k in found)
        restore = "".join(k.restore for _, k in reversed(found))
        known = _Known(key, name, APP, disable, restore, True)
    elif env.get("TERM_PROGRAM") == "Apple_Terminal":
        known, reason = APPLE, "TERM_PROGRAM=Apple_Terminal"
    elif term.startswith("putty"):
        known, reason = PUTTY, f"TERM={term}"
    elif (plain := _plain(env)) is not None:
        known, reason = plain
    else:
        known = UNKNOWN
        reason = f"no variable names the terminal (TERM={term or 'unset'})"
    if multiplexer:
        reason += f"; inside {multiplexer} ({via} is set)"
    disable, restore = wrap(known.disable, multiplexer), wrap(known.restore, multiplexer)
    advice = TMUX_ADVICE if multiplexer == "tmux" and disable else None
    key = f"{known.key}/{multiplexer}" if multiplexer else known.key
    return TerminalProfile(
        name=known.name,
        key=key,
        reason=reason,
        mode=known.mode,
        disable=disable,
        restore=restore,
        multiplexer=multiplexer,
        advice=advice,
        reorders=known.reorders,
    )


@dataclass(frozen=True, slots=True)
class Display:
    """How Arabic is drawn in this run: the layout mode, what decided it, the terminal."""

    mode: str  # APP or TERMINAL: the only two modes the layout code knows
    source: str  # what decided: "--bidi", "ANNOTATOR_BIDI", "annotator.toml", "your answer", "detected"
    profile: TerminalProfile

    @property
    def disable(self) -> str:
        """What to send before drawing: the terminal's BiDi is switched off only when the app reorders."""
        return self.profile.disable if self.mode == APP else ""

    @property
    def restore(self) -> str:
        return self.profile.restore if self.mode == APP else ""

    @property
    def advice(self) -> str | None:
        return self.profile.advice if self.mode == APP else None


ANSWER = "your answer to the display check (user config)"


def choose(requested: str, source: str, profile: TerminalProfile, remembered: str | None = None) -> Display:
    """The layout mode. ``requested`` (AUTO, APP or TERMINAL) comes from ``source``: --bidi,
    ANNOTATOR_BIDI, the workspace config or the default. A mode given on the command line or in
    the environment is taken as it is; otherwise the user's ``remembered`` answer for this
    terminal comes first (it was checked by eye, the workspace config is shared by a team),
    then the config's mode, then detection."""
    if requested in (APP, TERMINAL) and source in ("--bidi", "ANNOTATOR_BIDI"):
        return Display(requested, source, profile)
    if remembered in (APP, TERMINAL):
        return Display(remembered, ANSWER, profile)
    if requested in (APP, TERMINAL):
        return Display(requested, source, profile)
    return Display(profile.mode, "detected", profile)


def unswitched_mode(requested: str, profile: TerminalProfile, to_terminal: bool) -> str:
    """The mode for plain output that switches nothing (``annotator render``): an explicit mode
    as asked; AUTO gives APP into a pipe or a file, and in a terminal that does BiDi itself
    the logical text it expects."""
    if requested in (APP, TERMINAL):
        return requested
    return TERMINAL if to_terminal and profile.reorders else APP
