"""Versioned annotation guidelines: the label schema of each version and its manual.

A guidelines folder holds one folder per version, named MAJOR.MINOR.PATCH, with
``schema.toml`` (labels, event types and their roles, and the migrations from the
previous version) and ``guidelines.md`` (the manual for annotators, one ``## NAME``
section per label and event type). Every problem is reported as an AnnotatorError
whose ``where`` is ``file:line``. Moving annotations between versions and comparing
two versions live in ``migration.py``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.keymap import RESERVED_FOR_LABELS, label_key_owner

RESERVED_KEYS = frozenset(RESERVED_FOR_LABELS)
"""Keys bound where label keys work (the keymap's LABEL_CONTEXTS): no label may use them."""

SCHEMA_FILE = "schema.toml"
MANUAL_FILE = "guidelines.md"
DARK_BACKGROUND = "#1e1e1e"  # label colours must stay readable on this
MIN_CONTRAST = 4.5  # WCAG AA contrast ratio for normal text
MIGRATION_OPS = ("rename", "merge", "split", "remove")
MIGRATION_KINDS = ("entity", "event", "role")

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_LABEL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_EVENT_NAME = re.compile(r"[A-Za-z]+\.[A-Za-z][A-Za-z-]*")
_ROLE_NAME = re.compile(r"[A-Za-z][A-Za-z-]*")
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_TOML_HEADER = re.compile(r"\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_MANUAL_HEADING = re.compile(r"##\s+(.+?)[\s#]*$")

# Value kinds a schema key may hold; the strings double as the words in error messages.
_STR, _STRS, _TABLES = "a string", "a list of strings", "a list of tables"
_STR_OR_STRS = "a string or a list of strings"
_TOP = {"version": _STR, "title": _STR, "previous": _STR, "labels": _TABLES, "events": _TABLES, "migrations": _TABLES}
_LABEL = {"name": _STR, "key": _STR, "colour": _STR, "description": _STR, "examples": _STRS}
_EVENT = {**_LABEL, "roles": _TABLES}
_ROLE = {"name": _STR, "entities": _STRS}
_MIGRATION = {"op": _STR, "kind": _STR, "from": _STR_OR_STRS, "to": _STR_OR_STRS, "note": _STR}
_ARITY = {
    "rename": ("one name in from and another in to", lambda f, t: len(f) == 1 and len(t) == 1 and f != t),
    "merge": ("two or more names in from and one in to", lambda f, t: len(f) >= 2 and len(t) == 1),
    "split": ("one name in from and two or more in to", lambda f, t: len(f) == 1 and len(t) >= 2),
    "remove": ("one or more names in from and no to", lambda f, t: len(f) >= 1 and not t),
}


@dataclass(frozen=True, slots=True)
class Label:
    """An entity label: the name stored in annotations, its key, colour and meaning."""

    name: str
    key: str
    colour: str  # "#rrggbb", lower case
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Role:
    """An argument role of an event type and the entity labels that may fill it."""

    name: str
    entities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventType:
    """An event type such as ``Conflict.Attack``: its trigger key, colour and roles."""

    name: str
    key: str
    colour: str
    description: str
    examples: tuple[str, ...]  # example triggers
    roles: tuple[Role, ...]

    def role(self, name: str) -> Role | None:
        return next((r for r in self.roles if r.name == name), None)


@dataclass(frozen=True, slots=True)
class Migration:
    """What becomes of labels (or event types, or roles) of the previous version."""

    op: str  # one of MIGRATION_OPS
    kind: str  # one of MIGRATION_KINDS
    from_: tuple[str, ...]
    to: tuple[str, ...]
    note: str

    def describe(self) -> str:
        """One line such as ``merge DATE, TIME → TIMEX (entity)``."""
        target = f" → {', '.join(self.to)}" if self.to else ""
        return f"{self.op} {', '.join(self.from_)}{target} ({self.kind})"


@dataclass(frozen=True, slots=True)
class Schema:
    """One version of the guidelines, as declared in its schema.toml."""

    version: str
    title: str
    previous: str | None
    labels: tuple[Label, ...]
    events: tuple[EventType, ...]
    migrations: tuple[Migration, ...]

    def label(self, name: str) -> Label | None:
        return next((x for x in self.labels if x.name == name), None)

    def event(self, name: str) -> EventType | None:
        return next((x for x in self.events if x.name == name), None)

    @property
    def labels_and_events(self) -> tuple[Label | EventType, ...]:
        """Every entity label, then every event type: what a label key or a manual section names."""
        return (*self.labels, *self.events)

    def by_key(self, key: str) -> Label | EventType | None:
        return next((x for x in self.labels_and_events if x.key == key), None)

    def roles_for(self, event_type: str, entity_label: str) -> tuple[str, ...]:
        """Names of the roles of ``event_type`` that accept an entity labelled ``entity_label``."""
        event = self.event(event_type)
        return tuple(r.name for r in event.roles if entity_label in r.entities) if event else ()


def parse_semver(text: str) -> tuple[int, int, int] | None:
    """``"2.0.10"`` as ``(2, 0, 10)``; None for anything that is not MAJOR.MINOR.PATCH."""
    match = _SEMVER.fullmatch(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def list_versions(guidelines_dir: Path) -> list[str]:
    """The versions in ``guidelines_dir`` (folders with a schema.toml), oldest first."""
    if not guidelines_dir.is_dir():
        raise AnnotatorError("no guidelines folder", str(guidelines_dir))
    found = {p.name: v for p in guidelines_dir.iterdir() if (v := parse_semver(p.name)) and (p / SCHEMA_FILE).is_file()}
    return sorted(found, key=found.__getitem__)


def version_dir(guidelines_dir: Path, version: str) -> Path:
    """The folder of ``version``; AnnotatorError for a name that is not MAJOR.MINOR.PATCH (a
    version read from a file or a config becomes a path: ``../../elsewhere`` must not)."""
    if parse_semver(version) is None:
        raise AnnotatorError(
            f"guidelines version {version!r} is not a version", str(guidelines_dir), "expected MAJOR.MINOR.PATCH"
        )
    return guidelines_dir / version


def load_schema(guidelines_dir: Path, version: str) -> Schema:
    """The validated schema of ``version``; the first problem found is raised."""
    schema, problems = _validate(guidelines_dir, version)
    if problems or schema is None:
        raise problems[0]
    return schema


def manual_sections(guidelines_dir: Path, version: str) -> dict[str, str]:
    """The manual of ``version`` as {``## heading``: markdown body up to the next such heading}.

    Deeper headings stay in the body; a ``# heading`` ends the section before it;
    headings inside fenced code blocks are text.
    """
    path = version_dir(guidelines_dir, version) / MANUAL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AnnotatorError("cannot read the manual", str(path), exc.strerror) from exc
    except UnicodeDecodeError as exc:
        raise AnnotatorError("the manual is not valid UTF-8", f"{path}: byte {exc.start}", exc.reason) from exc
    sections: dict[str, str] = {}
    name: str | None = None
    body: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        heading = None if fenced else _MANUAL_HEADING.fullmatch(line)
        if heading or (not fenced and line.startswith("# ")):
            if name is not None:
                sections[name] = "\n".join(body).strip()
            name, body = (heading[1] if heading else None), []
        elif name is not None:
            body.append(line)
    if name is not None:
        sections[name] = "\n".join(body).strip()
    return sections


def check(guidelines_dir: Path) -> list[str]:
    """Every problem in every version (schemas and manual sections); empty when all is well."""
    if not guidelines_dir.is_dir():
        return [str(AnnotatorError("no guidelines folder", str(guidelines_dir)))]
    problems = [
        str(AnnotatorError("folder name is not a version", str(folder), "expected MAJOR.MINOR.PATCH"))
        for folder in sorted(guidelines_dir.iterdir())
        if (folder / SCHEMA_FILE).is_file() and parse_semver(folder.name) is None
    ]
    for version in list_versions(guidelines_dir):
        schema, errors = _validate(guidelines_dir, version)
        problems += [str(e) for e in errors]
        if schema is not None:
            problems += _manual_problems(guidelines_dir, schema)
    return problems


def _manual_problems(guidelines_dir: Path, schema: Schema) -> list[str]:
    try:
        sections = manual_sections(guidelines_dir, schema.version)
    except AnnotatorError as exc:
        return [str(exc)]
    path = str(guidelines_dir / schema.version / MANUAL_FILE)
    names = [x.name for x in schema.labels_and_events]
    return [
        str(AnnotatorError(f"no '## {name}' section", path, "every label and event type needs one"))
        for name in names
        if not sections.get(name)
    ]


def _validate(guidelines_dir: Path, version: str) -> tuple[Schema | None, list[AnnotatorError]]:
    """Read and check one version, including its migrations against the previous one."""
    try:
        path = version_dir(guidelines_dir, version) / SCHEMA_FILE
    except AnnotatorError as exc:
        return None, [exc]
    if not path.is_file():
        available = ", ".join(list_versions(guidelines_dir)) if guidelines_dir.is_dir() else "none"
        return None, [AnnotatorError("no such guidelines version", str(path.parent), f"available: {available}")]
    reader = _Reader(path)
    schema = reader.read(version)
    if schema is not None and schema.previous is not None:
        reader.check_against_previous(schema, guidelines_dir, schema.previous)
    return (None if reader.problems else schema), reader.problems


def _is(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str)
    if kind == _STRS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == _STR_OR_STRS:
        return _is(value, _STR) or _is(value, _STRS)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _names(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _contrast(colour: str, background: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _context(word: str, index: int, table: Any) -> str:
    """How an error names a table: ``label 'PER'``, or ``label #3`` when it has no name."""
    name = table.get("name") if isinstance(table, dict) else None
    return f"{word} {name!r}" if isinstance(name, str) and name else f"{word} #{index + 1}"


class _Locator:
    """Finds the line of a table or key in TOML text (tomllib gives no positions).

    A path names what to find: ``("version",)``, ``("labels", 2)`` for the third
    ``[[labels]]``, ``("events", 0, "roles", 1, "entities")``. What cannot be found
    falls back to the closest enclosing table that can.
    """

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.headers = [
            (number, re.sub(r"[\s\"']", "", match[1]))
            for number, line in enumerate(self.lines, 1)
            if (match := _TOML_HEADER.fullmatch(line))
        ]

    def line(self, path: tuple[str | int, ...]) -> int:
        first, last, found, prefix = 1, len(self.lines), 1, ""
        own_end = self._next_header(0, last) - 1
        steps = list(path)
        while steps:
            key = str(steps.pop(0))
            name = prefix + key
            starts = [n for n, h in self.headers if h == name and first <= n <= last]
            if not steps or not isinstance(index := steps[0], int):
                return self._key(key, first, own_end) or (starts[0] if starts else found)
            steps.pop(0)
            if index >= len(starts):
                return self._key(key, first, own_end) or found
            found = first = starts[index]
            own_end = self._next_header(first, last) - 1
            inner_end = [n for n, h in self.headers if first < n <= last and not h.startswith(name + ".")]
            last = inner_end[0] - 1 if inner_end else last
            prefix = name + "."
        return found

    def _next_header(self, after: int, last: int) -> int:
        return next((n for n, _ in self.headers if after < n <= last), last + 1)

    def _key(self, key: str, first: int, last: int) -> int | None:
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        return next((n for n in range(first, last + 1) if pattern.match(self.lines[n - 1])), None)


class _Reader:
    """Reads one schema.toml into a Schema, collecting every problem it finds."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[AnnotatorError] = []
        self.locate = _Locator("")

    def problem(self, at: tuple[str | int, ...], what: str, why: str | None = None) -> None:
        self.problems.append(AnnotatorError(what, f"{self.path}:{self.locate.line(at)}", why))

    def read(self, folder_version: str) -> Schema | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            self.problems.append(AnnotatorError("cannot read schema", str(self.path), str(exc)))
            return None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            position = _TOML_POSITION.search(str(exc))
            line = int(position[1]) if position and position[1] else max(len(text.splitlines()), 1)
            column = f", column {position[2]}" if position and position[2] else ""
            why = _TOML_POSITION.sub("", str(exc)) + column
            self.problems.append(AnnotatorError("TOML syntax error", f"{self.path}:{line}", why))
            return None
        self.locate = _Locator(text)
        self.shape(data, _TOP, (), "schema", optional=frozenset({"previous", "events", "migrations"}))
        labels = self.section(data, "labels", "label", self.label)
        tables = data["labels"] if _is(data.get("labels"), _TABLES) else []
        known = {t["name"] for t in tables if isinstance(t.get("name"), str)}
        events = self.section(data, "events", "event", lambda t, at, c: self.event(t, at, c, known))
        migrations = self.section(data, "migrations", "migration", self.migration)
        self.unique(labels, "name")
        self.unique(events, "name")
        self.unique(labels + events, "key")
        self.unique(labels + events, "colour")
        self.versions(data, folder_version)
        if self.problems:
            return None
        return Schema(
            version=data["version"],
            title=data["title"],
            previous=data.get("previous"),
            labels=tuple(x for _, _, x in labels),
            events=tuple(x for _, _, x in events),
            migrations=tuple(x for _, _, x in migrations),
        )

    def shape(
        self,
        table: dict[str, Any],
        spec: dict[str, str],
        at: tuple,
        context: str,
        optional: frozenset[str] = frozenset(),
    ) -> bool:
        """Check keys and value kinds of one table; False if anything is wrong."""
        ok = True
        for key in spec:
            if key not in table and key not in optional:
                self.problem(at, f"{context}: missing key '{key}'")
                ok = False
        for key, value in table.items():
            if key not in spec:
                self.problem(at + (key,), f"{context}: unknown key '{key}'", f"expected {', '.join(spec)}")
                ok = False
            elif not _is(value, spec[key]):
                self.problem(at + (key,), f"{context}: '{key}' must be {spec[key]}", f"got {value!r}")
                ok = False
        return ok

    def section(
        self, data: dict[str, Any], name: str, word: str, build: Callable[[Any, tuple, str], Any]
    ) -> list[tuple[tuple, str, Any]]:
        """Build each well-formed table of an array such as ``[[labels]]``: (path, context, object)."""
        tables = data.get(name, [])
        if not _is(tables, _TABLES):
            return []
        built = []
        for index, table in enumerate(tables):
            at, context = (name, index), _context(word, index, table)
            item = build(table, at, context)
            if item is not None:
                built.append((at, context, item))
        return built

    def label(self, table: dict[str, Any], at: tuple, context: str) -> Label | None:
        if not self.shape(table, _LABEL, at, context):
            return None
        if not _LABEL_NAME.fullmatch(table["name"]):
            self.problem(
                at + ("name",), f"{context}: bad label name", "use letters, digits and _, starting with a letter"
            )
        self.key_and_colour(table, at, context)
        return Label(
            table["name"], table["key"], table["colour"].lower(), table["description"], tuple(table["examples"])
        )

    def event(self, table: dict[str, Any], at: tuple, context: str, known: set[str]) -> EventType | None:
        if not self.shape(table, _EVENT, at, context):
            return None
        if not _EVENT_NAME.fullmatch(table["name"]):
            self.problem(
                at + ("name",), f"{context}: bad event type name", "expected Type.Subtype, e.g. Conflict.Attack"
            )
        self.key_and_colour(table, at, context)
        roles = []
        for index, role in enumerate(table["roles"]):
            role_at, role_context = at + ("roles", index), f"{context}, {_context('role', index, role)}"
            if self.shape(role, _ROLE, role_at, role_context):
                roles.append(self.role(role, role_at, role_context, known))
        for index, role in enumerate(roles):
            if role.name in [r.name for r in roles[:index]]:
                self.problem(at + ("roles", index, "name"), f"{context}: role {role.name!r} is declared twice")
        return EventType(
            table["name"],
            table["key"],
            table["colour"].lower(),
            table["description"],
            tuple(table["examples"]),
            tuple(roles),
        )

    def role(self, table: dict[str, Any], at: tuple, context: str, known: set[str]) -> Role:
        if not _ROLE_NAME.fullmatch(table["name"]):
            self.problem(at + ("name",), f"{context}: bad role name", "use letters and -, starting with a letter")
        if not table["entities"]:
            self.problem(at + ("entities",), f"{context}: accepts no entity label")
        for label in table["entities"]:
            if label not in known:
                self.problem(
                    at + ("entities",),
                    f"{context}: accepts unknown label {label!r}",
                    f"labels: {', '.join(sorted(known))}",
                )
        return Role(table["name"], tuple(table["entities"]))

    def key_and_colour(self, table: dict[str, Any], at: tuple, context: str) -> None:
        key, colour = table["key"], table["colour"]
        if len(key) != 1 or not key.isprintable() or key.isspace():
            self.problem(at + ("key",), f"{context}: key {key!r} must be one visible character")
        elif (owner := label_key_owner(key)) is not None:
            self.problem(at + ("key",), f"{context}: key {key!r} is reserved: {owner}")
        if not _COLOUR.fullmatch(colour):
            self.problem(at + ("colour",), f"{context}: colour {colour!r} is not #rrggbb")
        elif (ratio := _contrast(colour, DARK_BACKGROUND)) < MIN_CONTRAST:
            self.problem(
                at + ("colour",),
                f"{context}: colour {colour} is too dark to read on a dark background",
                f"contrast {ratio:.1f} with {DARK_BACKGROUND}, at least {MIN_CONTRAST} needed",
            )

    def migration(self, table: dict[str, Any], at: tuple, context: str) -> Migration | None:
        if not self.shape(table, _MIGRATION, at, context, optional=frozenset({"to"})):
            return None
        op, kind = table["op"], table["kind"]
        from_, to = _names(table["from"]), _names(table.get("to", []))
        if op not in MIGRATION_OPS:
            self.problem(at + ("op",), f"{context}: unknown op {op!r}", f"expected {', '.join(MIGRATION_OPS)}")
            return None
        if kind not in MIGRATION_KINDS:
            self.problem(at + ("kind",), f"{context}: unknown kind {kind!r}", f"expected {', '.join(MIGRATION_KINDS)}")
            return None
        needs, fits = _ARITY[op]
        if not fits(from_, to):
            self.problem(at, f"{context}: {op} takes {needs}", f"from = {list(from_)}, to = {list(to)}")
        return Migration(op, kind, from_, to, table["note"])

    def unique(self, items: list[tuple[tuple, str, Any]], attr: str) -> None:
        seen: dict[str, str] = {}
        for at, context, item in items:
            value = getattr(item, attr)
            if value in seen and attr == "name":
                self.problem(at + (attr,), f"{context} is declared twice")
            elif value in seen:
                self.problem(at + (attr,), f"{context}: {attr} {value!r} is already used by {seen[value]}")
            else:
                seen[value] = context

    def versions(self, data: dict[str, Any], folder_version: str) -> None:
        """version matches its folder; previous is an older version; migrations need a previous."""
        version, previous = data.get("version"), data.get("previous")
        if isinstance(version, str):
            if parse_semver(version) is None:
                self.problem(("version",), f"version {version!r} is not MAJOR.MINOR.PATCH")
            elif version != folder_version:
                self.problem(("version",), f"version {version!r} does not match its folder {folder_version!r}")
        if isinstance(previous, str):
            previous_semver = parse_semver(previous)
            if previous_semver is None:
                self.problem(("previous",), f"previous {previous!r} is not MAJOR.MINOR.PATCH")
            elif (parse_semver(folder_version) or (0, 0, 0)) <= previous_semver:
                self.problem(("previous",), f"previous {previous!r} is not older than {folder_version}")
        if data.get("migrations") and previous is None:
            self.problem(("migrations", 0), "migrations without a 'previous' version to migrate from")

    def check_against_previous(self, schema: Schema, guidelines_dir: Path, previous: str) -> None:
        """Migrations name what exists, once each, and every label or event type that is gone has one."""
        if parse_semver(previous) is None:  # said already (read); it names no folder
            return
        path = version_dir(guidelines_dir, previous) / SCHEMA_FILE
        if not path.is_file():
            self.problem(("previous",), f"previous version {previous} does not exist", f"no {path}")
            return
        reader = _Reader(path)
        old = reader.read(previous)
        if old is None:
            self.problem(("previous",), f"previous version {previous} has errors", str(reader.problems[0]))
            return
        covered: dict[tuple[str, str], str] = {}
        for index, m in enumerate(schema.migrations):
            at, context = ("migrations", index), f"migration #{index + 1} ({m.op})"
            before, after = _declared(old, m.kind), _declared(schema, m.kind)
            for name in m.from_:
                if name not in before:
                    self.problem(at + ("from",), f"{context}: {m.kind} {name!r} is not in {old.version}")
                elif (m.kind, name) in covered:
                    self.problem(
                        at + ("from",), f"{context}: {m.kind} {name!r} is already migrated by {covered[m.kind, name]}"
                    )
                elif name in after and m.op != "split" and name not in m.to:
                    self.problem(
                        at + ("from",),
                        f"{context}: {m.kind} {name!r} is still in {schema.version}",
                        f"a {m.op} takes it away",
                    )
                covered.setdefault((m.kind, name), context)
            for name in m.to:
                if name not in after:
                    self.problem(at + ("to",), f"{context}: {m.kind} {name!r} is not in {schema.version}")
        for kind, word in (("entity", "label"), ("event", "event type")):
            for name in sorted(_declared(old, kind) - _declared(schema, kind)):
                if (kind, name) not in covered:
                    self.problem(
                        ("previous",),
                        f"{word} {name!r} of {old.version} is gone and no migration says what becomes of it",
                        f"add a [[migrations]] entry with kind = {kind!r}",
                    )


def _declared(schema: Schema, kind: str) -> set[str]:
    """The names a migration of ``kind`` can refer to in ``schema``."""
    if kind == "entity":
        return {x.name for x in schema.labels}
    if kind == "event":
        return {x.name for x in schema.events}
    return {r.name for e in schema.events for r in e.roles}
