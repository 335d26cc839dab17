"""Which terminal, which mode, which sequences: annotator.core.terminal, the bidi precedence,
the remembered answer in the user config, `annotator doctor` and `annotator render` with auto."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.identity import remember_bidi, remember_name, remembered_bidi, remembered_name, user_config_path
from annotator.core.terminal import (
    APP,
    KONSOLE_OFF,
    KONSOLE_ON,
    MLTERM_OFF,
    TERMINAL,
    VTE_OFF,
    VTE_ON,
    choose,
    detect,
    unswitched_mode,
    wrap,
)
from annotator.core.workspace import Workspace, init_workspace

XTERM = {"TERM": "xterm-256color"}
ESC = "\x1b"


# --- detect(), one environment per terminal ----------------------------------------------------


def test_vte_is_switched_off_with_bdsm():
    p = detect({**XTERM, "VTE_VERSION": "7600", "COLORTERM": "truecolor"})
    assert (p.key, p.mode, p.disable, p.restore) == ("vte", APP, "\x1b[8l", "\x1b[8h")
    assert "VTE" in p.name and "GNOME Terminal" in p.name
    assert p.reason == "VTE_VERSION=7600"
    assert p.multiplexer is None and p.advice is None and p.reorders


def test_konsole_is_switched_off_with_its_profile_osc():
    p = detect({**XTERM, "KONSOLE_VERSION": "230805"})
    assert (p.key, p.mode) == ("konsole", APP)
    assert p.disable == "\x1b]50;BidiRenderingEnabled=false\x07"
    assert p.restore == "\x1b]50;BidiRenderingEnabled=true\x07"
    assert p.reason == "KONSOLE_VERSION=230805"


def test_mlterm_is_switched_off_with_use_ctl():
    p = detect({"TERM": "xterm", "MLTERM": "3.9.3"})
    assert (p.key, p.mode) == ("mlterm", APP)
    assert (p.disable, p.restore) == ("\x1b]5379;use_ctl=false\x07", "\x1b]5379;use_ctl=true\x07")
    assert p.reason == "MLTERM=3.9.3"


def test_tmux_inside_vte_passes_the_sequence_through_and_says_what_to_do():
    p = detect(
        {
            "TERM": "tmux-256color",
            "TERM_PROGRAM": "tmux",
            "TMUX": "/tmp/tmux-1000/default,4242,0",
            "VTE_VERSION": "7600",
        }
    )
    assert p.multiplexer == "tmux" and p.key == "vte/tmux" and p.mode == APP
    # DCS tmux; ... ST with every ESC of the sequence doubled.
    assert p.disable == "\x1bPtmux;\x1b\x1b[8l\x1b\\"
    assert p.restore == "\x1bPtmux;\x1b\x1b[8h\x1b\\"
    assert "allow-passthrough on" in p.advice and "tmux" in p.reason and "VTE_VERSION=7600" in p.reason


def test_screen_wraps_in_a_plain_dcs():
    p = detect({"TERM": "screen.xterm-256color", "STY": "1234.pts-0.host", "KONSOLE_VERSION": "230805"})
    assert p.multiplexer == "screen" and p.key == "konsole/screen"
    assert p.disable == "\x1bP" + KONSOLE_OFF + "\x1b\\"
    assert p.restore == "\x1bP" + KONSOLE_ON + "\x1b\\"
    assert p.advice is None


def test_apple_terminal_cannot_be_switched_off_so_it_gets_terminal_mode():
    p = detect({"TERM": "xterm-256color", "TERM_PROGRAM": "Apple_Terminal", "TERM_PROGRAM_VERSION": "453"})
    assert (p.key, p.mode, p.disable, p.restore) == ("apple-terminal", TERMINAL, "", "")
    assert p.reason == "TERM_PROGRAM=Apple_Terminal" and p.reorders


def test_putty_cannot_be_switched_off_so_it_gets_terminal_mode():
    p = detect({"TERM": "putty-256color"})
    assert (p.key, p.mode, p.disable) == ("putty", TERMINAL, "")
    assert p.reason == "TERM=putty-256color"


def test_xterm_needs_nothing():
    p = detect({"TERM": "xterm-256color", "XTERM_VERSION": "XTerm(390)"})
    assert (p.key, p.mode, p.disable, p.restore, p.reorders) == ("xterm", APP, "", "", False)
    assert p.reason == "XTERM_VERSION=XTerm(390)"


def test_windows_terminal_needs_nothing():
    p = detect({"WT_SESSION": "0b0f6b3c-1d2e-4f5a-9b8c-7d6e5f4a3b2c", "WT_PROFILE_ID": "{x}"})
    assert (p.key, p.mode, p.disable) == ("windows-terminal", APP, "")
    assert p.reason == "WT_SESSION is set"


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"}, "kitty"),
        ({"TERM": "alacritty", "ALACRITTY_WINDOW_ID": "1"}, "alacritty"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "wezterm"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}, "iterm2"),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "vscode"}, "vscode"),
        ({"TERM": "foot"}, "foot"),
        ({"TERM": "linux"}, "linux"),
    ],
)
def test_terminals_without_bidi_need_nothing(env, key):
    p = detect(env)
    assert (p.key, p.mode, p.disable, p.restore) == (key, APP, "", "")


def test_empty_environment_is_an_unknown_terminal_that_gets_the_harmless_bdsm_reset():
    """Unrecognised (VTE over SSH passes only TERM): app mode and CSI 8 l, which terminals
    without BDSM ignore; no Konsole or mlterm sequence (OSC 50 sets xterm's font)."""
    for env in ({}, {"TERM": "xterm-256color"}):
        p = detect(env)
        assert (p.key, p.mode, p.disable, p.restore) == ("unknown", APP, VTE_OFF, VTE_ON)
        assert "TERM=" in p.reason and p.multiplexer is None and not p.reorders


def test_variables_of_two_bidi_terminals_switch_both_off():
    """sakura started from a Konsole shell inherits KONSOLE_VERSION: which one draws is not
    known, so both are switched off (each ignores the other's sequence) and both named."""
    p = detect({**XTERM, "KONSOLE_VERSION": "230805", "VTE_VERSION": "7600"})
    assert p.mode == APP and "Konsole" in p.name and "VTE" in p.name
    assert KONSOLE_OFF in p.disable and VTE_OFF in p.disable
    assert KONSOLE_ON in p.restore and VTE_ON in p.restore
    assert "KONSOLE_VERSION=230805" in p.reason and "VTE_VERSION=7600" in p.reason


def test_wrap():
    assert wrap(VTE_OFF, None) == VTE_OFF
    assert wrap("", "tmux") == ""
    assert wrap(MLTERM_OFF, "tmux") == "\x1bPtmux;\x1b\x1b]5379;use_ctl=false\x07\x1b\\"
    assert wrap(MLTERM_OFF, "screen") == "\x1bP\x1b]5379;use_ctl=false\x07\x1b\\"
    with pytest.raises(ValueError):
        wrap(VTE_OFF, "zellij")


# --- choosing the mode -------------------------------------------------------------------------


def test_choose_order():
    vte, apple = detect({"VTE_VERSION": "7600"}), detect({"TERM_PROGRAM": "Apple_Terminal"})
    assert choose("auto", "default", vte, None).mode == APP
    assert choose("auto", "default", apple, None).mode == TERMINAL
    assert choose("auto", "default", vte, "terminal").mode == TERMINAL  # the answer beats detection
    assert choose("app", "annotator.toml [reader] bidi", apple, "terminal").mode == TERMINAL  # and the config
    assert choose("app", "--bidi", apple, "terminal").mode == APP  # --bidi beats the answer
    assert choose("app", "ANNOTATOR_BIDI", apple, "terminal").mode == APP  # so does the environment
    # The terminal's BiDi is switched off only when the app reorders.
    assert choose("auto", "default", vte, None).disable == VTE_OFF
    assert choose("terminal", "--bidi", vte, None).disable == ""
    assert choose("terminal", "--bidi", vte, None).restore == ""


def test_plain_output_switches_nothing():
    vte, xterm = detect({"VTE_VERSION": "7600"}), detect({"XTERM_VERSION": "XTerm(390)"})
    assert unswitched_mode("auto", vte, to_terminal=False) == APP  # a pipe or a file
    assert unswitched_mode("auto", vte, to_terminal=True) == TERMINAL  # VTE reorders it itself
    assert unswitched_mode("auto", xterm, to_terminal=True) == APP
    assert unswitched_mode("terminal", xterm, to_terminal=False) == TERMINAL


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return init_workspace(tmp_path / "ws")


def with_config_bidi(ws: Workspace, value: str) -> Workspace:
    text = ws.config_path.read_text(encoding="utf-8").replace('bidi = "auto"', f'bidi = "{value}"')
    ws.config_path.write_text(text, encoding="utf-8")
    return Workspace.open(ws.root)


def test_init_writes_auto(ws):
    assert tomllib.loads(ws.config_path.read_text(encoding="utf-8"))["reader"]["bidi"] == "auto"
    assert ws.bidi_setting(env={}) == ("auto", "annotator.toml [reader] bidi")


def test_precedence_flag_env_answer_config_detection(ws):
    vte = {"VTE_VERSION": "7600"}
    apple = {"TERM_PROGRAM": "Apple_Terminal"}
    assert ws.display(env=vte).mode == APP and ws.display(env=vte).source == "detected"
    assert ws.display(env=apple).mode == TERMINAL
    remember_bidi("vte", "terminal")  # the display check said: line 2 reads right here
    assert ws.display(env=vte).mode == TERMINAL and "answer" in ws.display(env=vte).source
    assert ws.display(env={"VTE_VERSION": "7600", "TMUX": "/t,1,0"}).mode == APP  # another key: vte/tmux
    assert ws.display("app", env=vte).mode == APP  # --bidi beats the answer
    assert ws.display(env={**vte, "ANNOTATOR_BIDI": "app"}).mode == APP  # ANNOTATOR_BIDI too
    assert ws.display("auto", env={**vte, "ANNOTATOR_BIDI": "app"}).mode == TERMINAL  # --bidi auto: the answer
    assert ws.display("terminal", env={**vte, "ANNOTATOR_BIDI": "app"}).source == "--bidi"
    configured = with_config_bidi(ws, "app")
    assert configured.display(env=vte).mode == TERMINAL  # the user's answer beats the shared config
    assert configured.display(env=apple).mode == APP  # no answer for Terminal.app: the config
    assert configured.display(env={**apple, "ANNOTATOR_BIDI": "auto"}).mode == TERMINAL  # auto: detection
    # bidi_mode is the layout mode only: never 'auto'.
    assert {configured.bidi_mode(env=e) for e in (vte, apple, {})} <= {APP, TERMINAL}


def test_bad_values_name_their_source(ws):
    with pytest.raises(AnnotatorError, match="ANNOTATOR_BIDI"):
        ws.display(env={"ANNOTATOR_BIDI": "rtl"})
    with pytest.raises(AnnotatorError, match="--bidi"):
        ws.display("ltr", env={})
    user_config_path().parent.mkdir(parents=True, exist_ok=True)
    user_config_path().write_text('[bidi]\nvte = "rtl"\n', encoding="utf-8")
    with pytest.raises(AnnotatorError, match=r"\[bidi\] vte") as info:
        ws.display(env={"VTE_VERSION": "1"})
    assert "user.toml" in str(info.value)
    assert ws.display("app", env={"VTE_VERSION": "1"}).mode == APP  # an explicit mode does not read it


def test_the_answer_and_the_name_share_the_user_config(ws):
    remember_name("salma")
    remember_bidi("vte/tmux", "terminal")
    remember_bidi("konsole", "app")
    remember_name("amal")
    assert remembered_name() == "amal"
    assert remembered_bidi("vte/tmux") == "terminal" and remembered_bidi("konsole") == "app"
    assert remembered_bidi("mlterm") is None
    data = tomllib.loads(user_config_path().read_text(encoding="utf-8"))
    assert data == {"annotator": "amal", "bidi": {"vte/tmux": "terminal", "konsole": "app"}}
    # A user config written before there was a [bidi] table keeps its name.
    user_config_path().write_text('annotator = "salma"\n', encoding="utf-8")
    remember_bidi("vte", "app")
    assert remembered_name() == "salma" and remembered_bidi("vte") == "app"
    with pytest.raises(AnnotatorError):
        remember_bidi("vte", "auto")


# --- the command line --------------------------------------------------------------------------


def run(*args, cwd, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("ANNOTATOR_BIDI", "VTE_VERSION", "TMUX")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_doctor_without_a_terminal_prints_the_detection(ws, tmp_path):
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "VTE_VERSION": "7600",
        "TMUX": "/tmp/t,1,0",
        "TERM": "tmux-256color",
    }
    result = run("doctor", cwd=ws.root, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "VTE" in out and "VTE_VERSION=7600" in out and "tmux" in out
    assert "mode         app (detected)" in out
    assert r"\x1bPtmux;\x1b\x1b[8l\x1b\\" in out  # the sequence, written out
    assert "allow-passthrough on" in out
    assert "not a terminal" in out and ESC not in out
    assert not user_config_path().exists()  # nothing asked, nothing remembered
    # Outside a workspace too.
    elsewhere = run("doctor", cwd=tmp_path, env={**env, "TMUX": ""})
    assert elsewhere.returncode == 0 and "auto (default)" in elsewhere.stdout


def test_render_auto_into_a_pipe_is_app(ws, tmp_path):
    source = tmp_path / "ar.txt"
    source.write_text("التحالف يقصف أهدافاً\n", encoding="utf-8")
    assert run("import", "texts", source, cwd=ws.root, env={}).returncode == 0
    # Even where detection says terminal mode: a pipe gets what the app draws (shaped forms).
    result = run("render", "ar", "--width", "30", cwd=ws.root, env={"TERM_PROGRAM": "Apple_Terminal"})
    assert result.returncode == 0, result.stderr
    assert any("\ufe70" <= c <= "\ufeff" for c in result.stdout)
