"""Corpus.import_texts and Workspace, on throw-away workspaces and on the repository's own."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import orjson
import pytest

from annotator.core.corpus import Corpus
from annotator.core.errors import AnnotatorError
from annotator.core.jsonio import SYNC_BATCH
from annotator.core.workspace import CONFIG_NAME, Workspace, init_workspace

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
SEED_IDS = [
    "000_cc412d3027dac405",
    "001_e759c1a521474da3",
    "002_40b7e8ebcf7a331f",
    "003_33e370e3201f700f",
    "004_1adac70ea05f9c16",
]
ARABIC = "التحالف يقصفُ أهدافاً للميليشيات\nفي ديرالزور.. هذه طبيعتها\n"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


def put(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden and temporary ones included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def index_lines(ws: Workspace) -> list[dict]:
    path = ws.corpus_dir / "index.jsonl"
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def index_entry(ws: Workspace, doc_id: str) -> dict:
    (entry,) = [e for e in index_lines(ws) if e["id"] == doc_id]
    return entry


# --- what is stored ----------------------------------------------------------------------


def test_text_is_stored_byte_for_byte(ws, src):
    # Harakat, tatweel, trailing spaces, tabs, no final newline: nothing is normalised.
    text = "قتـ ـلى  وتدميرٌ\tمقرات  \n\n\u200fسطر ثانٍ  "
    added, unchanged = Corpus(ws.corpus_dir).import_texts([put(src / "doc.txt", text)])
    assert [i.id for i in added] == ["doc"] and unchanged == []
    assert (ws.corpus_dir / "doc.txt").read_bytes() == text.encode("utf-8")
    assert Corpus(ws.corpus_dir).text("doc") == text
    assert index_entry(ws, "doc")["chars"] == len(text)  # code points, not bytes
    assert index_entry(ws, "doc")["bom"] is False and index_entry(ws, "doc")["crlf"] == 0


def test_bom_is_dropped_and_recorded(ws, src):
    added, _ = Corpus(ws.corpus_dir).import_texts([put(src / "bom.txt", b"\xef\xbb\xbf" + ARABIC.encode())])
    assert (ws.corpus_dir / "bom.txt").read_bytes() == ARABIC.encode("utf-8")
    assert added[0].bom is True
    entry = index_entry(ws, "bom")
    assert entry["bom"] is True and entry["chars"] == len(ARABIC)


def test_crlf_becomes_lf_and_is_counted(ws, src):
    raw = "سطر\r\nثان\r\n\r\nlone\rCR stays\r\n".encode()
    added, _ = Corpus(ws.corpus_dir).import_texts([put(src / "crlf.txt", raw)])
    assert (ws.corpus_dir / "crlf.txt").read_bytes() == "سطر\nثان\n\nlone\rCR stays\n".encode()
    assert added[0].crlf == 4
    assert index_entry(ws, "crlf")["crlf"] == 4


def test_bom_and_crlf_together(ws, src):
    Corpus(ws.corpus_dir).import_texts([put(src / "both.txt", b"\xef\xbb\xbfa\r\nb\r\n")])
    assert (ws.corpus_dir / "both.txt").read_bytes() == b"a\nb\n"
    entry = index_entry(ws, "both")
    assert entry["bom"] is True and entry["crlf"] == 2 and entry["chars"] == 4


def test_sha256_matches_the_stored_bytes(ws, src):
    Corpus(ws.corpus_dir).import_texts(
        [put(src / "a.txt", b"\xef\xbb\xbf" + ARABIC.replace("\n", "\r\n").encode()), put(src / "b.txt", "plain\n")]
    )
    for doc_id in ("a", "b"):
        stored = (ws.corpus_dir / f"{doc_id}.txt").read_bytes()
        assert index_entry(ws, doc_id)["sha256"] == hashlib.sha256(stored).hexdigest()
        assert Corpus(ws.corpus_dir).load(doc_id).sha_matches


def test_title_is_the_first_non_blank_line(ws, src):
    Corpus(ws.corpus_dir).import_texts([put(src / "t.txt", "\n  \n  العنوان هنا  \nالنص")])
    assert index_entry(ws, "t")["title"] == "العنوان هنا"


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        (b"abc\xffdef", 3),
        ("كلمة".encode() + b"\xd8", 8),  # truncated two-byte sequence at the end
        (b"\xef\xbb\xbfab\xc3(", 5),  # offset in the file, BOM included
        (b"ok \xed\xa0\x80 surrogate", 3),  # an encoded surrogate is not UTF-8
    ],
)
def test_invalid_utf8_is_refused_with_file_and_byte_offset(ws, src, raw, offset):
    bad = put(src / "broken.txt", raw)
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts([bad])
    message = str(info.value)
    assert str(bad) in message
    assert f"byte {offset}" in message
    assert "\n" not in message
    assert not (ws.corpus_dir / "broken.txt").exists()


@pytest.mark.parametrize(
    "raw",
    [b"", b" \n\t\r\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"],
    ids=["empty", "whitespace", "bom-only", "bom-crlf"],
)
def test_empty_documents_are_refused(ws, src, raw):
    bad = put(src / "empty.txt", raw)
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts([bad])
    assert str(bad) in str(info.value) and "empty" in str(info.value)
    assert not (ws.corpus_dir / "empty.txt").exists()
    assert not (ws.corpus_dir / "index.jsonl").exists()


def test_id_conflict_is_refused_and_the_stored_text_kept(ws, src):
    corpus = Corpus(ws.corpus_dir)
    corpus.import_texts([put(src / "one" / "doc.txt", "first text")])
    before = snapshot(ws.corpus_dir)
    other = put(src / "two" / "doc.txt", "second text")
    with pytest.raises(AnnotatorError) as info:
        corpus.import_texts([other])
    assert str(other) in str(info.value) and "'doc'" in str(info.value)
    assert snapshot(ws.corpus_dir) == before
    assert Corpus(ws.corpus_dir).text("doc") == "first text"


def test_same_id_twice_in_one_call_with_different_text_is_refused(ws, src):
    a, b = put(src / "x" / "dup.txt", "one"), put(src / "y" / "dup.txt", "two")
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts([a, b])
    assert str(b) in str(info.value)
    assert not (ws.corpus_dir / "dup.txt").exists()


def test_reimporting_identical_text_is_a_no_op(ws, src):
    corpus = Corpus(ws.corpus_dir)
    files = [put(src / "a.txt", ARABIC), put(src / "b.txt", "b")]
    corpus.import_texts(files)
    before = snapshot(ws.corpus_dir)
    added, unchanged = corpus.import_texts(files)
    assert added == [] and sorted(unchanged) == ["a", "b"]
    assert snapshot(ws.corpus_dir) == before
    # A fresh Corpus (what the next command sees) agrees.
    added, unchanged = Corpus(ws.corpus_dir).import_texts([files[0]])
    assert added == [] and unchanged == ["a"]
    assert snapshot(ws.corpus_dir) == before


def test_one_bad_file_imports_nothing_of_the_batch(ws, src):
    corpus = Corpus(ws.corpus_dir)
    corpus.import_texts([put(src / "old.txt", "already there")])
    before = snapshot(ws.corpus_dir)
    good1 = put(src / "batch" / "a.txt", "good one")
    bad = put(src / "batch" / "b.txt", b"bad \x80 byte")
    empty = put(src / "batch" / "c.txt", b"")
    good2 = put(src / "batch" / "d.txt", "good two")
    with pytest.raises(AnnotatorError) as info:
        corpus.import_texts([good1, bad, empty, good2])
    lines = str(info.value).splitlines()
    assert len(lines) == 2  # one line per bad file
    assert str(bad) in lines[0] and "byte 4" in lines[0]
    assert str(empty) in lines[1]
    assert snapshot(ws.corpus_dir) == before  # no text file, no index change, no temp file
    assert corpus.ids == ["old"]
    assert Corpus(ws.corpus_dir).ids == ["old"]


def test_one_bad_file_in_a_folder_imports_nothing(ws, src):
    put(src / "batch" / "a.txt", "good")
    put(src / "batch" / "sub" / "b.txt", b"\xff")
    with pytest.raises(AnnotatorError):
        Corpus(ws.corpus_dir).import_texts([src / "batch"])
    assert snapshot(ws.corpus_dir) == {}


def test_non_txt_file_is_refused(ws, src):
    good = put(src / "good.txt", "fine")
    other = put(src / "notes.md", "not a text document")
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts([good, other])
    assert str(other) in str(info.value)
    assert snapshot(ws.corpus_dir) == {}


def test_missing_path_is_refused(ws, src):
    good = put(src / "good.txt", "fine")
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts([good, src / "nope.txt"])
    assert str(src / "nope.txt") in str(info.value)
    assert snapshot(ws.corpus_dir) == {}


# --- folders and order ---------------------------------------------------------------------


def test_folder_import_is_recursive_and_takes_only_txt(ws, src):
    put(src / "in" / "a.txt", "a")
    put(src / "in" / "sub" / "b.txt", "b")
    put(src / "in" / "sub" / "deeper" / "c.txt", "c")
    put(src / "in" / "readme.md", "ignored")
    put(src / "in" / "sub" / "data.json", "{}")
    added, _ = Corpus(ws.corpus_dir).import_texts([src / "in"])
    assert sorted(i.id for i in added) == ["a", "b", "c"]
    assert sorted(p.name for p in ws.corpus_dir.iterdir()) == ["a.txt", "b.txt", "c.txt", "index.jsonl"]
    assert Corpus(ws.corpus_dir).text("c") == "c"


def test_ids_are_sorted_in_the_corpus_and_the_index(ws, src):
    corpus = Corpus(ws.corpus_dir)
    corpus.import_texts([put(src / "zeta.txt", "z"), put(src / "alpha.txt", "a")])
    corpus.import_texts([put(src / "mid.txt", "m")])
    assert corpus.ids == ["alpha", "mid", "zeta"]
    assert [i.id for i in corpus.infos()] == ["alpha", "mid", "zeta"]
    assert [e["id"] for e in index_lines(ws)] == ["alpha", "mid", "zeta"]
    assert Corpus(ws.corpus_dir).ids == ["alpha", "mid", "zeta"]


def test_unknown_id_is_an_annotator_error(ws):
    with pytest.raises(AnnotatorError, match="nope"):
        Corpus(ws.corpus_dir).text("nope")


# --- the repository's own workspace ----------------------------------------------------------


def test_repository_workspace_holds_the_five_seeds():
    ws = Workspace.open(REPO)
    assert ws.root == REPO
    corpus = Corpus(ws.corpus_dir)
    assert corpus.ids == SEED_IDS
    for doc_id in SEED_IDS:
        stored = corpus.path(doc_id).read_bytes()
        info = corpus.info(doc_id)
        assert hashlib.sha256(stored).hexdigest() == info.sha256, doc_id
        assert len(stored.decode("utf-8")) == info.chars, doc_id


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"{SEEDS} not present")
def test_repository_seeds_equal_the_shared_originals():
    corpus = Corpus(REPO / "corpus")
    for doc_id in SEED_IDS:
        assert corpus.path(doc_id).read_bytes() == (SEEDS / f"{doc_id}.txt").read_bytes(), doc_id


# --- Workspace ---------------------------------------------------------------------------------


def test_init_workspace_creates_the_layout(tmp_path):
    ws = init_workspace(tmp_path / "new", name="My project")
    for sub in ("corpus", "guidelines", "annotations", "exports"):
        assert (tmp_path / "new" / sub).is_dir()
    reopened = Workspace.open(tmp_path / "new")
    assert reopened.config.name == "My project"
    assert reopened.config.guidelines == ws.config.guidelines
    assert (reopened.guidelines_dir / ws.config.guidelines).is_dir()
    with pytest.raises(AnnotatorError, match="already exists"):
        init_workspace(tmp_path / "new")


def test_workspace_open_walks_up_from_a_subfolder(ws):
    deep = ws.corpus_dir / "a" / "b"
    deep.mkdir(parents=True)
    assert Workspace.open(deep).root == ws.root
    assert Workspace.open(ws.root).root == ws.root


def test_folder_without_config_is_not_a_workspace(tmp_path):
    assert not any((p / CONFIG_NAME).exists() for p in (tmp_path, *tmp_path.parents))
    with pytest.raises(AnnotatorError, match="no workspace"):
        Workspace.open(tmp_path)


def write_config(root: Path, reader: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_NAME).write_text(f'[project]\nname = "t"\nguidelines = "2.0.0"\n{reader}', encoding="utf-8")
    return root


def test_bidi_default_is_auto(tmp_path, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_BIDI", raising=False)
    ws = Workspace.open(write_config(tmp_path / "w"))
    assert ws.bidi_setting() == ("auto", "default")
    assert ws.bidi_mode() == "app"  # no terminal named (conftest): app mode


def test_bidi_precedence(tmp_path, monkeypatch):
    ws = Workspace.open(write_config(tmp_path / "w", '[reader]\nbidi = "terminal"\n'))
    monkeypatch.delenv("ANNOTATOR_BIDI", raising=False)
    assert ws.bidi_mode() == "terminal"  # config
    assert ws.bidi_mode("app") == "app"  # --bidi beats config
    monkeypatch.setenv("ANNOTATOR_BIDI", "app")
    assert ws.bidi_mode() == "app"  # env beats config
    assert ws.bidi_mode("terminal") == "terminal"  # --bidi beats env
    monkeypatch.setenv("ANNOTATOR_BIDI", "terminal")
    assert ws.bidi_mode("app") == "app"


def test_bad_bidi_values_name_their_source(tmp_path, monkeypatch):
    ws = Workspace.open(write_config(tmp_path / "w"))
    monkeypatch.setenv("ANNOTATOR_BIDI", "rtl")
    with pytest.raises(AnnotatorError, match="ANNOTATOR_BIDI") as info:
        ws.bidi_mode()
    assert "rtl" in str(info.value)
    monkeypatch.delenv("ANNOTATOR_BIDI")
    with pytest.raises(AnnotatorError, match="--bidi"):
        ws.bidi_mode("rtl")
    bad = write_config(tmp_path / "bad", '[reader]\nbidi = "ltr"\n')
    with pytest.raises(AnnotatorError) as info:
        Workspace.open(bad)
    assert CONFIG_NAME in str(info.value) and "bidi" in str(info.value) and "ltr" in str(info.value)


def test_config_missing_project_fields_is_an_error(tmp_path):
    root = tmp_path / "w"
    root.mkdir()
    (root / CONFIG_NAME).write_text('[project]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(AnnotatorError, match="guidelines"):
        Workspace.open(root)
    (root / CONFIG_NAME).write_text("not = [valid toml", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="TOML"):
        Workspace.open(root)


# --- many files at once (written with one sync of the file system, jsonio.SYNC_BATCH) -------


def test_a_folder_of_many_files_lands_whole_or_not_at_all(ws, src, monkeypatch):
    count = 3 * SYNC_BATCH
    for i in range(count):
        put(src / "many" / f"m{i:03d}.txt", f"نص رقم {i}\n")
    put(src / "many" / "deep" / "m999.txt", b"bad \xff byte")
    with pytest.raises(AnnotatorError) as info:
        Corpus(ws.corpus_dir).import_texts([src / "many"])
    (line,) = str(info.value).splitlines()  # the one bad file, named, with its byte
    assert str(src / "many" / "deep" / "m999.txt") in line and "not valid UTF-8" in line and "byte 4" in line
    assert snapshot(ws.corpus_dir) == {}

    (src / "many" / "deep" / "m999.txt").unlink()
    real_replace, renamed = os.replace, []

    def full_disk_halfway(old, new):  # the renames stop part-way: every one done is undone
        if len(renamed) == count // 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(new))
        renamed.append(new)
        real_replace(old, new)

    monkeypatch.setattr(os, "replace", full_disk_halfway)
    with pytest.raises(AnnotatorError, match="nothing was imported"):
        Corpus(ws.corpus_dir).import_texts([src / "many"])
    assert snapshot(ws.corpus_dir) == {}
    monkeypatch.setattr(os, "replace", real_replace)

    added, _ = Corpus(ws.corpus_dir).import_texts([src / "many"])
    assert len(added) == count
    stored = snapshot(ws.corpus_dir)
    assert sorted(stored) == sorted([f"m{i:03d}.txt" for i in range(count)] + ["index.jsonl"])  # no temp file
    assert stored["m042.txt"] == "نص رقم 42\n".encode()
    assert Corpus(ws.corpus_dir).ids == [f"m{i:03d}" for i in range(count)]
