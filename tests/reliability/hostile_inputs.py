"""The corpus of hostile inputs of scenario 5, and the world each one is planted in.

A world is a folder holding a workspace (``ws/``: the seed corpus, amal's and bob's files on
the first three documents, each with an entity, an event and an argument), import sources
(``src/``: a text folder, an interchange file, a CoNLL file), a folder outside the workspace
(``outside/``: a secret file and an annotation file) and a home with a user config. Each
input changes one copy of it (``plant``) and names the commands that read what it changed;
the test runs them and the app on it.

Inputs come in groups: terminal controls, markup and bidi controls put in every place that
holds text (tests/hostile.py's strings), path tricks, symbolic links, huge files, malformed
files and wrong types for every field. Commands are named (``COMMANDS``) or given as argv.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tests.hostile import CONTROLS, MARKUP, toml_string

PAYLOADS = {
    "controls": "".join(CONTROLS) + "\r\b\x85\x1b[6n",  # + CR, BS, NEL (C1), a cursor report request
    "markup": "".join(MARKUP),
    "bidi controls": "\u202eevil\u202c \u2067x\u2069 \u200f\u061c",
}
ANNOTATOR_NAME = "amal"


@dataclass(frozen=True)
class World:
    root: Path
    docs: tuple[str, ...]  # the seed documents' ids, sorted

    @property
    def ws(self) -> Path:
        return next(p for p in self.root.iterdir() if p.name.startswith("ws"))

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def annotation(self, annotator: str = ANNOTATOR_NAME, doc: int = 0) -> Path:
        return self.ws / "annotations" / annotator / f"{self.docs[doc]}.json"

    @property
    def index(self) -> Path:
        return self.ws / "corpus" / "index.jsonl"

    def text(self, doc: int = 0) -> Path:
        return self.ws / "corpus" / f"{self.docs[doc]}.txt"

    @property
    def schema(self) -> Path:
        return self.ws / "guidelines" / "2.0.0" / "schema.toml"

    @property
    def config(self) -> Path:
        return self.ws / "annotator.toml"


@dataclass(frozen=True)
class Input:
    group: str
    name: str
    plant: Callable[[World], None]
    commands: tuple[str | tuple[str, ...], ...]  # names in COMMANDS, or an argv
    app: str | None = "open"  # None: the app is not run; "open": list, open, label; "agreement": and that screen
    doc: int | str = 0  # the document the app opens and render prints (an index into the seed ids, or an id)
    invalid: bool = False  # the workspace is damaged: `annotator validate` must say so (exit 1)
    timeout: float = 60.0


COMMANDS: dict[str, Callable[[World, str], list[str]]] = {
    "render": lambda w, d: ["render", d, "--width", "40"],
    "import texts": lambda w, d: ["import", "texts", str(w.src / "texts")],
    "import annotations": lambda w, d: ["import", "annotations", str(w.src / "in.jsonl"), "--annotator", "carol"],
    "import conll": lambda w, d: ["import", "annotations", str(w.src / "in.conll"), "--annotator", "carol"],
    "agreement": lambda w, d: ["agreement", "--format", "markdown", "--jobs", "1"],
    "agreement tables": lambda w, d: ["agreement", "--jobs", "1"],
    "export": lambda w, d: ["export", "--format", "conll", "--source", ANNOTATOR_NAME, "--jobs", "1"],
    "adjudicate": lambda w, d: ["adjudicate", "--strategy", "majority"],
    "validate": lambda w, d: ["validate"],
    "guidelines show": lambda w, d: ["guidelines", "show", "2.0.0"],
    "guidelines check": lambda w, d: ["guidelines", "check"],
}
READERS = ("render", "validate", "agreement", "export", "adjudicate")  # every reader of a workspace
# fields a file may leave null (then only a value of another wrong type is tried)
NULLABLE = ("format", "created", "modified", "entities.0.needs_review")
# wrong types: the app opens the document when these fields are null (the rest: the commands only)
APP_FIELDS = ("doc_id", "status", "entities", "events", "entities.0", "entities.0.start")
FAST_READERS = ("validate", "export", "adjudicate")  # the loader's readers without polars start-up


# ----- ways to change a world ----------------------------------------------------------------
def edit_json(path: Path, change: Callable[[dict], Any]) -> None:
    data = orjson.loads(path.read_bytes())
    change(data)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))


def edit_index(w: World, change: Callable[[dict], Any], doc: int = 0) -> None:
    lines = w.index.read_bytes().splitlines()
    data = orjson.loads(lines[doc])
    change(data)
    lines[doc] = orjson.dumps(data)
    w.index.write_bytes(b"\n".join(lines) + b"\n")


def edit_jsonl(path: Path, change: Callable[[dict], Any]) -> None:
    lines = path.read_bytes().splitlines()
    data = orjson.loads(lines[0])
    change(data)
    lines[0] = orjson.dumps(data)
    path.write_bytes(b"\n".join(lines) + b"\n")


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _set(data: Any, key: str, value: Any) -> None:
    """Set a dotted path (``entities.0.start``) in parsed JSON."""
    *parents, last = [int(p) if p.isdigit() else p for p in key.split(".")]
    for part in parents:
        data = data[part]
    data[last] = value


def in_annotation(key: str, value: Any) -> Callable[[World], None]:
    """amal's file on the first document with ``key`` set to ``value``."""
    return lambda w: edit_json(w.annotation(), lambda d: _set(d, key, value))


