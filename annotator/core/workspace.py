"""A workspace: a folder with annotator.toml, corpus/, guidelines/, annotations/, exports/.

All paths the program uses are derived here, so no other module builds them by hand.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator import bundled
from annotator.core.errors import AnnotatorError
from annotator.core.jsonio import fsync_folder, write_synced

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


# What git must not take from a workspace: a save's temporary file (left by a crash), the
# lock files that say who is editing a document, and caches (the agreement's parsed tables).
GITIGNORE = """# written by 'annotator init': files that only make sense on this machine
*.tmp
.locks/
.cache/
"""

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


# Where init builds a workspace before moving it into place (inside the target folder); one
# left by a killed init is removed by the next.
_STAGING = re.compile(r"\.annotator-init\.[0-9a-f]{8}\.tmp")
_FOLDERS = ("corpus", "guidelines", "annotations", "exports")


def init_workspace(
    root: Path, name: str | None = None, guidelines: str = DEFAULT_GUIDELINES, *, example: bool = False
) -> Workspace:
    """Create a workspace with the bundled guidelines, its corpus empty or, with ``example``,
    the seed corpus; refuse to touch an existing one.

    All or nothing: everything is written and fsynced in a staging folder inside ``root``,
    then each entry ``root`` lacks is renamed into place, ``annotator.toml`` last, so a
    workspace exists only once it is complete. What ``root`` already holds (a README, an
    empty corpus folder, a guidelines version, a team's .gitignore) is kept. A failure
    removes what was moved and made, leaves ``root`` as it was and says what, where, why."""
    root = root.resolve()
    if (root / CONFIG_NAME).exists():
        raise AnnotatorError("a workspace already exists here", str(root / CONFIG_NAME))
    if not _SEMVER.match(guidelines) or not (BUNDLED_GUIDELINES / guidelines).is_dir():
        available = ", ".join(sorted(p.name for p in BUNDLED_GUIDELINES.iterdir() if p.is_dir()))
        raise AnnotatorError(f"unknown guidelines version {guidelines!r}", "--guidelines", f"available: {available}")
    if root.exists() and not root.is_dir():
        raise AnnotatorError("not a folder", str(root))
    for sub in _FOLDERS:
        if (root / sub).exists() and not (root / sub).is_dir():
            raise AnnotatorError("not a folder", str(root / sub), "a workspace needs it as a folder")
    if example and (root / "corpus").is_dir() and any((root / "corpus").iterdir()):
        raise AnnotatorError("the corpus folder is not empty", str(root / "corpus"), "--example needs an empty one")
    config = Config(name=name or root.name, guidelines=guidelines, bidi="auto")
    created: list[Path] = []  # folders made on the way to root, outermost first
    moved: list[Path] = []  # what was renamed into place, in order
    staging: Path | None = None
    try:
        for folder in reversed([p for p in (root, *root.parents) if not os.path.lexists(p)]):
            os.mkdir(folder)
            created.append(folder)
        if not created:
            for stale in os.listdir(root):
                if _STAGING.fullmatch(stale):
                    shutil.rmtree(root / stale, ignore_errors=True)
        staging = root / f".annotator-init.{secrets.token_hex(4)}.tmp"
        os.mkdir(staging)
        _build(staging, config, example)
        _move_into(staging, root, moved)
        for folder in dict.fromkeys([*(p.parent for p in moved), *(p.parent for p in created)]):
            fsync_folder(folder)
        os.rename(staging / CONFIG_NAME, root / CONFIG_NAME)  # now, and only now, a workspace
        moved.append(root / CONFIG_NAME)
        fsync_folder(root)
    except BaseException as exc:
        _undo(moved, staging, created)
        if not isinstance(exc, OSError):
            raise
        where = exc.filename or str(root)
        if staging is not None:  # the path the file was to have
            where = os.fsdecode(where).replace(str(staging), str(root), 1)
        why = exc.strerror or str(exc)
        raise AnnotatorError("cannot create the workspace, nothing was written", where, why) from exc
    shutil.rmtree(staging, ignore_errors=True)  # what root had already (its .gitignore...) was not moved
    return Workspace(root, config)


def _build(staging: Path, config: Config, example: bool) -> None:
    """The whole workspace, written and fsynced in ``staging``."""
    for sub in _FOLDERS:
        os.mkdir(staging / sub)
    for version in BUNDLED_GUIDELINES.iterdir():
        if version.is_dir():
            bundled.copy_tree(version, staging / "guidelines" / version.name)
    if example:
        bundled.copy_tree(bundled.seed_corpus(), staging / "corpus")
    for sub in _FOLDERS:
        fsync_folder(staging / sub)
    write_synced(staging / ".gitignore", GITIGNORE.encode())
    write_synced(staging / CONFIG_NAME, config_text(config).encode())
    fsync_folder(staging)


def _move_into(staging: Path, root: Path, moved: list[Path]) -> None:
    """Rename into ``root`` each entry of ``staging`` it lacks (annotator.toml aside: it goes last),
    and into each of its folders (corpus/, guidelines/...) each file or version it lacks: what is
    there is kept (a team's .gitignore, a guidelines version, an empty corpus folder)."""
    for entry in sorted(os.listdir(staging)):
        if entry == CONFIG_NAME:
            continue
        source, target = staging / entry, root / entry
        if not os.path.lexists(target):
            os.rename(source, target)
            moved.append(target)
        elif source.is_dir() and target.is_dir():
            for item in sorted(os.listdir(source)):
                if not os.path.lexists(target / item):
                    os.rename(source / item, target / item)
                    moved.append(target / item)


def _undo(moved: list[Path], staging: Path | None, created: list[Path]) -> None:
    """Remove what init moved into place, its staging folder and the folders it made: the target as it was."""
    for path in reversed(moved):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    for folder in reversed(created):
        shutil.rmtree(folder, ignore_errors=True)
