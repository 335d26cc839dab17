"""Who is annotating: --annotator, else $ANNOTATOR, else the name remembered in the user config.

The user config (``$XDG_CONFIG_HOME/annotator/user.toml``) also remembers the answer to the
display check per terminal (``[bidi]``); rewriting it keeps everything else it holds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from annotator.core.errors import AnnotatorError

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
GOLD = "gold"  # the adjudicated set: annotations/gold/, never an annotator's name
RESERVED = frozenset({GOLD})


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "annotator" / "user.toml"


def check_name(name: str, where: str = "annotator name", allow_gold: bool = False) -> str:
    """``name`` if it can name an annotator (``allow_gold``: or, spelt exactly so, the gold set)."""
    if not NAME.fullmatch(name) or name in (".", ".."):
        raise AnnotatorError(f"bad annotator name {name!r}", where, "use 1 to 64 of A-Z a-z 0-9 _ . -")
    # "Gold" is gold/ on a case-insensitive file system, and another folder elsewhere: neither is allowed
    if name.lower() in RESERVED and not (allow_gold and name in RESERVED):
        raise AnnotatorError(f"{name!r} is reserved for the adjudicated set", where, "pick another name")
    return name


def _user_config() -> dict:
    """The user config as a dict ({} when there is none)."""
    import tomllib

    path = user_config_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AnnotatorError("cannot read the user config", str(path), str(exc)) from exc


def _escape(c: str) -> str:
    return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"


def _toml_value(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else _escape(c) for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    raise AnnotatorError("cannot rewrite the user config", where, f"a value of type {type(value).__name__}")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key, "key")


def _toml(data: dict, prefix: str = "") -> str:
    """``data`` as TOML: plain values first, then one [table] per dict (nested tables dotted)."""
    lines = [f"{_toml_key(k)} = {_toml_value(v, prefix + k)}" for k, v in data.items() if not isinstance(v, dict)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, table in data.items():
        if isinstance(table, dict):
            name = prefix + _toml_key(key)
            out += f"\n[{name}]\n" + _toml(table, name + ".")
    return out


def _write_user_config(data: dict) -> Path:
    """Write the whole user config atomically; whatever else it holds is kept."""
    from annotator.core.jsonio import atomic_write_bytes

    path = user_config_path()
    atomic_write_bytes(path, _toml(data).lstrip("\n").encode("utf-8"))
    return path


def remembered_name() -> str | None:
    name = _user_config().get("annotator")
    return check_name(name, f"{user_config_path()} annotator") if isinstance(name, str) else None


def remember_name(name: str) -> Path:
    check_name(name)
    data = _user_config()
    data["annotator"] = name
    return _write_user_config(data)


# The display check ('annotator doctor', F2 in the app): which order reads right, per terminal,
# in a [bidi] table keyed by the terminal ``annotator.core.terminal.detect`` names.
BIDI_ANSWERS = ("app", "terminal")


def remembered_bidi(terminal: str) -> str | None:
    """The user's answer to the display check in this terminal, or None."""
    table = _user_config().get("bidi")
    value = table.get(terminal) if isinstance(table, dict) else None
    if value is None:
        return None
    if value not in BIDI_ANSWERS:
        raise AnnotatorError(
            f"unknown bidi mode {value!r}",
            f"{user_config_path()} [bidi] {terminal}",
            "use 'app' or 'terminal', or delete the line and run 'annotator doctor'",
        )
    return value


def remember_bidi(terminal: str, mode: str) -> Path:
    if mode not in BIDI_ANSWERS:
        raise AnnotatorError(f"unknown bidi mode {mode!r}", "display check", "use 'app' or 'terminal'")
    data = _user_config()
    table = data.get("bidi")
    data["bidi"] = {**(table if isinstance(table, dict) else {}), terminal: mode}
    return _write_user_config(data)


def resolve_name(flag: str | None) -> str | None:
    """The annotator's name from the flag, the environment or the user config; None if unknown."""
    if flag:
        return check_name(flag, "--annotator")
    env = os.environ.get("ANNOTATOR")
    if env:
        return check_name(env, "ANNOTATOR")
    return remembered_name()
