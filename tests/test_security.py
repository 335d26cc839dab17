"""Nothing let in: text from a file, a name or a path never reaches the terminal as a control
sequence or as markup (every command, every report format); a bad config or a version
that is not one gives one line, never a traceback, and never names a path outside the
workspace. The app's side is tests/tui/test_hostile_inputs.py."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.text.printable import printable
from tests.conftest import CliResult, assert_one_error, copy_workspace
from tests.hostile import CONTROL, DOC_ID, HOSTILE, LITERAL, RAW, Hostile, hostile_workspace


def run(*args: str | Path, cwd: Path) -> CliResult:
    env = {k: v for k, v in os.environ.items() if k not in ("ANNOTATOR_BIDI", "NO_COLOR", "FORCE_COLOR")}
    env["COLUMNS"] = "400"  # rich wraps tables to the terminal width: keep the payload on one line
    proc = subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)], cwd=cwd, env=env, capture_output=True, timeout=120
    )
    return CliResult(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    return hostile_workspace(tmp_path_factory.mktemp("hostile") / "ws")


# --------------------------------------------------------------------------- the one function


def test_printable_shows_controls_names_bidi_controls_and_keeps_arabic():
    shown = printable(HOSTILE + "\u2028عربي\u200d\udcff")
    assert not RAW.search(shown) and "\u2028" not in shown
    assert "␛[2J" in shown and "␛]52;c;aGk=␇" in shown and "\ufffd31m" in shown and "␡␀␇" in shown
    assert LITERAL in shown and "<U+202E>" in shown and "<U+2028>" in shown
    assert "عربي\u200d" in shown and shown.endswith("\ufffd")  # a lone surrogate (a file name) can be encoded
    shown.encode("utf-8")
    assert printable("a\nb\tc") == "a␊b c" and printable("a\nb\x1b", newlines=True) == "a\nb␛"


# --------------------------------------------------------------------------- every command


COMMANDS = [
    ("guidelines", "list"),
    ("guidelines", "show", "2.0.0", "--manual"),
    ("guidelines", "diff", "1.0.0", "2.0.0"),
    ("guidelines", "check"),
    ("render", DOC_ID, "--width", "30", "--bidi", "app"),
    ("render", DOC_ID, "--width", "30", "--bidi", "terminal"),
    ("render", "nothing" + HOSTILE.replace("\x00", "")),
    ("agreement",),
    ("agreement", "--format", "markdown"),
    ("agreement", "--format", "html"),
    ("agreement", "--format", "csv"),
    ("agreement", "--format", "json"),
    ("agreement", "--docs", HOSTILE.replace("\x00", "")),
    ("export", "--source", "badr", "--out", "{tmp}/export"),
    ("export", "--source", "amal", "--out", "{tmp}/export-amal"),
    ("doctor",),
    ("validate",),
    ("import", "annotations", "{tmp}/missing" + HOSTILE.replace("\x00", "").replace("/", "") + ".jsonl"),
    ("import", "texts", "{tmp}/missing" + HOSTILE.replace("\x00", "").replace("/", "") + ".txt"),
    ("--annotator", HOSTILE.replace("\x00", ""), "import", "annotations", "{tmp}/x.jsonl"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args)[:40].encode("unicode_escape").decode())
def test_no_command_sends_a_terminal_code_or_reads_markup(hostile: Hostile, tmp_path: Path, args: tuple[str, ...]):
    result = run(*(a.replace("{tmp}", str(tmp_path)) for a in args), cwd=hostile.root)
    assert result.code in ((0, 1) if args == ("validate",) else (0, 2)), result.err
    assert "Traceback" not in result.err and "MarkupError" not in result.err
    # The one exception: corpus text laid out for a terminal that does BiDi itself keeps its
    # bidi controls (the terminal needs them to order the text); its controls are shown.
    raw = CONTROL if "terminal" in args else RAW
    for stream in (result.out, result.err):
        assert not raw.search(stream), raw.findall(stream)
    if result.code == 2:
        assert all(line.startswith("annotator: error: ") for line in result.err.splitlines()), result.err


@pytest.mark.parametrize("args", [("guidelines", "show", "2.0.0", "--manual"), ("guidelines", "list")])
def test_schema_text_is_shown_literally(hostile: Hostile, args: tuple[str, ...]):
    result = run(*args, cwd=hostile.root)
    assert result.code == 0, result.err
    assert printable(HOSTILE) in result.out  # the title, a description, the manual: markup and all, as written


def test_a_markup_document_id_is_not_read_as_markup(hostile: Hostile):
    result = run("agreement", cwd=hostile.root)
    assert result.code == 0, result.err
    assert DOC_ID in result.out and printable(HOSTILE) in result.out  # the id and the label as they are


def test_adjudicate_shows_data(hostile: Hostile, tmp_path: Path):
    root = tmp_path / "ws"
    shutil.copytree(hostile.root, root)  # adjudication writes gold
    result = run("adjudicate", "--strategy", "majority", cwd=root)
    assert result.code == 2 and "Traceback" not in result.err  # amal's refused file is named
    assert not RAW.search(result.out + result.err)
    assert DOC_ID in result.out


def test_the_reports_carry_the_data_and_no_code(hostile: Hostile):
    """JSON keeps every string exactly (escaped, not replaced); Markdown escapes its own
    markup; HTML escapes tags; CSV shows controls as symbols."""
    raw = run("agreement", "--format", "json", cwd=hostile.root)
    assert not RAW.search(raw.out)
    report = orjson.loads(raw.out)
    assert HOSTILE in report["labels"]
    assert any(HOSTILE in d["text"] for d in report["disagreements"])
    markdown = run("agreement", "--format", "markdown", cwd=hostile.root).out
    assert r"\[@click=app.quit\]x\[/\]" in markdown and "[@click" not in markdown.replace(r"\[@click", "")
    assert "\\<U+202E\\>" in markdown  # CommonMark shows <U+202E>, no tag
    page = run("agreement", "--format", "html", cwd=hostile.root).out
    assert "␛]52;c;aGk=␇" in page and "[link=file:///etc/passwd]" in page
    csv = run("agreement", "--format", "csv", cwd=hostile.root).out
    assert printable(HOSTILE) in csv


def test_a_file_name_that_is_not_utf8_is_shown(hostile: Hostile, tmp_path: Path):
    name = os.fsdecode(bytes(tmp_path) + b"/\xff\x1b]0;x\x07.jsonl")
    result = run("import", "annotations", name, "--annotator", "x", cwd=hostile.root)
    line = assert_one_error(result, "\ufffd␛]0;x␇.jsonl")
    assert not RAW.search(line)


@pytest.mark.parametrize("name", [b"\xffx.txt", "x\x9b31m.txt".encode()], ids=["not UTF-8", "C1"])
def test_a_text_whose_name_cannot_be_an_id_is_one_line(tmp_path: Path, name: bytes):
    """A file name that is not UTF-8 became an id no index line can hold (a traceback)."""
    root = copy_workspace(tmp_path / "ws")
    path = os.fsdecode(bytes(tmp_path) + b"/" + name)
    Path(path).write_text("نص\n", encoding="utf-8")
    index = (root / "corpus" / "index.jsonl").read_bytes()
    line = assert_one_error(run("import", "texts", path, cwd=root), "bad document id")
    assert not RAW.search(line) and (root / "corpus" / "index.jsonl").read_bytes() == index


def test_a_workspace_path_with_markup_is_shown_as_it_is(tmp_path: Path):
    root = copy_workspace(tmp_path / "w[/]s[@click=app.quit]x[bold]")
    result = run("guidelines", "list", cwd=root)
    assert result.code == 0, result.err
    assert str(root) in result.out


# --------------------------------------------------------------------------- bad configs


CONFIGS = [
    ('project = "x"\n', "[project] must be a table"),
    ('reader = 3\n[project]\nname = "a"\nguidelines = "2.0.0"\n', "[reader] must be a table"),
    ('[project]\nname = 3\nguidelines = "2.0.0"\n', "[project] needs name and guidelines"),
    ('[project]\nname = "a"\n', "[project] needs name and guidelines"),
    ('[project]\nname = "a"\nguidelines = "../../../outside"\n', "is not a version"),
    ('[project]\nname = "a"\nguidelines = "2.0.0"\n[reader]\nbidi = 3\n', "[reader] bidi must be a string"),
    ('[project]\nname = "a"\nguidelines = "2.0.0"\n[reader]\nbidi = "x"\n', "unknown bidi mode"),
    ("[project\n", "not valid TOML"),
    (b"\xff\xfe", "cannot read the workspace config"),
]


@pytest.mark.parametrize("config, why", CONFIGS, ids=[why for _, why in CONFIGS])
@pytest.mark.parametrize("command", [("render", "x"), ("guidelines", "list"), ("agreement",), ("doctor",)])
def test_a_bad_config_is_one_line(tmp_path: Path, config: str | bytes, why: str, command: tuple[str, ...]):
    root = copy_workspace(tmp_path / "ws")
    path = root / "annotator.toml"
    path.write_bytes(config if isinstance(config, bytes) else config.encode())
    result = run(*command, cwd=root)
    if command == ("doctor",):  # the doctor works anywhere: a broken workspace is no reason to stop
        assert result.code == 0 and "Traceback" not in result.err, result.err
        return
    assert_one_error(result, str(path), why)


# --------------------------------------------------------------------------- versions are not paths


def test_a_version_that_is_not_one_names_no_folder(tmp_path: Path):
    """A version read from an annotation file or a config becomes a folder name: one like
    ../../outside is refused before any path is made of it (the schema there is never read)."""
    from annotator.core.guidelines.registry import registry
    from annotator.core.guidelines.schema import load_schema, manual_sections

    root = copy_workspace(tmp_path / "a" / "ws")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "schema.toml").write_text((root / "guidelines" / "2.0.0" / "schema.toml").read_text("utf-8"), "utf-8")
    (outside / "guidelines.md").write_text("## PER\nread from outside\n", "utf-8")
    version = "../../outside"
    for read in (load_schema, manual_sections, lambda d, v: registry(d).vocabulary(v)):
        with pytest.raises(AnnotatorError, match="is not a version"):
            read(root / "guidelines", version)


def test_an_annotation_file_naming_a_path_as_its_version_is_refused(hostile: Hostile, tmp_path: Path):
    root = copy_workspace(tmp_path / "ws")
    ids = [line for line in (root / "corpus" / "index.jsonl").read_bytes().splitlines()]
    info = orjson.loads(ids[0])
    folder = root / "annotations" / "amal"
    folder.mkdir(parents=True)
    data = {"doc_id": info["id"], "text_sha256": info["sha256"], "guidelines": "../../../x", "annotator": "amal"}
    (folder / f"{info['id']}.json").write_bytes(orjson.dumps({**data, "status": "done", "entities": [], "events": []}))
    result = run("export", "--source", "amal", "--out", tmp_path / "out", cwd=root)
    assert_one_error(result, "guidelines '../../../x'", "is not a version")


def test_a_manual_that_is_not_utf8_is_one_line(tmp_path: Path):
    root = copy_workspace(tmp_path / "ws")
    manual = root / "guidelines" / "2.0.0" / "guidelines.md"
    manual.write_bytes(b"## PER\n\xff\n")
    from annotator.core.guidelines.schema import manual_sections

    with pytest.raises(AnnotatorError, match="not valid UTF-8"):
        manual_sections(root / "guidelines", "2.0.0")


# --------------------------------------------------------------------------- ids are not paths


OUTSIDE = "../../../outside"  # from corpus/ (or annotations/NAME/): a file beside the workspace's folder


@pytest.fixture
def traversal(tmp_path: Path) -> Path:
    """A workspace three folders down whose index names a document ../../../outside; that
    file exists beside ``tmp_path``'s workspace tree, as does an annotation file for it."""
    root = copy_workspace(tmp_path / "a" / "b" / "ws")
    secret = "secret outside\n"
    (tmp_path / "outside.txt").write_text(secret, "utf-8")
    line = {"id": OUTSIDE, "sha256": hashlib.sha256(secret.encode()).hexdigest(), "chars": len(secret), "title": "x"}
    index = root / "corpus" / "index.jsonl"
    index.write_bytes(index.read_bytes() + orjson.dumps(line) + b"\n")
    info = orjson.loads(index.read_bytes().splitlines()[0])
    for name in ("amal", "badr"):
        folder = root / "annotations" / name
        folder.mkdir(parents=True)
        data = {"doc_id": info["id"], "text_sha256": info["sha256"], "guidelines": "2.0.0", "annotator": name}
        entities = [{"id": "T1", "start": 0, "end": 3, "label": "PER"}]
        (folder / f"{info['id']}.json").write_bytes(orjson.dumps({**data, "entities": entities, "events": []}))
    line = {"doc_id": OUTSIDE, "text_sha256": line["sha256"], "guidelines": "2.0.0", "entities": [], "events": []}
    (tmp_path / "in.jsonl").write_bytes(orjson.dumps(line) + b"\n")
    return root


