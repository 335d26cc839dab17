"""A workspace: a folder with annotator.toml, corpus/, guidelines/, annotations/, exports/.

All paths the program uses are derived here, so no other module builds them by hand.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator import bundled
from annotator.core.errors import AnnotatorError

if TYPE_CHECKING:
    from annotator.core.terminal import Display

CONFIG_NAME = "annotator.toml"
# What a user may ask for; 'auto' is resolved (annotator.core.terminal) into 'app' or 'terminal',
# the only two modes the layout code knows.
BIDI_MODES = ("auto", "app", "terminal")
DEFAULT_GUIDELINES = "2.0.0"
# The guidelines shipped with the program (package data: the repository's own guidelines/ folder).
BUNDLED_GUIDELINES = bundled.guidelines()


@dataclass(frozen=True, slots=True)
class Config:
    name: str
    guidelines: str
    bidi: str | None = None  # None: not set in the file


def _bidi_mode(value: str, where: str) -> str:
    if value not in BIDI_MODES:
        raise AnnotatorError(f"unknown bidi mode {value!r}", where, "use 'auto', 'app' or 'terminal'")
    return value


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path
    config: Config

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def guidelines_dir(self) -> Path:
        return self.root / "guidelines"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    def annotator_dir(self, annotator: str) -> Path:
        from annotator.core.identity import check_name

        return self.annotations_dir / check_name(annotator, allow_gold=True)

    def bidi_setting(self, override: str | None = None, env: Mapping[str, str] | None = None) -> tuple[str, str]:
        """What was asked for ('auto', 'app' or 'terminal') and where: --bidi beats ANNOTATOR_BIDI
        beats the config file; the default is 'auto'."""
        env = os.environ if env is None else env
        if override:
            return _bidi_mode(override, "--bidi"), "--bidi"
        value = env.get("ANNOTATOR_BIDI")
        if value:
            return _bidi_mode(value, "ANNOTATOR_BIDI"), "ANNOTATOR_BIDI"
        if self.config.bidi:
            return self.config.bidi, f"{CONFIG_NAME} [reader] bidi"
        return "auto", "default"

    def display(self, override: str | None = None, env: Mapping[str, str] | None = None) -> Display:
        """How the TUI draws Arabic: --bidi or ANNOTATOR_BIDI as asked; else the user's remembered
        answer for this terminal, else the config's mode, else what the environment says the
        terminal is (annotator.core.terminal.choose)."""
        from annotator.core.identity import remembered_bidi
        from annotator.core.terminal import choose, detect

        env = os.environ if env is None else env
        requested, source = self.bidi_setting(override, env)
        profile = detect(env)
        explicit = requested != "auto" and source in ("--bidi", "ANNOTATOR_BIDI")
        return choose(requested, source, profile, None if explicit else remembered_bidi(profile.key))

    def bidi_mode(self, override: str | None = None, env: Mapping[str, str] | None = None) -> str:
        """The layout mode, 'app' or 'terminal', the TUI uses (see ``display``)."""
        return self.display(override, env).mode

    @classmethod
    def open(cls, start: Path) -> Workspace:
        """The workspace at ``start`` or the nearest parent folder holding annotator.toml."""
        root = find_root(start)
        return cls(root, read_config(root / CONFIG_NAME))


def find_root(start: Path) -> Path:
    """The folder at ``start`` or above holding annotator.toml, whether or not the file reads."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise AnnotatorError("no workspace here", str(start), f"no {CONFIG_NAME} in it or above; run 'annotator init DIR'")


def read_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotatorError("cannot read the workspace config", str(path), str(exc)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise AnnotatorError("the workspace config is not valid TOML", str(path), str(exc)) from exc
    project, reader = data.get("project", {}), data.get("reader", {})
    if not isinstance(project, dict) or not isinstance(reader, dict):  # project = "x": a value, not a table
        key, value = ("project", project) if not isinstance(project, dict) else ("reader", reader)
        raise AnnotatorError(f"[{key}] must be a table", str(path), f"got {key} = {value!r}")
    name = project.get("name")
    guidelines = project.get("guidelines")
    if not isinstance(name, str) or not isinstance(guidelines, str):
        raise AnnotatorError("[project] needs name and guidelines (strings)", str(path), "see README, 'Workspace'")
    if not _SEMVER.fullmatch(guidelines):  # it names a folder: nothing else may reach the file system
        raise AnnotatorError(
            f"[project] guidelines {guidelines!r} is not a version", str(path), "expected MAJOR.MINOR.PATCH, e.g. 2.0.0"
        )
    bidi = reader.get("bidi")
    if bidi is not None:
        if not isinstance(bidi, str):
            raise AnnotatorError("[reader] bidi must be a string", str(path), "use 'auto', 'app' or 'terminal'")
        bidi = _bidi_mode(bidi, f"{path} [reader] bidi")
    return Config(name=name, guidelines=guidelines, bidi=bidi)


def config_text(config: Config) -> str:
    def q(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[project]", f"name = {q(config.name)}", f"guidelines = {q(config.guidelines)}", ""]
    lines += [
        "[reader]",
        "# 'auto': from the terminal (see 'annotator doctor'); 'app': the app reorders and shapes",
        "# Arabic and switches a BiDi terminal's own reordering off; 'terminal': logical text, the terminal reorders.",
    ]
    lines.append(f"bidi = {q(config.bidi or 'auto')}")
    return "\n".join(lines) + "\n"


# What git must not take from a workspace: a save's temporary file (left by a crash) and the
# lock files that say who is editing a document.
GITIGNORE = """# written by 'annotator init': files that only make sense on this machine
*.tmp
.locks/
"""

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def init_workspace(
    root: Path, name: str | None = None, guidelines: str = DEFAULT_GUIDELINES, *, example: bool = False
) -> Workspace:
    """Create a workspace with the bundled guidelines, its corpus empty or, with ``example``,
    the seed corpus; refuse to touch an existing one."""
    root = root.resolve()
    if (root / CONFIG_NAME).exists():
        raise AnnotatorError("a workspace already exists here", str(root / CONFIG_NAME))
    if not _SEMVER.match(guidelines) or not (BUNDLED_GUIDELINES / guidelines).is_dir():
        available = ", ".join(sorted(p.name for p in BUNDLED_GUIDELINES.iterdir() if p.is_dir()))
        raise AnnotatorError(f"unknown guidelines version {guidelines!r}", "--guidelines", f"available: {available}")
    if root.exists() and not root.is_dir():
        raise AnnotatorError("not a folder", str(root))
    if example and (root / "corpus").is_dir() and any((root / "corpus").iterdir()):
        raise AnnotatorError("the corpus folder is not empty", str(root / "corpus"), "--example needs an empty one")
    config = Config(name=name or root.name, guidelines=guidelines, bidi="auto")
    for sub in ("corpus", "annotations", "exports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    target = root / "guidelines"
    target.mkdir(exist_ok=True)
    for version in BUNDLED_GUIDELINES.iterdir():
        if version.is_dir() and not (target / version.name).exists():
            bundled.copy_tree(version, target / version.name)
    if example:
        bundled.copy_tree(bundled.seed_corpus(), root / "corpus")
    ignore = root / ".gitignore"
    if not ignore.exists():  # a team's own .gitignore is theirs: never rewritten
        ignore.write_text(GITIGNORE, encoding="utf-8")
    (root / CONFIG_NAME).write_text(config_text(config), encoding="utf-8")
    return Workspace(root, config)
