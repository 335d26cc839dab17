"""`annotator doctor`: which terminal this is, how Arabic will be drawn in it and why; in a
terminal, a display check whose answer is remembered for this terminal."""

from __future__ import annotations

import argparse
import os
import sys

from annotator.cli import Commands, say


def register(sub: Commands, groups: dict[str, Commands]) -> None:
    doctor = sub.add_parser("doctor", help="how Arabic is drawn in this terminal, and a display check to fix it")
    doctor.set_defaults(handler=_doctor)


def _visible(text: str) -> str:
    """Escape sequences and other controls written out (\\x1b[8l), for reading."""
    return text.encode("unicode_escape").decode("ascii")


def _workspace(args: argparse.Namespace):
    """The workspace here if there is one; else one without a config (the doctor works anywhere)."""
    from pathlib import Path

    from annotator.cli import open_workspace
    from annotator.core.errors import AnnotatorError
    from annotator.core.workspace import Config, Workspace

    try:
        return open_workspace(args)
    except AnnotatorError:
        return Workspace(Path.cwd(), Config(name="", guidelines=""))


def _doctor(args: argparse.Namespace) -> int:
    from annotator.core.identity import remember_bidi, remembered_bidi, user_config_path
    from annotator.core.terminal import APP, VARIABLES

    env = os.environ
    workspace = _workspace(args)
    requested, source = workspace.bidi_setting(args.bidi, env)
    display = workspace.display(args.bidi, env)
    profile = display.profile
    remembered = remembered_bidi(profile.key)
    seen = [f"{name}={_visible(env[name])}" for name in VARIABLES if env.get(name)]
    out = sys.stdout
    rows = [
        ("terminal", profile.name),
        ("because", profile.reason),
        ("multiplexer", profile.multiplexer or "none"),
        ("variables", "  ".join(seen) or "none of " + ", ".join(VARIABLES)),
        ("asked for", f"{requested} ({source})"),
        (
            "remembered",
            f"'{remembered}' for {profile.key} in {user_config_path()}"
            if remembered
            else f"nothing yet for {profile.key}",
        ),
        ("mode", f"{display.mode} ({display.source})"),
    ]
    if display.mode == APP:
        how = "the app reorders and shapes Arabic itself"
        if display.disable:
            how += f"; sends {_visible(display.disable)} before drawing and {_visible(display.restore)} on the way out"
    else:
        how = "the app sends Arabic in logical order and the terminal reorders it; side panels go below the text"
    rows.append(("so", how))
    if display.advice:
        rows.append(("advice", display.advice))
    for name, value in rows:  # values name paths and what the environment says: data
        say(f"{name:<12} {value}")
    if not (sys.stdin.isatty() and out.isatty()):
        out.write("(not a terminal: no display check; run 'annotator doctor' in the terminal you annotate in)\n")
        return 0
    answer = _display_check(profile.disable, profile.restore)
    if answer is None:
        out.write("nothing remembered; --bidi app|terminal or ANNOTATOR_BIDI choose a mode by hand\n")
        return 0
    path = remember_bidi(profile.key, answer)
    say(f"remembered: '{answer}' for {profile.key} in {path}")
    if source in ("--bidi", "ANNOTATOR_BIDI") and requested != "auto":
        out.write(f"(this time {source} asks for '{requested}', which wins over the remembered answer)\n")
    return 0


def _display_check(disable: str, restore: str) -> str | None:
    """Show the sentence both ways with the terminal's BiDi switched off as the app does it;
    the mode whose line reads right, or None. The terminal gets its setting back whatever happens."""
    from annotator.core.terminal import CHECK_MODES, CHECK_QUESTION, CHECK_SENTENCE
    from annotator.core.text.layout import visual

    out = sys.stdout
    out.write("\ndisplay check, with the terminal switched as the app switches it:\n")
    out.write(disable)
    out.flush()
    try:
        out.write(f"1   {visual(CHECK_SENTENCE, 'app')}\n")
        out.write(f"2   {visual(CHECK_SENTENCE, 'terminal')}\n")
        out.flush()
        try:
            answer = input(f"{CHECK_QUESTION[0].upper()}{CHECK_QUESTION[1:]} (Enter: neither) ").strip()
        except EOFError:
            answer = ""
    finally:
        out.write(restore)
        out.flush()
    if restore:  # Konsole and mlterm apply the setting when they draw: the lines may turn round now
        out.write("(the terminal's own BiDi is back on: the two lines above may now look the other way round)\n")
    return CHECK_MODES.get(answer)
