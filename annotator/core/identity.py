"""Who is annotating: --annotator, else $ANNOTATOR, else the name remembered in the user config."""

from __future__ import annotations

import os
import re
from pathlib import Path

from annotator.core.errors import AnnotatorError

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
RESERVED = frozenset({"gold"})


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "annotator" / "user.toml"


def check_name(name: str, where: str = "annotator name", allow_gold: bool = False) -> str:
    if not NAME.fullmatch(name) or name in (".", ".."):
        raise AnnotatorError(f"bad annotator name {name!r}", where, "use 1 to 64 of A-Z a-z 0-9 _ . -")
    if name.lower() in RESERVED and not allow_gold:  # "Gold" is gold/ on a case-insensitive file system
        raise AnnotatorError(f"{name!r} is reserved for the adjudicated set", where, "pick another name")
    return name


def remembered_name() -> str | None:
    import tomllib

    path = user_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AnnotatorError("cannot read the user config", str(path), str(exc)) from exc
    name = data.get("annotator")
    return check_name(name, f"{path} annotator") if isinstance(name, str) else None


def remember_name(name: str) -> Path:
    from annotator.core.jsonio import atomic_write_bytes

    check_name(name)
    path = user_config_path()
    atomic_write_bytes(path, f'annotator = "{name}"\n'.encode())
    return path


def resolve_name(flag: str | None) -> str | None:
    """The annotator's name from the flag, the environment or the user config; None if unknown."""
    if flag:
        return check_name(flag, "--annotator")
    env = os.environ.get("ANNOTATOR")
    if env:
        return check_name(env, "ANNOTATOR")
    return remembered_name()