TRAVERSALS = [
    ("render", OUTSIDE),
    ("agreement",),
    ("agreement", "--docs", OUTSIDE),
    ("adjudicate", "--strategy", "majority"),
    ("adjudicate", "--strategy", "majority", "--docs", OUTSIDE),
    ("export", "--source", "amal", "--out", "{tmp}/export"),
    ("export", "--source", "amal", "--docs", OUTSIDE, "--out", "{tmp}/export"),
    ("import", "annotations", "{tmp}/in.jsonl", "--annotator", "amal"),
    ("import", "texts", "{tmp}/outside.txt"),
]


@pytest.mark.parametrize("args", TRAVERSALS, ids=" ".join)
def test_an_id_that_leaves_the_workspace_is_refused(traversal: Path, tmp_path: Path, args: tuple[str, ...]):
    """Every command refuses the index while it has a bad line: one line naming it; nothing
    is written anywhere (inside the workspace or out) and the outside file is never shown."""
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = run(*(a.replace("{tmp}", str(tmp_path)) for a in args), cwd=traversal)
    assert_one_error(result, "index.jsonl:6", "bad document id", OUTSIDE)
    assert "secret" not in result.out + result.err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- bad annotation files


BAD_FILES = {  # annotator: (guidelines, entities as JSON)
    "amal": ("2.0.0", b'[{"id":"T1","start":0,"end":3,"label":"PER"},{"id":"T1","start":5,"end":8,"label":"ORG"}]'),
    "badr": ("2.0.0", b'[{"id":"T1","start":0,"end":1' + b"0" * 30 + b',"label":"PER"}]'),  # an offset of 10**30
    "carl": ("../../outside", b"[]"),  # a version that is a path
}


