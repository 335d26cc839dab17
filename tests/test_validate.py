"""`annotator validate [--fix]`: every problem of a workspace, one line each; only safe fixes.

Each kind of problem is made in a copy of a clean workspace (the repository's own, with an
annotator's file, a gold file and a file under the older guidelines): exactly one line, naming the
right file, exit status 1. The command runs in-process (``annotator.cli.main``), as a user runs it.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from annotator.cli import main
from annotator.core.annotations.model import Argument, DocumentAnnotations, Entity, Event
from annotator.core.annotations.store import AnnotationStore
from annotator.core.corpus import Corpus
from annotator.core.validate import Problem, validate
from annotator.core.workspace import GITIGNORE, Workspace
from tests.conftest import REPO, SEED_IDS, CliResult, copy_workspace

DOC = SEED_IDS[0]
OTHER = SEED_IDS[1]


def run(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> CliResult:
    code = main(["--workspace", str(root), "validate", *args])
    out, err = capsys.readouterr()
    return CliResult(code, out, err)


def good_workspace(root: Path) -> Path:
    """The repository's workspace (with its .gitignore) and three valid annotation files."""
    copy_workspace(root)
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    ws = Workspace.open(root)
    corpus = Corpus(ws.corpus_dir)
    text = corpus.info(DOC)
    entities = (Entity("T1", 0, 7, "ORG"), Entity("T2", 8, 12, "GPE"))
    attack = Event("E1", "Conflict.Attack", 8, 12, (Argument("Attacker", "T1"),))
    doc = DocumentAnnotations(DOC, text.sha256, "2.0.0", "amal", "in_progress", entities, (attack,))
    AnnotationStore.of(ws, "amal", corpus).save(doc)
    AnnotationStore.of(ws, "gold", corpus).save(doc.with_(annotator="gold"))
    older = DocumentAnnotations(
        OTHER, corpus.info(OTHER).sha256, "1.0.0", "amal", "done", (Entity("T1", 0, 5, "DATE"),)
    )
    AnnotationStore.of(ws, "amal", corpus).save(older)  # migrates to 2.0.0 (DATE -> TIMEX): fine
    return root


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return good_workspace(tmp_path / "ws")


def problem_lines(result: CliResult) -> list[str]:
    assert "Traceback" not in result.err
    return result.out.splitlines()


# --------------------------------------------------------------------------- clean workspaces


def test_the_repository_workspace_is_clean(ws, capsys):
    result = run(ws, capsys=capsys)
    assert (result.code, problem_lines(result)) == (0, []), result.out
    assert "ok" in result.err


def test_a_new_example_workspace_is_clean(tmp_path, capsys):
    assert main(["init", str(tmp_path / "new"), "--example"]) == 0
    capsys.readouterr()
    result = run(tmp_path / "new", capsys=capsys)
    assert (result.code, problem_lines(result)) == (0, []), result.out


# --------------------------------------------------------------------------- one problem of each kind


def write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = orjson.loads(path.read_bytes())
    change(data)
    path.write_bytes(orjson.dumps(data))


def edit_index(root: Path, change: Callable[[dict], None]) -> None:
    index = root / "corpus" / "index.jsonl"
    lines = [orjson.loads(line) for line in index.read_bytes().splitlines()]
    for line in lines:
        if line["id"] == DOC:
            change(line)
    index.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def conflict(text: str) -> str:
    """``text`` as git leaves it after a pull that conflicted on its first line."""
    first, _, rest = text.partition("\n")
    return f"<<<<<<< HEAD\n{first}\n=======\n{first} changed\n>>>>>>> origin/main\n{rest}"


def amal(root: Path, doc: str = DOC) -> Path:
    return root / "annotations" / "amal" / f"{doc}.json"


def set_entity_end(end: int) -> Callable[[dict], None]:
    return lambda data: data["entities"][0].update(end=end)


