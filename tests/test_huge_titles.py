"""A huge title in the corpus index (made by hand) is cut when read; the list lays out no more than fits."""

from __future__ import annotations

import orjson

from annotator.core.corpus import TITLE_LIMIT, Corpus
from tests.conftest import SEED_IDS

HUGE = "ع" * 10_000_000


def _plant(workspace, title) -> None:
    index = workspace.corpus_dir / "index.jsonl"
    lines = index.read_bytes().splitlines()
    data = orjson.loads(lines[0])
    data["title"] = title
    lines[0] = orjson.dumps(data)
    index.write_bytes(b"\n".join(lines) + b"\n")


def test_a_10_mb_title_in_the_index_is_cut_to_the_import_limit(workspace) -> None:
    _plant(workspace, HUGE)
    corpus = Corpus(workspace.corpus_dir)
    assert corpus.problems == []
    assert corpus.info(SEED_IDS[0]).title == "ع" * TITLE_LIMIT  # the document stays usable


def test_a_line_not_as_written_is_cut_too(workspace) -> None:
    index = workspace.corpus_dir / "index.jsonl"
    data = orjson.loads(index.read_bytes().splitlines()[0])
    _plant(workspace, HUGE)
    line = {k: data[k] for k in ("id", "sha256", "chars")} | {"title": HUGE}  # only the required keys
    index.write_bytes(orjson.dumps(line) + b"\n")
    assert Corpus(workspace.corpus_dir).info(data["id"]).title == "ع" * TITLE_LIMIT


async def test_the_document_list_lays_out_no_more_of_a_title_than_fits(workspace, monkeypatch) -> None:
    from annotator.tui.app import make_app
    from annotator.tui.widgets import document_list
    from annotator.tui.widgets.document_list import DocumentList

    seen: list[int] = []
    real = document_list.fit

    def fit(text: str, cells: int, mode: str = "app") -> str:
        seen.append(len(text))
        return real(text, cells, mode)

    monkeypatch.setattr(document_list, "fit", fit)
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        documents = app.screen.query_one(DocumentList)
        documents.infos[0] = documents.infos[0].__class__(**{**documents.infos[0].to_json(), "title": HUGE})
        seen.clear()
        line = documents.render_line(1).text
        assert "…" in line
        assert seen and max(seen) <= document_list.TITLE_CHARS * document_list.CELL_CHARS + 1
