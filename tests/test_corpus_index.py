"""The corpus index is read line by line, every key and value checked: a bad line never crashes
anything. ``Corpus(dir)`` keeps the good documents and lists every bad line in ``problems``
(file:line, what, why); the commands whose result would be wrong without a document refuse
with the first problem as one line; ``import texts`` never rewrites an index it could not
read whole. A stored text that is missing, a folder, a fifo, not UTF-8 or a link out of the
corpus folder is one AnnotatorError naming the file."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from annotator.cli import main
from annotator.core.corpus import Corpus, sha256_text
from annotator.core.errors import AnnotatorError
from annotator.core.workspace import Workspace, init_workspace
from tests.conftest import assert_one_error

TEXT = "نص المقال\n"


def entry(doc_id: object = "doc", **changes: object) -> dict:
    good = {
        "id": doc_id,
        "sha256": sha256_text(TEXT),
        "chars": len(TEXT),
        "title": "نص المقال",
        "bom": False,
        "crlf": 0,
        "source": "doc.txt",
        "imported": "2025-01-01T00:00:00+00:00",
    }
    return {**good, **changes}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace with two good documents, 'doc' and 'other'."""
    ws = init_workspace(tmp_path / "ws")
    for doc_id in ("doc", "other"):
        (ws.corpus_dir / f"{doc_id}.txt").write_text(TEXT, encoding="utf-8")
    write_index(ws, [entry("doc"), entry("other")])
    return ws


def write_index(ws: Workspace, lines: list[object]) -> Path:
    path = ws.corpus_dir / "index.jsonl"
    path.write_bytes(b"".join((x if isinstance(x, bytes) else orjson.dumps(x)) + b"\n" for x in lines))
    return path


BAD_LINES = {
    "id-number": (entry(7), "'id' must be a string"),
    "id-null": (entry(None), "'id' must be a string"),
    "id-traversal": (entry("../../../outside"), "bad document id '../../../outside'"),
    "id-empty": (entry(""), "bad document id ''"),
    "id-control": (entry("a\x1bb"), "bad document id"),
    "chars-string": (entry("x", chars="12"), "'chars' must be a whole number"),
    "chars-negative": (entry("x", chars=-1), "'chars' must be a whole number"),
    "chars-float": (entry("x", chars=1.5), "'chars' must be a whole number"),
    "chars-bool": (entry("x", chars=True), "'chars' must be a whole number"),
    "sha256-number": (entry("x", sha256=123), "'sha256' must be a string"),
    "sha256-not-hex": (entry("x", sha256="abc"), "'sha256' must be 64 lowercase hex digits"),
    "title-null": (entry("x", title=None), "'title' must be a string"),
    "bom-string": (entry("x", bom="yes"), "'bom' must be true or false"),
    "crlf-string": (entry("x", crlf="0"), "'crlf' must be a whole number"),
    "extra-key": (entry("x", path="/etc/shadow"), "unknown key 'path'"),
    "missing-key": ({k: v for k, v in entry("x").items() if k != "sha256"}, "missing 'sha256'"),
    "list": ([1, 2], "not a JSON object"),
    "string": ("doc", "not a JSON object"),
    "null": (None, "not a JSON object"),
    "not-json": (b"{broken", "not valid JSON"),
    "not-utf8": (b'{"id": "\xff"}', "not valid JSON"),
    "duplicate": (entry("doc"), "document 'doc' is given again (first on line 1)"),
}