def in_interchange(key: str, value: Any) -> Callable[[World], None]:
    """The interchange file's first line with ``key`` set to ``value``."""
    return lambda w: edit_jsonl(w.src / "in.jsonl", lambda d: _set(d, key, value))


def write(rel: str, data: bytes) -> Callable[[World], None]:
    def plant(w: World) -> None:
        path = w.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return plant


def _on_annotation(change: Callable[[bytes], bytes]) -> Callable[[World], None]:
    return lambda w: w.annotation().write_bytes(change(w.annotation().read_bytes()))


def _conflicted(raw: bytes) -> bytes:
    return b"<<<<<<< HEAD\n" + raw + b"=======\n" + raw.replace(b"ORG", b"PER") + b">>>>>>> origin/main\n"


def _symlink(rel: str, target: Callable[[World], str]) -> Callable[[World], None]:
    """``rel`` (in the workspace; ``{}``: the first document's id) made a link to ``target``."""

    def plant(w: World) -> None:
        path = w.ws / rel.format(w.docs[0])
        path.unlink(missing_ok=True)
        os.symlink(target(w), path)

    return plant


def _huge_text(w: World) -> None:
    paragraph = w.text(0).read_text(encoding="utf-8").encode("utf-8")
    with open(w.src / "texts" / "zz_huge.txt", "wb") as handle:
        for _ in range(100 * (1 << 20) // len(paragraph) + 1):
            handle.write(paragraph)


def _million_entities(w: World) -> None:
    labels = ("PER", "ORG", "GPE", "LOC", "FAC", "NORP", "WEA", "VEH", "MONEY", "CARDINAL", "TIMEX", "MEDIA")
    entities = []
    n = 0
    for length in range(1, 60):
        for start in range(0, 2000):
            for label in labels:
                n += 1
                entities.append({"id": f"T{n}", "start": start, "end": start + length, "label": label})
                if n == 1_000_000:
                    edit_json(w.annotation(), lambda data: data.update(entities=entities, events=[]))
                    return


def _deep(w: World) -> None:
    w.annotation().write_bytes(b"[" * 100_000 + b"]" * 100_000)


def _rename_ws(name: str) -> Callable[[World], None]:
    return lambda w: w.ws.rename(w.root / name)


def _annotator_folder(name: str) -> Callable[[World], None]:
    def plant(w: World) -> None:
        folder = w.ws / "annotations" / name
        folder.mkdir()
        for path in (w.ws / "annotations" / "bob").glob("*.json"):
            data = orjson.loads(path.read_bytes())
            data["annotator"] = name
            (folder / path.name).write_bytes(orjson.dumps(data))

    return plant


def _title(value: Any) -> Callable[[World], None]:
    return lambda w: edit_index(w, lambda d: d.update(title=value))


def _index_id(value: Any) -> Callable[[World], None]:
    return lambda w: edit_index(w, lambda d: d.update(id=value))


def _text_file(name: str, text: str) -> Callable[[World], None]:
    return write(f"src/texts/{name}.txt", text.encode("utf-8"))


# ----- the inputs ----------------------------------------------------------------------------
def inputs() -> list[Input]:
    found: list[Input] = []
    add = found.append

    for kind, payload in PAYLOADS.items():
        group = kind
        safe_name = payload.replace("\x00", "").replace("/", "")
        screens = "agreement" if kind == "controls" else "open"  # the agreement screen too, once
        add(
            Input(
                group,
                f"corpus text holding {kind}",
                _text_file("hostile", f"نص {payload} عربي\n"),
                ("import texts", "render", "agreement"),
                doc="hostile",
            )
        )
        add(
            Input(
                group,
                f"text file name holding {kind}",
                _text_file(f"n{safe_name}", "نص عربي\n"),
                ("import texts",),
                app=None,
            )
        )
        add(Input(group, f"document title in the index holding {kind}", _title(payload), ("render", "validate")))
        add(
            Input(
                group,
                f"entity label holding {kind}",
                in_annotation("entities.0.label", payload),
                READERS,
                app=screens,
                invalid=True,
            )
        )
        add(
            Input(
                group,
                f"label and review note holding {kind} (kept for review)",
                lambda w, p=payload: edit_json(
                    w.annotation(), lambda d: d["entities"][0].update(label=p, needs_review=p)
                ),
                READERS,
                app=screens,
            )
        )
        add(
            Input(
                group,
                f"entity id holding {kind}",
                lambda w, p=payload: edit_json(
                    w.annotation(),
                    lambda d: (d["entities"][0].update(id=p), d["events"][0]["arguments"][0].update(entity=p)),
                ),
                READERS,
                app=screens,
            )
        )
        add(
            Input(
                group,
                f"status holding {kind}",
                in_annotation("status", payload),
                READERS,
                app=screens,
                invalid=True,
            )
        )
        add(
            Input(
                group,
                f"event type and role holding {kind}",
                lambda w, p=payload: edit_json(
                    w.annotation(),
                    lambda d: (d["events"][0].update(type=p), d["events"][0]["arguments"][0].update(role=p)),
                ),
                READERS,
                app="open",
                invalid=True,
            )
        )
        add(
            Input(
                group,
                f"annotator folder name holding {kind}",
                _annotator_folder(f"x{safe_name}"),
                ("validate", "agreement tables", "adjudicate"),
                app=screens,
                invalid=True,
            )
        )
        add(
            Input(
                group, f"annotator name inside a file holding {kind}", in_annotation("annotator", payload), FAST_READERS
            )
        )
        add(
            Input(
                group,
                f"project name holding {kind}",
                lambda w, p=payload: replace_in(w.config, 'name = "ws"', f"name = {toml_string(p)}"),
                ("render", "validate", "agreement"),
            )
        )
        add(
            Input(
                group,
                f"schema title, description and example holding {kind}",
                lambda w, p=payload: (
                    replace_in(w.schema, 'description = "People:', f"description = {toml_string(p)[:-1]} People:"),
                    replace_in(w.schema, 'title = "Conflict', f"title = {toml_string(p)[:-1]}Conflict"),
                ),
                ("guidelines show", "guidelines check", "validate"),
            )
        )
        add(
            Input(
                group,
                f"schema label name holding {kind}",
                lambda w, p=payload: replace_in(w.schema, 'name = "PER"', f"name = {toml_string('PER' + p)}"),
                ("guidelines show", "guidelines check", "validate", "render"),
                invalid=True,
            )
        )
        add(
            Input(
                group,
                f"interchange label holding {kind}",
                in_interchange("entities.0.label", payload),
                ("import annotations",),
                app=None,
            )
        )
        add(
            Input(
                group,
                f"interchange document id holding {kind}",
                in_interchange("id", payload),
                ("import annotations",),
                app=None,
            )
        )
        add(
            Input(
                group,
                f"CoNLL tag holding {kind}",
                lambda w, p=payload: replace_in(w.src / "in.conll", "\tB-ORG", f"\tB-ORG{p.replace(chr(10), '')}"),
                ("import conll",),
                app=None,
            )
        )
        add(
            Input(
                group,
                f"command-line arguments holding {kind}",
                lambda w: None,
                (
                    ("render", payload),
                    ("import", "annotations", "src/in.jsonl", "--annotator", payload),
                    ("export", "--source", payload),
                    ("agreement", "--docs", payload, "--jobs", "1"),
                    ("adjudicate", "--strategy", "majority", "--annotators", f"amal,{payload}"),
                ),
                app=None,
            )
        )
        add(
            Input(
                group,
                f"user config name holding {kind}",
                write("home/config/annotator/user.toml", f"annotator = {toml_string(payload)}\n".encode()),
                ("resolve name",),
                app=None,
            )
        )
        if kind != "controls":  # a folder name cannot hold NUL
            add(
                Input(
                    group,
                    f"workspace path holding {kind}",
                    _rename_ws(f"ws{safe_name}"),
                    ("render", "validate", "agreement"),
                )
            )

    # ----- path tricks -----
    g = "path tricks"
    for value, what in (
        ("../../outside/secret", "a relative path out"),
        ("/etc/passwd", "an absolute path"),
        (5, "a number"),
        (None, "null"),
        ("", "empty"),
        ("a/b", "a slash"),
        (".hidden", "a dot name"),
        ("..", "'..'"),
    ):
        add(Input(g, f"index document id that is {what}", _index_id(value), READERS, invalid=True))
    for value, what in (("../../../outside/x", "a relative path out"), ("/tmp/x", "an absolute path"), (7, "a number")):
        add(
            Input(
                g,
                f"interchange document id that is {what}",
                in_interchange("id", value),
                ("import annotations",),
                app=None,
            )
        )
    add(
        Input(
            g,
            "annotation file whose doc_id is a path out",
            in_annotation("doc_id", "../../../outside/secret"),
            READERS,
            invalid=True,
        )
    )
    add(
        Input(
            g,
            "paths out on the command line",
            lambda w: None,
            (
                ("render", "../../outside/secret"),
                ("import", "annotations", "src/in.jsonl", "--annotator", "../outside"),
                ("export", "--source", "../../outside"),
                ("agreement", "--annotators", "amal,../outside", "--jobs", "1"),
            ),
            app=None,
        )
    )

    # ----- symbolic links -----
    g = "symlinks"
    add(
        Input(
            g,
            "corpus text that is a link to a file outside",
            _symlink("corpus/{}.txt", lambda w: str(w.outside / "secret.txt")),
            READERS,
            invalid=True,
        )
    )
    add(
        Input(
            g,
            "corpus text that is a link to itself (a loop)",
            _symlink("corpus/{}.txt", lambda w: f"{w.docs[0]}.txt"),
            READERS,
            invalid=True,
        )
    )
    add(
        Input(
            g,
            "import folder with a link to a file outside",
            lambda w: os.symlink(w.outside / "secret.txt", w.src / "texts" / "secret.txt"),
            ("import texts",),
            app=None,
        )
    )
    add(
        Input(
            g,
            "import folder with a link loop",
            lambda w: os.symlink(w.src / "texts", w.src / "texts" / "again"),
            ("import texts",),
            app=None,
        )
    )
    add(
        Input(
            g,
            "annotation file that is a link to a file outside",
            _symlink("annotations/amal/{}.json", lambda w: str(w.outside / "amal.json")),
            READERS,
        )
    )
    add(
        Input(
            g,
            "schema that is a link to itself (a loop)",
            _symlink("guidelines/2.0.0/schema.toml", lambda w: "schema.toml"),
            ("guidelines check", "validate", "render"),
            invalid=True,
        )
    )

    # ----- huge -----
    g = "huge"
    add(Input(g, "a 100 MB text", _huge_text, ("import texts", "validate"), app="list", timeout=180))
    add(
        Input(
            g,
            "an offset of 10**30",
            _on_annotation(lambda raw: raw.replace(b'"end": 7', b'"end": ' + b"1" + b"0" * 30, 1)),
            READERS,
            invalid=True,
        )
    )
    add(
        Input(
            g, "an offset of -2**63", in_annotation("entities.0.start", -(2**63)), FAST_READERS, app=None, invalid=True
        )
    )
    add(Input(g, "a million entities in one file", _million_entities, ("validate", "agreement", "export"), timeout=60))
    add(Input(g, "a 1 MB document title", _title("ع" * 1_000_000), ("validate",), app="list"))
    add(Input(g, "arrays nested 100,000 deep", _deep, FAST_READERS, invalid=True))

    # ----- malformed files -----
    g = "malformed"
    for what, change in (
        ("truncated", lambda raw: raw[: len(raw) // 2]),
        ("not UTF-8", lambda raw: raw.replace(b"ORG", b"\xff\xfe", 1)),
        ("with a BOM", lambda raw: b"\xef\xbb\xbf" + raw),
        ("holding git conflict markers", _conflicted),
        ("empty", lambda raw: b""),
        ("a JSON array", lambda raw: b"[" + raw + b"]"),
        ("with NaN", lambda raw: raw.replace(b'"start": 0', b'"start": NaN', 1)),
        ("with duplicate entity ids", lambda raw: raw.replace(b'"T2"', b'"T1"', 1)),
        ("of a future format (format 2)", lambda raw: raw.replace(b'"format": 1', b'"format": 2', 1)),
    ):
        add(Input(g, f"annotation file {what}", _on_annotation(change), READERS, invalid=True))
    for what, change in (
        ("truncated", lambda raw: raw[: len(raw) // 2]),
        ("not UTF-8", lambda raw: raw.replace(b"title", b"ti\xfftle", 1)),
        ("with a BOM", lambda raw: b"\xef\xbb\xbf" + raw),
        ("holding git conflict markers", lambda raw: b"<<<<<<< HEAD\n" + raw + b"=======\n>>>>>>> x\n"),
        ("with a document listed twice", lambda raw: raw + raw.splitlines(keepends=True)[0]),
    ):
        add(
            Input(
                g,
                f"corpus index {what}",
                lambda w, c=change: w.index.write_bytes(c(w.index.read_bytes())),
                READERS,
                invalid=True,
            )
        )
    for what, text in (
        (
            "holding git conflict markers",
            '<<<<<<< HEAD\n[project]\nname = "a"\n=======\n[project]\nname = "b"\n>>>>>>> x\n',
        ),
        ("not UTF-8", None),
        ('with project = "x"', 'project = "x"\n'),
        ("with guidelines naming a path", '[project]\nname = "x"\nguidelines = "../../outside"\n'),
        ("with bidi = 5", '[project]\nname = "x"\nguidelines = "2.0.0"\n[reader]\nbidi = 5\n'),
        ("empty", ""),
    ):
        data = b'[project]\nname = "\xff"\n' if text is None else text.encode()
        add(
            Input(
                g,
                f"annotator.toml {what}",
                lambda w, d=data: w.config.write_bytes(d),
                ("render", "validate", "agreement"),
                invalid=True,
            )
        )
    for what, change in (
        ("holding git conflict markers", lambda raw: b"<<<<<<< HEAD\n" + raw + b"=======\n>>>>>>> x\n"),
        ("truncated", lambda raw: raw[: len(raw) // 3]),
        ("not UTF-8", lambda raw: raw.replace(b"People", b"\xff", 1)),
    ):
        add(
            Input(
                g,
                f"schema.toml {what}",
                lambda w, c=change: w.schema.write_bytes(c(w.schema.read_bytes())),
                ("guidelines check", "validate", "render", "agreement"),
                invalid=True,
            )
        )
    add(
        Input(
            g,
            "corpus text not UTF-8",
            lambda w: w.text().write_bytes(b"\xff\xfe" + w.text().read_bytes()),
            READERS,
            invalid=True,
        )
    )
    add(Input(g, "corpus text missing", lambda w: w.text().unlink(), READERS, invalid=True))
    add(
        Input(g, "corpus text that is a folder", lambda w: (w.text().unlink(), w.text().mkdir()), READERS, invalid=True)
    )
    for what, change in (
        ("truncated", lambda raw: raw[: len(raw) // 2]),
        ("not UTF-8", lambda raw: raw.replace(b"ORG", b"\xff", 1)),
        ("with a BOM", lambda raw: b"\xef\xbb\xbf" + raw),
        ("holding git conflict markers", lambda raw: b"<<<<<<< HEAD\n" + raw + b"=======\n>>>>>>> x\n"),
        ("a JSON array per line", lambda raw: b"[" + raw.splitlines()[0] + b"]\n"),
        ("empty", lambda raw: b""),
    ):
        add(
            Input(
                g,
                f"interchange file {what}",
                lambda w, c=change: (w.src / "in.jsonl").write_bytes(c((w.src / "in.jsonl").read_bytes())),
                ("import annotations",),
                app=None,
            )
        )
    for what, change in (
        ("with E- then I-", lambda raw: raw.replace(b"\tB-ORG", b"\tE-ORG", 1).replace(b"\tO\n", b"\tI-ORG\n", 1)),
        ("with a line of the wrong width", lambda raw: raw.replace(b"\tB-ORG", b"\tB-ORG\textra", 1)),
        ("not UTF-8", lambda raw: raw.replace(b"B-ORG", b"B-\xff", 1)),
    ):
        add(
            Input(
                g,
                f"CoNLL file {what}",
                lambda w, c=change: (w.src / "in.conll").write_bytes(c((w.src / "in.conll").read_bytes())),
                ("import conll",),
                app=None,
            )
        )
    for what, data in (
        ("holding git conflict markers", b'<<<<<<< a\nannotator = "x"\n=======\n>>>>>>> b\n'),
        ("not UTF-8", b'annotator = "\xff"\n'),
    ):
        add(
            Input(
                g, f"user config {what}", write("home/config/annotator/user.toml", data), ("resolve name",), app="open"
            )
        )

    # ----- wrong types for every field -----
    g = "wrong types"
    seen: set[str] = set()
    for field, wrong in (
        ("doc_id", 5),
        ("text_sha256", 5),
        ("guidelines", 2.0),
        ("annotator", ["a"]),
        ("status", 1),
        ("format", "1"),
        ("created", 5),
        ("modified", []),
        ("entities", {}),
        ("events", "x"),
        ("entities.0.agreed_by", "amal"),
        ("entities.0", "T1"),
        ("entities.0.id", 1),
        ("entities.0.start", "0"),
        ("entities.0.start", 0.9),
        ("entities.0.end", True),
        ("entities.0.end", 1e30),
        ("entities.0.label", 5),
        ("entities.0.needs_review", 5),
        ("events.0", []),
        ("events.0.id", 1),
        ("events.0.type", None),
        ("events.0.trigger", "8-12"),
        ("events.0.trigger.start", "8"),
        ("events.0.arguments", {}),
        ("events.0.arguments.0", "Attacker"),
        ("events.0.arguments.0.role", 5),
        ("events.0.arguments.0.entity", 1),
    ):
        for value in [wrong] if field in NULLABLE or field in seen else _none_and(wrong):
            seen.add(field)
            add(
                Input(
                    g,
                    f"annotation file: {field} = {orjson.dumps(value).decode()}",
                    in_annotation(field, value),
                    FAST_READERS,
                    app="open" if value is None and field in APP_FIELDS else None,
                    invalid=True,
                )
            )
    for field, wrong in (
        ("id", 5),
        ("sha256", 5),
        ("chars", "2138"),
        ("chars", 2138.5),
        ("title", 5),
        ("bom", "no"),
        ("crlf", "0"),
        ("source", 5),
        ("imported", 5),
    ):
        for value in _none_and(wrong):
            add(
                Input(
                    g,
                    f"corpus index: {field} = {orjson.dumps(value).decode()}",
                    lambda w, f=field, v=value: edit_index(w, lambda d: d.update({f: v})),
                    ("render", "validate"),
                    app="list" if value is None else None,
                    invalid=True,
                )
            )
    for field, wrong in (
        ("id", 5),
        ("text_sha256", 5),
        ("guidelines", 2),
        ("entities", {}),
        ("entities.0.start", "0"),
        ("entities.0.label", 5),
        ("events.0.trigger", 5),
        ("events.0.arguments", "x"),
    ):
        for value in _none_and(wrong):
            add(
                Input(
                    g,
                    f"interchange line: {field} = {orjson.dumps(value).decode()}",
                    in_interchange(field, value),
                    ("import annotations",),
                    app=None,
                )
            )
    for what, text in (
        ("name = 5", '[project]\nname = 5\nguidelines = "2.0.0"\n'),
        ("guidelines = 5", '[project]\nname = "x"\nguidelines = 5\n'),
        ("reader = 5", 'reader = 5\n[project]\nname = "x"\nguidelines = "2.0.0"\n'),
    ):
        add(
            Input(
                g,
                f"annotator.toml: {what}",
                lambda w, t=text: w.config.write_text(t, encoding="utf-8"),
                ("render", "validate"),
                invalid=True,
            )
        )
    for what, old, new in (
        ("a label key = 5", 'key = "1"', "key = 5"),
        ('labels = "x"', "[[labels]]", 'labels = "x"\n[[x]]'),
        ('a role\'s entities = "PER"', 'entities = ["PER", "ORG", "GPE", "NORP"]', 'entities = "PER"'),
    ):
        add(
            Input(
                g,
                f"schema.toml: {what}",
                lambda w, o=old, n=new: replace_in(w.schema, o, n),
                ("guidelines check", "validate", "render"),
                invalid=True,
            )
        )
    return found


def _none_and(wrong: Any) -> list[Any]:
    """null, and a value of another wrong type (once, when that is null too)."""
    return [None] if wrong is None else [None, wrong]