CASES: dict[str, tuple[Callable[[Path], object], str, str]] = {
    # name: (how the workspace is broken, the file the one line names (and place), what it says)
    "config not TOML": (lambda r: write(r / "annotator.toml", "[project\n"), "annotator.toml", "not valid TOML"),
    "config conflicted": (
        lambda r: write(r / "annotator.toml", conflict((r / "annotator.toml").read_text())),
        "annotator.toml",
        "unresolved git merge conflict",
    ),
    "config without name": (
        lambda r: write(r / "annotator.toml", '[project]\nguidelines = "2.0.0"\n'),
        "annotator.toml",
        "name and guidelines",
    ),
    "config project not a table": (
        lambda r: write(r / "annotator.toml", 'project = "x"\n'),
        "annotator.toml",
        "[project] must be a table",
    ),
    "config bidi unknown": (
        lambda r: write(r / "annotator.toml", (r / "annotator.toml").read_text().replace('"auto"', '"sideways"')),
        "annotator.toml:[reader] bidi",
        "unknown bidi mode",
    ),
    "config names missing guidelines": (
        lambda r: write(r / "annotator.toml", '[project]\nname = "x"\nguidelines = "9.9.9"\n'),
        "annotator.toml:[project] guidelines",
        "'9.9.9'",
    ),
    "guidelines manual section missing": (
        lambda r: write(
            r / "guidelines/1.0.0/guidelines.md",
            (r / "guidelines/1.0.0/guidelines.md").read_text().replace("## PER\n", "## PERSON\n"),
        ),
        "guidelines/1.0.0/guidelines.md",
        "'## PER'",
    ),
    "index line not JSON": (
        lambda r: write(r / "corpus/index.jsonl", (r / "corpus/index.jsonl").read_bytes() + b"{oops\n"),
        "corpus/index.jsonl:6",
        "corpus index",
    ),
    "index length wrong": (
        lambda r: edit_index(r, lambda line: line.update(chars=line["chars"] + 1)),
        f"corpus/{DOC}.txt",
        "the index says",
    ),
    "text missing": (lambda r: (r / f"corpus/{DOC}.txt").unlink(), f"corpus/{DOC}.txt", "missing"),
    "text not UTF-8": (
        lambda r: write(r / f"corpus/{DOC}.txt", b"ok \xff"),
        f"corpus/{DOC}.txt:byte 3",
        "not valid UTF-8",
    ),
    "text is a folder": (
        lambda r: ((r / f"corpus/{DOC}.txt").unlink(), (r / f"corpus/{DOC}.txt").mkdir()),
        f"corpus/{DOC}.txt",
        "not a regular file (a folder)",
    ),
    "text is a symlink": (
        lambda r: (
            (r / f"corpus/{DOC}.txt").rename(r / "elsewhere"),
            (r / f"corpus/{DOC}.txt").symlink_to("/etc/passwd"),
        ),
        f"corpus/{DOC}.txt",
        "symbolic link",
    ),
    "text changed": (
        lambda r: write(r / f"corpus/{DOC}.txt", (r / f"corpus/{DOC}.txt").read_text() + "x"),
        f"corpus/{DOC}.txt",
        "sha256",
    ),
    "text with CRLF": (
        lambda r: write(r / f"corpus/{DOC}.txt", (r / f"corpus/{DOC}.txt").read_text().replace("\n", "\r\n")),
        f"corpus/{DOC}.txt",
        "CRLF",
    ),
    "text conflicted": (
        lambda r: write(r / f"corpus/{DOC}.txt", conflict((r / f"corpus/{DOC}.txt").read_text())),
        f"corpus/{DOC}.txt",
        "unresolved git merge conflict",
    ),
    "text not in the index": (lambda r: write(r / "corpus/stray.txt", "نص"), "corpus/stray.txt", "never be annotated"),
    "folder not a name": (
        lambda r: shutil.copytree(r / "annotations/amal", r / "annotations/two words"),
        "annotations/two words",
        "bad annotator name",
    ),
    "folder Gold": (
        lambda r: shutil.copytree(r / "annotations/gold", r / "annotations/Gold"),
        "annotations/Gold",
        "reserved",
    ),
    "annotation of no document": (
        lambda r: shutil.copy(amal(r), amal(r, "nosuch")),
        "annotations/amal/nosuch.json",
        "no document 'nosuch'",
    ),
    "annotation span outside the text": (
        lambda r: edit_json(amal(r), set_entity_end(10**6)),
        f"annotations/amal/{DOC}.json:entities[0]",
        "outside the text",
    ),
    "annotation label unknown": (
        lambda r: edit_json(amal(r), lambda d: d["entities"][0].update(label="NOPE")),
        f"annotations/amal/{DOC}.json:entities[0].label",
        "'NOPE'",
    ),
    "annotation not JSON": (lambda r: write(amal(r), b"{"), f"annotations/amal/{DOC}.json", "not valid JSON"),
    "annotation conflicted": (
        lambda r: write(amal(r), conflict(amal(r).read_text())),
        f"annotations/amal/{DOC}.json",
        "unresolved git merge conflict",
    ),
    "annotation on another text": (
        lambda r: edit_json(amal(r), lambda d: d.update(text_sha256="0" * 64)),
        f"annotations/amal/{DOC}.json:text_sha256",
        "another text",
    ),
    "annotation newer than the workspace": (
        lambda r: (
            write(r / "annotator.toml", (r / "annotator.toml").read_text().replace('"2.0.0"', '"1.0.0"')),
            shutil.rmtree(r / "annotations/gold"),  # under 2.0.0 too
        ),
        f"annotations/amal/{DOC}.json",
        "newer than the workspace",
    ),
    "gold file invalid": (
        lambda r: edit_json(r / f"annotations/gold/{DOC}.json", lambda d: d.update(status="maybe")),
        f"annotations/gold/{DOC}.json:status",
        "unknown status",
    ),
    "temp file in the corpus": (
        lambda r: write(r / "corpus/.index.jsonl.k2j3h4g5.tmp", "{"),
        "corpus/.index.jsonl.k2j3h4g5.tmp",
        "temp file",
    ),
    "temp file of an annotation": (
        lambda r: write(r / f"annotations/amal/.{DOC}.json.a1b2c3d4.tmp", "{"),
        f"annotations/amal/.{DOC}.json.a1b2c3d4.tmp",
        "temp file",
    ),
    "no .gitignore": (lambda r: (r / ".gitignore").unlink(), ".gitignore", "missing"),
    ".gitignore without the lines": (lambda r: write(r / ".gitignore", "exports/*/\n"), ".gitignore", "'.locks/'"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_problem_is_one_line_naming_its_file(ws, capsys, case):
    break_it, where, says = CASES[case]
    break_it(ws)
    result = run(ws, capsys=capsys)
    lines = problem_lines(result)
    assert result.code == 1, result.out + result.err
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{where}: "), (lines[0], where)
    assert says in lines[0]


def test_every_problem_is_reported_at_once(ws, capsys):
    chosen = ["text missing", "annotation span outside the text", "folder not a name", "no .gitignore"]
    for case in chosen:
        CASES[case][0](ws)
    result = run(ws, capsys=capsys)
    lines = problem_lines(result)
    assert result.code == 1
    assert sorted(line.split(": ")[0] for line in lines) == sorted(CASES[c][1] for c in chosen)
    assert "4 problems" in result.err and "1 of them fixed by 'annotator validate --fix'" in result.err


def test_the_core_gives_typed_problems(ws):
    edit_json(amal(ws), set_entity_end(10**6))
    write(ws / "corpus/.index.jsonl.k2j3h4g5.tmp", "{")
    assert validate(ws) == [  # in check order: the corpus folder, then the annotation files
        Problem(
            "temp", "corpus/.index.jsonl.k2j3h4g5.tmp", "", "temp file left by an interrupted save or import", True
        ),
        Problem(
            "annotation",
            f"annotations/amal/{DOC}.json",
            "entities[0]",
            "entity T1: span 0-1000000 is empty, reversed or outside the text (0-2138)",
        ),
    ]


def test_no_control_sequence_from_a_file_name_reaches_the_terminal(ws, capsys):
    write(ws / "corpus" / "\x1b]0;owned\x07\x1b[2J.txt", "نص")
    result = run(ws, capsys=capsys)
    assert result.code == 1
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert len(problem_lines(result)) == 1


def test_outside_a_workspace_is_bad_input(tmp_path, capsys):
    result = run(tmp_path, capsys=capsys)
    assert result.code == 2 and "no workspace here" in result.err


# --------------------------------------------------------------------------- --fix


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its sha256 (lock files left out: taking a lock is how --fix
    sees that nobody is editing a document)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".locks" not in path.parts
    }


def test_fix_removes_stale_temp_files_and_writes_gitignore_and_nothing_else(ws, capsys):
    (ws / ".gitignore").unlink()
    edit_json(amal(ws), set_entity_end(10**6))  # not fixable: left as it is
    before = tree(ws)
    stale = [ws / "corpus/.index.jsonl.k2j3h4g5.tmp", ws / f"annotations/amal/.{DOC}.json.a1b2c3d4.tmp"]
    stale.append(ws / f"annotations/gold/.{DOC}.json.old.zz99yy88.tmp")
    stale.append(ws / ".annotator.toml.q1w2e3r4.tmp")
    for path in stale:
        write(path, "{")
    result = run(ws, "--fix", capsys=capsys)
    lines = problem_lines(result)
    fixed = [line for line in lines if line.startswith("fixed: ")]
    assert len(fixed) == 5, lines  # four temp files and .gitignore
    assert not any(path.exists() for path in stale)
    assert (ws / ".gitignore").read_text() == GITIGNORE
    after = tree(ws)
    assert after.pop(".gitignore")
    assert after == before
    # Checked again: what is left is what cannot be fixed.
    assert [line for line in lines if not line.startswith("fixed: ")] == [
        f"annotations/amal/{DOC}.json:entities[0]: entity T1: span 0-1000000 is empty, reversed or outside the text "
        "(0-2138)"
    ]
    assert result.code == 1


def test_fix_leaves_the_temp_file_of_a_document_being_edited(ws, capsys):
    tmp = ws / f"annotations/amal/.{DOC}.json.a1b2c3d4.tmp"
    editor = AnnotationStore.of(Workspace.open(ws), "amal").lock(DOC)
    assert editor.acquire() is None
    write(tmp, "{")  # the editor's save, under way
    try:
        result = run(ws, "--fix", capsys=capsys)
    finally:
        editor.release()
    lines = problem_lines(result)
    assert tmp.exists()
    assert lines[0].startswith(
        f"not fixed: annotations/amal/.{DOC}.json.a1b2c3d4.tmp: left: {DOC} is being edited (pid "
    )
    assert lines[1:] == [f"annotations/amal/.{DOC}.json.a1b2c3d4.tmp: temp file left by an interrupted save or import"]
    assert result.code == 1
    # Once the editor has gone, --fix removes it.
    result = run(ws, "--fix", capsys=capsys)
    assert result.code == 0 and not tmp.exists()


def test_fix_appends_to_a_teams_gitignore_keeping_every_byte_of_it(ws, capsys):
    own = b"# ours\nexports/*/\n*.tmp"  # no newline at the end
    write(ws / ".gitignore", own)
    result = run(ws, "--fix", capsys=capsys)
    assert result.code == 0, result.out
    written = (ws / ".gitignore").read_bytes()
    assert written.startswith(own + b"\n")
    assert written[len(own) + 1 :].decode().splitlines()[1:] == [".locks/", ".cache/"]


def test_fix_with_nothing_to_fix_changes_nothing(ws, capsys):
    before = tree(ws)
    result = run(ws, "--fix", capsys=capsys)
    assert (result.code, result.out) == (0, "")
    assert tree(ws) == before


def test_fix_that_cannot_remove_a_file_says_so(ws, capsys, monkeypatch):
    tmp = ws / "corpus/.index.jsonl.k2j3h4g5.tmp"
    write(tmp, "{")
    unlink = Path.unlink

    def refused(path: Path, missing_ok: bool = False) -> None:
        if path == tmp:
            raise PermissionError(13, "Permission denied", str(path))
        unlink(path, missing_ok)

    monkeypatch.setattr(Path, "unlink", refused)
    result = run(ws, "--fix", capsys=capsys)
    assert result.code == 1 and tmp.exists()
    assert problem_lines(result) == [
        "not fixed: corpus/.index.jsonl.k2j3h4g5.tmp: left: cannot remove it (Permission denied)",
        "corpus/.index.jsonl.k2j3h4g5.tmp: temp file left by an interrupted save or import",
    ]


def test_a_large_workspace_reports_its_progress_and_is_clean(tmp_path):
    from annotator.synthetic import generate

    generate(tmp_path / "big", docs=600, annotators=1, entities=4, events=1)
    seen: list[tuple[str, int, int]] = []
    assert validate(tmp_path / "big", lambda stage, done, total: seen.append((stage, done, total))) == []
    assert ("corpus texts", 500, 600) in seen
    assert ("annotation files", 1000, 1200) in seen  # one annotator and gold


def test_files_git_left_conflicted_are_named_as_such(ws, capsys):
    schema = ws / "guidelines/2.0.0/schema.toml"
    write(schema, conflict(schema.read_text()))
    index = ws / "corpus/index.jsonl"
    write(index, conflict(index.read_text()))
    lines = problem_lines(run(ws, capsys=capsys))
    about = {line.split(":")[0] for line in lines if "unresolved git merge conflict" in line}
    assert about == {"guidelines/2.0.0/schema.toml", "corpus/index.jsonl"}, lines