@pytest.mark.parametrize(("line", "expected"), BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_bad_line_is_a_problem_and_the_good_documents_stay(ws, line, expected):
    index = write_index(ws, [entry("doc"), line, entry("other")])
    corpus = Corpus(ws.corpus_dir)  # never raises
    assert corpus.ids == ["doc", "other"]
    (problem,) = corpus.problems
    assert isinstance(problem, AnnotatorError)
    assert problem.where == f"{index}:2"
    assert expected in str(problem), str(problem)
    assert "\n" not in str(problem)
    assert corpus.text("doc") == TEXT
    with pytest.raises(AnnotatorError) as info:
        Corpus.checked(ws.corpus_dir)
    assert info.value is not problem and str(info.value) == str(problem)


def test_every_bad_line_is_listed_in_order(ws):
    lines = [entry("doc"), *(line for line, _ in BAD_LINES.values()), entry("other")]
    index = write_index(ws, lines)
    corpus = Corpus(ws.corpus_dir)
    assert corpus.ids == ["doc", "other"]
    assert [p.where for p in corpus.problems] == [f"{index}:{n}" for n in range(2, len(BAD_LINES) + 2)]


def test_an_index_with_only_the_required_keys_is_read(ws):
    write_index(ws, [{k: entry()[k] for k in ("id", "sha256", "chars", "title")}])
    corpus = Corpus(ws.corpus_dir)
    assert corpus.problems == [] and corpus.info("doc").source == ""


def test_an_index_that_is_a_folder_is_a_problem(ws):
    index = ws.corpus_dir / "index.jsonl"
    index.unlink()
    index.mkdir()
    corpus = Corpus(ws.corpus_dir)
    assert len(corpus) == 0
    (problem,) = corpus.problems
    assert problem.where == str(index) and "not a regular file (a folder)" in str(problem)


def test_repository_and_written_indexes_have_no_problems(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    assert Corpus(repo / "corpus").problems == []
    ws = init_workspace(tmp_path / "example", example=True)
    assert Corpus(ws.corpus_dir).problems == [] and len(Corpus(ws.corpus_dir)) == 5


# --- what the commands do with a problem --------------------------------------------------------


def run(capsys, *argv: str) -> SimpleNamespace:
    code = main(list(argv))
    out = capsys.readouterr()
    return SimpleNamespace(code=code, out=out.out, err=out.err)


def test_import_texts_refuses_to_rewrite_an_index_it_could_not_read(ws, tmp_path, capsys):
    index = write_index(ws, [entry("doc"), entry(7), entry("other")])
    before = index.read_bytes()
    new = tmp_path / "new.txt"
    new.write_text("جديد\n", encoding="utf-8")
    result = run(capsys, "--workspace", str(ws.root), "import", "texts", str(new))
    assert_one_error(result, f"{index}:2", "'id' must be a string", "not rewritten", "nothing is imported")
    assert index.read_bytes() == before  # the bad line is still there to be fixed, not dropped
    assert not (ws.corpus_dir / "new.txt").exists()


def test_render_refuses_with_the_first_problem(ws, capsys):
    index = write_index(ws, [entry("doc"), entry("../../../outside"), entry(None)])
    result = run(capsys, "--workspace", str(ws.root), "render", "doc", "--width", "40")
    assert_one_error(result, f"{index}:2", "bad document id '../../../outside'")


def test_import_annotations_refuses_with_the_first_problem(ws, tmp_path, capsys):
    index = write_index(ws, [entry("doc"), entry("x", chars="many")])
    lines = tmp_path / "a.jsonl"
    lines.write_bytes(orjson.dumps({"id": "doc", "text": TEXT, "guidelines": "2.0.0", "entities": []}) + b"\n")
    argv = ["--workspace", str(ws.root), "import", "annotations", str(lines), "--annotator", "bob"]
    assert_one_error(run(capsys, *argv), f"{index}:2", "'chars' must be a whole number")
    conll = tmp_path / "a.conll"
    conll.write_text("نص\tO\nالمقال\tO\n", encoding="utf-8")
    argv[4] = str(conll)
    assert_one_error(run(capsys, *argv), f"{index}:2", "'chars' must be a whole number")
    assert not (ws.annotations_dir / "bob").exists()


@pytest.mark.parametrize(
    "argv",
    [["export", "--format", "jsonl"], ["agreement"], ["adjudicate", "--strategy", "majority"]],
    ids=["export", "agreement", "adjudicate"],
)
def test_export_agreement_and_adjudicate_refuse_rather_than_leave_a_document_out(ws, capsys, argv):
    index = write_index(ws, [entry("doc"), entry("other", sha256=None)])
    before = sorted(p.relative_to(ws.root) for p in ws.root.rglob("*"))
    assert_one_error(run(capsys, "--workspace", str(ws.root), *argv), f"{index}:2", "'sha256' must be a string")
    assert sorted(p.relative_to(ws.root) for p in ws.root.rglob("*")) == before


# --- stored texts -------------------------------------------------------------------------------


def test_a_missing_text_is_named(ws):
    (ws.corpus_dir / "doc.txt").unlink()
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).load("doc")
    assert info.value.where == str(ws.corpus_dir / "doc.txt") and "No such file" in str(info.value)


def test_a_text_that_is_not_utf8_is_named_with_its_byte(ws):
    (ws.corpus_dir / "doc.txt").write_bytes(b"ok \xff")
    with pytest.raises(AnnotatorError, match=r"doc\.txt: byte 3: document is not valid UTF-8"):
        Corpus(ws.corpus_dir).load("doc")


def test_a_text_that_is_a_folder_is_named(ws):
    (ws.corpus_dir / "doc.txt").unlink()
    (ws.corpus_dir / "doc.txt").mkdir()
    with pytest.raises(AnnotatorError, match=r"doc\.txt: document is not a regular file \(a folder\)"):
        Corpus(ws.corpus_dir).load("doc")


def test_a_text_that_is_a_fifo_is_refused_not_waited_on(ws):
    import threading

    (ws.corpus_dir / "doc.txt").unlink()
    os.mkfifo(ws.corpus_dir / "doc.txt")
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            Corpus(ws.corpus_dir).load("doc")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # before: the read waited for a writer for ever; let it go
        fd = os.open(ws.corpus_dir / "doc.txt", os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        reader.join(10)
        pytest.fail("Corpus.load waited on a fifo")
    (error,) = outcome
    assert isinstance(error, AnnotatorError) and "not a regular file (a fifo)" in str(error)


def test_a_text_linked_out_of_the_corpus_folder_is_not_read(ws, tmp_path):
    """A workspace from git can hold symbolic links: corpus/doc.txt -> /etc/passwd is not shown."""
    (ws.corpus_dir / "doc.txt").unlink()
    (ws.corpus_dir / "doc.txt").symlink_to("/etc/passwd")
    with pytest.raises(AnnotatorError, match="symbolic link that leads outside"):
        Corpus(ws.corpus_dir).load("doc")


def test_render_names_a_bad_text_in_one_line(ws, capsys):
    (ws.corpus_dir / "doc.txt").write_bytes(b"\xff")
    result = run(capsys, "--workspace", str(ws.root), "render", "doc", "--width", "40")
    assert_one_error(result, "doc.txt", "byte 0", "not valid UTF-8")


def test_a_long_index_as_written_reads_whole_and_a_repeated_id_is_still_named(ws):
    """The index read in one pass (every line as the program writes it) gives what the lines
    say; one line that is not (an id given again) is found as before, with both line numbers."""
    lines = [entry(f"d{i:04d}", title=f"title {i}", chars=i) for i in range(300)]
    write_index(ws, lines)
    corpus = Corpus(ws.corpus_dir)
    assert not corpus.problems
    assert [info.to_json() for info in corpus.infos()] == lines
    write_index(ws, [*lines, entry("d0007")])
    corpus = Corpus(ws.corpus_dir)
    assert len(corpus) == 300 and corpus.info("d0007").title == "title 7"
    assert [str(p) for p in corpus.problems] == [
        f"{ws.corpus_dir / 'index.jsonl'}:301: document 'd0007' is given again (first on line 8)"
    ]
