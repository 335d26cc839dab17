"""A document whose annotation file holds a huge number of entities opens in the app.

``huge_annotations`` writes such a file quickly (valid per the loader: the same dense spans
as tests/reliability/hostile_inputs.py's million, nested and crossing over the text's start).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from annotator.core.annotations import editing
from annotator.core.workspace import Workspace
from annotator.tui.app import make_app
from annotator.tui.screens.annotate import AnnotateScreen
from annotator.tui.widgets.annotation_panel import AnnotationPanel
from tests.conftest import SEED_IDS, copy_workspace

LABELS = ("PER", "ORG", "GPE", "LOC", "FAC", "NORP", "WEA", "VEH", "MONEY", "CARDINAL", "TIMEX", "MEDIA")


def huge_annotations(workspace_root: Path, doc_id: str, count: int, annotator: str = "tester") -> Path:
    """``count`` entities on ``doc_id`` for ``annotator``: every span of 1, 2, ... characters
    from each of the first 2,000 offsets, each under every label, written as JSON in one go."""
    text = (workspace_root / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    starts = min(2000, len(text) - 60)
    parts: list[str] = []
    n = 0
    length = 1
    while n < count:
        for start in range(starts):
            for label in LABELS:
                n += 1
                parts.append(f'{{"id":"T{n}","start":{start},"end":{start + length},"label":"{label}"}}')
                if n == count:
                    break
            if n == count:
                break
        length += 1
    head = (
        f'{{"format":1,"doc_id":"{doc_id}","text_sha256":"{sha}","guidelines":"2.0.0","annotator":"{annotator}",'
        '"status":"in_progress","events":[],"created":null,"modified":null,"entities":['
    )
    path = workspace_root / "annotations" / annotator / f"{doc_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + ",".join(parts) + "]}", encoding="utf-8")
    return path


# ----- the app on such files --------------------------------------------------------------
COUNT = 100_000  # a million takes the loader seconds alone: the reliability suite's hostile scenario opens that


@pytest.fixture(scope="module")
def huge_workspace(tmp_path_factory) -> Path:
    root = copy_workspace(tmp_path_factory.mktemp("huge") / "ws")
    huge_annotations(root, SEED_IDS[0], COUNT)
    return root


async def test_a_document_with_100k_entities_opens_listed_and_painted_from_what_is_on_screen(
    huge_workspace, monkeypatch
) -> None:
    monkeypatch.setattr(editing, "MAX_EDITED", COUNT // 2)  # the limit, met by this file
    app = make_app(Workspace.open(huge_workspace), annotator="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnotateScreen)
        await pilot.pause()
        assert screen.opened.read_only == (
            f"{COUNT:,} entities: more than the app edits (limit {COUNT // 2:,}); use the CLI"
        )
        panel = screen.query_one(AnnotationPanel)
        assert panel.row_count == COUNT
        assert panel.rows[0][:2] == (0, 1) and panel.rows[-1][0] > 0  # in text order
        panel.focus()
        await pilot.press("end")
        assert panel.cursor == COUNT - 1
        assert "T" in panel.render_line(panel.scrollable_content_region.height - 1).text
        # The reader paints a row from the highlights touching it, each cell from its top ones.
        reader = screen.reader
        line = reader.text_layout.lines[0]
        touching = reader._highlight_index.touching(line.start, line.stop + 1)
        assert 0 < len(touching) < COUNT
        assert reader.render_line(0).cell_length > 0
        # What is under the cursor: the same entities as a look at every one of them.
        offset = reader.cursor_span[0]
        expected = sorted(
            (e for e in screen.doc.entities if e.start <= offset < e.end), key=lambda e: (e.end - e.start, e.start)
        )
        assert screen._items_at(offset) == expected
        await pilot.press("escape")
        await pilot.press("2")  # a label key: refused as read-only, nothing written
        await pilot.pause()


def test_the_edit_limit_says_how_many_and_where_to_go() -> None:
    from annotator.core.annotations.model import DocumentAnnotations, Entity

    doc = DocumentAnnotations("d", "0" * 64, "2.0.0", "a", entities=(Entity("T1", 0, 1, "PER"),))
    assert editing.too_many_to_edit(doc) is None
    many = doc.with_(entities=doc.entities * (editing.MAX_EDITED + 1))
    assert editing.too_many_to_edit(many) == (
        f"{editing.MAX_EDITED + 1:,} entities: more than the app edits (limit {editing.MAX_EDITED:,}); use the CLI"
    )
