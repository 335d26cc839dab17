"""The lexicon a workspace teaches: whose files count, and a cache that is never believed over the files."""

from __future__ import annotations

import os

import pytest

from annotator.core.corpus import Corpus
from annotator.core.suggestions.lexicon import Lexicon, entry_key
from annotator.core.suggestions.model import GUIDELINES, STRINGS
from annotator.core.text.normalize import find_all
from tests.conftest import SEED_IDS, write_done

DOC = SEED_IDS[0]


def spans_of(workspace, doc_id: str, name: str, label: str) -> list[tuple[int, int, str]]:
    text = Corpus(workspace.corpus_dir).text(doc_id)
    return [(s, e, label) for s, e in find_all(text, name)]


def counts(lx: Lexicon, name: str) -> dict[str, tuple[int, int]]:
    key = entry_key(name)
    assert key is not None
    return lx.counts(key)


def age(workspace) -> None:
    """Every annotation file modified a minute ago: no longer racily clean, so a cache may keep it."""
    past = os.stat(workspace.annotations_dir).st_mtime - 60
    for path in workspace.annotations_dir.rglob("*.json"):
        os.utime(path, (past, past))


@pytest.fixture
def taught(workspace):
    """amal's files, gold's and another annotator's, on the first seed article."""
    name = "شبكات محلية"
    assert spans_of(workspace, DOC, name, "ORG"), "the seed article names it"
    write_done(workspace, "amal", DOC, spans_of(workspace, DOC, name, "ORG")[:1])
    write_done(workspace, "gold", DOC, spans_of(workspace, DOC, name, "NORP")[:1])
    write_done(workspace, "omar", DOC, spans_of(workspace, DOC, name, "GPE")[:1])
    age(workspace)
    return workspace


def test_own_files_and_gold_teach_and_another_annotators_do_not(taught):
    lx = Lexicon.for_annotator(taught, "amal")
    assert counts(lx, "شبكات محلية") == {"ORG": (1, 0), "NORP": (1, 0)}
    assert "GPE" not in counts(Lexicon.for_annotator(taught, "amal"), "شبكات محلية")


def test_an_annotator_with_no_folder_yet_learns_from_gold(taught):
    assert counts(Lexicon.for_annotator(taught, "newcomer"), "شبكات محلية") == {"NORP": (1, 0)}


def test_the_guidelines_examples_count_once_each(workspace):
    lx = Lexicon.for_annotator(workspace, "amal")
    assert counts(lx, "البوكمال") == {"GPE": (0, 1)}
    assert counts(lx, "الحرس الثوري")["ORG"] == (0, 1)


def test_a_second_build_reads_no_text_and_a_file_edited_since_is_read_again(taught, monkeypatch):
    first = Lexicon.for_annotator(taught, "amal")

    def no_texts(*args, **kwargs):
        raise AssertionError("a text was read although nothing changed")

    with monkeypatch.context() as m:
        m.setattr(Corpus, "load", no_texts)
        again = Lexicon.for_annotator(taught, "amal")
    assert counts(again, "شبكات محلية") == counts(first, "شبكات محلية")
    # amal relabels it in another process: the cache must not be believed
    write_done(taught, "amal", DOC, spans_of(taught, DOC, "شبكات محلية", "GPE")[:1])
    after = Lexicon.for_annotator(taught, "amal")
    assert counts(after, "شبكات محلية") == {"GPE": (1, 0), "NORP": (1, 0)}


def test_a_span_annotated_with_its_clitic_is_learned_as_annotated(workspace):
    write_done(workspace, "amal", DOC, spans_of(workspace, DOC, "بالتزامن", "LOC"))
    lx = Lexicon.for_annotator(workspace, "amal")
    assert counts(lx, "بالتزامن") == {"LOC": (1, 0)}
    assert counts(lx, "التزامن") == {}  # no clitic guessed off what was annotated


def test_add_and_remove_keep_it_current():
    lx = Lexicon()
    lx.add("البوكمال", "GPE")
    lx.add("البُوكمال", "GPE")
    lx.add("ديرالزور", "GPE", GUIDELINES)
    assert lx.counts(("البوكمال",)) == {"GPE": (2, 0)}
    lx.remove("البوكمال", "GPE", STRINGS, count=2)
    assert ("البوكمال",) not in lx and ("ديرالزور",) in lx


NAME = "شبكات محلية"


def test_files_written_after_a_build_change_the_next_builds_counts_exactly(taught, monkeypatch):
    import annotator.core.agreement.input as agreement_input

    Lexicon.for_annotator(taught, "amal")
    other = SEED_IDS[1]
    write_done(taught, "amal", other, spans_of(taught, other, "مليشيات إيرانية", "ORG"))  # a new file
    write_done(taught, "amal", DOC, spans_of(taught, DOC, NAME, "GPE"))  # relabelled
    age(taught)
    asked: list[list[str] | None] = []
    real = agreement_input.load_rows

    def spy(*args, docs=None, **kwargs):
        asked.append(sorted(docs) if docs is not None else None)
        return real(*args, docs=docs, **kwargs)

    monkeypatch.setattr(agreement_input, "load_rows", spy)
    after = Lexicon.for_annotator(taught, "amal")
    assert counts(after, NAME) == {"GPE": (1, 0), "NORP": (1, 0)}
    assert counts(after, "مليشيات إيرانية") == {"ORG": (1, 0)}
    assert asked == [sorted([DOC, other])]  # only the documents of the shards that changed
    asked.clear()
    again = Lexicon.for_annotator(taught, "amal")
    assert asked == [] and again._counts == after._counts  # what was kept is what was counted


def test_a_file_deleted_after_a_build_is_no_longer_counted(taught):
    Lexicon.for_annotator(taught, "amal")
    (taught.annotator_dir("amal") / f"{DOC}.json").unlink()
    assert counts(Lexicon.for_annotator(taught, "amal"), NAME) == {"NORP": (1, 0)}


def test_totals_damaged_or_lost_are_counted_again(taught):
    first = Lexicon.for_annotator(taught, "amal")
    kept = sorted((taught.root / ".cache" / "suggestions").rglob("totals-*/*.parquet"))
    assert kept, "a build keeps its totals"
    for path in kept:
        if path.name != "sum.parquet":
            path.unlink()  # the sum cannot be corrected by the shards it summed: made again
    write_done(taught, "amal", DOC, spans_of(taught, DOC, NAME, "GPE"))
    age(taught)
    assert counts(Lexicon.for_annotator(taught, "amal"), NAME) == {"GPE": (1, 0), "NORP": (1, 0)}
    for path in (taught.root / ".cache" / "suggestions").rglob("totals-*/*.parquet"):
        path.write_bytes(b"PAR1 not what was written")
    write_done(taught, "amal", DOC, spans_of(taught, DOC, NAME, "ORG"))
    age(taught)
    assert Lexicon.for_annotator(taught, "amal")._counts == first._counts


def test_a_file_rewritten_in_the_second_it_was_counted_is_counted_again(taught):
    """Same size, mtime and inode (a coarse clock, an editor writing in place): never believed."""
    write_done(taught, "amal", DOC, spans_of(taught, DOC, NAME, "ORG"))
    assert counts(Lexicon.for_annotator(taught, "amal"), NAME) == {"ORG": (1, 0), "NORP": (1, 0)}
    path = taught.annotator_dir("amal") / f"{DOC}.json"
    st = os.stat(path)
    path.write_bytes(path.read_bytes().replace(b'"ORG"', b'"GPE"'))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    assert counts(Lexicon.for_annotator(taught, "amal"), NAME) == {"GPE": (1, 0), "NORP": (1, 0)}