@pytest.mark.parametrize(
    "args, code",
    [
        (("agreement",), 0),  # excluded, each with its reason
        (("export", "--source", "amal", "--out", "{tmp}/out"), 2),
        (("export", "--source", "badr", "--out", "{tmp}/out"), 2),
        (("export", "--source", "carl", "--out", "{tmp}/out"), 2),
        (("adjudicate", "--strategy", "majority"), 2),
        (("validate",), 1),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_bad_annotation_files_are_named_never_a_traceback(tmp_path: Path, args: tuple[str, ...], code: int):
    root = copy_workspace(tmp_path / "ws")
    info = orjson.loads((root / "corpus" / "index.jsonl").read_bytes().splitlines()[0])
    for name, (guidelines, entities) in BAD_FILES.items():
        folder = root / "annotations" / name
        folder.mkdir(parents=True)
        head = {"doc_id": info["id"], "text_sha256": info["sha256"], "guidelines": guidelines, "annotator": name}
        raw = orjson.dumps({**head, "status": "done", "events": []})[:-1] + b',"entities":' + entities + b"}"
        (folder / f"{info['id']}.json").write_bytes(raw)
    result = run(*(a.replace("{tmp}", str(tmp_path)) for a in args), cwd=root)
    assert result.code == code and "Traceback" not in result.err, result.err
    said = result.out + result.err
    named = [name for name in BAD_FILES if f"{name}/{info['id']}.json" in said]
    assert named == ([args[2]] if args[0] == "export" else list(BAD_FILES)), said
    assert not (tmp_path / "out").exists()
