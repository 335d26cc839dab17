"""A workspace: a folder with annotator.toml, corpus/, guidelines/, annotations/, exports/.

All paths the program uses are derived here, so no other module builds them by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError

CONFIG_NAME = "annotator.toml"
BIDI_MODES = ("app", "terminal")
DEFAULT_GUIDELINES = "2.0.0"
# The guidelines shipped with the program: the repository's own guidelines/ folder.
BUNDLED_GUIDELINES = Path(__file__).resolve().parents[2] / "guidelines"


@dataclass(frozen=True, slots=True)
class Config:
    name: str
    guidelines: str
    bidi: str | None = None  # None: not set in the file


def _bidi_mode(value: str, where: str) -> str:
    if value not in BIDI_MODES:
        raise AnnotatorError(f"unknown bidi mode {value!r}", where, "use 'app' or 'terminal'")
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
        return self.annotations_dir / annotator

    def bidi_mode(self, override: str | None = None) -> str:
        """--bidi beats ANNOTATOR_BIDI beats the config file; the default is 'app'."""
        if override:
            return _bidi_mode(override, "--bidi")
        env = os.environ.get("ANNOTATOR_BIDI")
        if env:
            return _bidi_mode(env, "ANNOTATOR_BIDI")
        return self.config.bidi or "app"

    @classmethod
    def open(cls, start: Path) -> Workspace:
        """The workspace at ``start`` or the nearest parent folder holding annotator.toml."""
        start = start.resolve()
        for folder in (start, *start.parents):
            if (folder / CONFIG_NAME).is_file():
                return cls(folder, read_config(folder / CONFIG_NAME))
        raise AnnotatorError(
            "no workspace here", str(start), f"no {CONFIG_NAME} in it or above; run 'annotator init DIR'"
        )


def read_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotatorError("cannot read the workspace config", str(path), str(exc)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise AnnotatorError("the workspace config is not valid TOML", str(path), str(exc)) from exc
    project = data.get("project", {})
    reader = data.get("reader", {})
    name = project.get("name")
    guidelines = project.get("guidelines")
    if not isinstance(name, str) or not isinstance(guidelines, str):
        raise AnnotatorError(
            "[project] needs name and guidelines (strings)", str(path), "see README, 'Workspace'"
        )
    bidi = reader.get("bidi")
    if bidi is not None:
        bidi = _bidi_mode(str(bidi), f"{path} [reader] bidi")
    return Config(name=name, guidelines=guidelines, bidi=bidi)


def config_text(config: Config) -> str:
    def q(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[project]", f"name = {q(config.name)}", f"guidelines = {q(config.guidelines)}", ""]
    lines += ["[reader]", "# 'app': the app reorders and shapes Arabic (xterm, alacritty, kitty, tmux...);",
              "# 'terminal': logical text for terminals that do BiDi themselves (mlterm, Konsole, VTE)."]
    lines.append(f"bidi = {q(config.bidi or 'app')}")
    return "\n".join(lines) + "\n"


_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def init_workspace(root: Path, name: str | None = None, guidelines: str = DEFAULT_GUIDELINES) -> Workspace:
    """Create an empty workspace with the bundled guidelines; refuse to touch an existing one."""
    root = root.resolve()
    if (root / CONFIG_NAME).exists():
        raise AnnotatorError("a workspace already exists here", str(root / CONFIG_NAME))
    if not _SEMVER.match(guidelines) or not (BUNDLED_GUIDELINES / guidelines).is_dir():
        available = ", ".join(sorted(p.name for p in BUNDLED_GUIDELINES.iterdir() if p.is_dir()))
        raise AnnotatorError(f"unknown guidelines version {guidelines!r}", "--guidelines", f"available: {available}")
    if root.exists() and not root.is_dir():
        raise AnnotatorError("not a folder", str(root))
    config = Config(name=name or root.name, guidelines=guidelines, bidi="app")
    for sub in ("corpus", "annotations", "exports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    target = root / "guidelines"
    target.mkdir(exist_ok=True)
    for version in BUNDLED_GUIDELINES.iterdir():
        if version.is_dir() and not (target / version.name).exists():
            shutil.copytree(version, target / version.name)
    (root / CONFIG_NAME).write_text(config_text(config), encoding="utf-8")
    return Workspace(root, config)
