"""Pilot test of the agreement screen: summary rows, pair matrix, labels, worst documents, side by side."""

from __future__ import annotations

from annotator.core.annotations.model import Argument, Event
from annotator.tui.app import make_app
from annotator.tui.screens.agreement import AgreementScreen
from annotator.tui.screens.compare import CompareScreen
from tests.conftest import SEED_IDS
from tests.conftest import write_done as write


def attack(role: str) -> tuple[Event, ...]:
    """An attack at 30-34 whose argument is the first entity, in ``role``."""
    return (Event("E1", "Conflict.Attack", 30, 34, (Argument(role, "T1"),)),)


async def test_agreement_screen_sorts_documents_and_compares_annotators(workspace) -> None:
    agreed, disputed = SEED_IDS[0], SEED_IDS[1]
    for who in ("ali", "sara"):
        write(workspace, who, agreed, [(0, 7, "ORG"), (20, 30, "GPE")])
    write(workspace, "ali", disputed, [(0, 5, "ORG"), (10, 20, "GPE")], attack("Attacker"))
    write(workspace, "sara", disputed, [(0, 5, "PER"), (12, 20, "GPE")], attack("Target"))
    write(workspace, "gold", disputed, [(0, 5, "ORG"), (10, 20, "GPE")], attack("Attacker"))
    app = make_app(workspace, annotator="tester")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("g")
        screen = app.screen
        assert isinstance(screen, AgreementScreen)
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.report is not None:
                break
        report = screen.report
        assert report is not None and report.annotators == ("ali", "sara")
        # 2 of 4 spans match in the pair: F1 = 2*2 / (4 + 4) = 0.5
        assert report.to_dict()["spans"]["exact"]["f1"] == 0.5
        # the summary rows, as every renderer shows them
        summary = screen.query_one("#summary")
        shown = [tuple(str(cell) for cell in summary.get_row_at(i)) for i in range(summary.row_count)]
        assert shown == [(row.label, row.value.explained(), row.over) for row in report.summary()]
        assert shown[0] == (
            "Span F1, exact (mean over pairs)",
            "0.500",
            "1 pair · 8 spans · 2 documents two or more annotators did",
        )
        trigger_f1 = next(row for row in shown if row[0] == "Event trigger F1 (mean over pairs)")
        assert trigger_f1 == (
            "Event trigger F1 (mean over pairs)",
            "1.000",
            "1 pair · 2 triggers · 2 documents two or more annotators did",
        )
        # gold exists: each annotator against it (ali is gold's copy, sara differs)
        against = screen.query_one("#against")
        rows = [tuple(str(cell) for cell in against.get_row_at(i)) for i in range(against.row_count)]
        assert [r[0] for r in rows] == ["ali", "sara"]
        assert rows[0][2] == "1.000 / 1.000 / 1.000" and rows[1][2] == "0.000 / 0.000 / 0.000"
        docs = screen.query_one("#docs")
        first = docs.coordinate_to_cell_key((0, 0)).row_key.value
        assert first == disputed  # most disagreement first
        await pilot.pause()
        listed = screen.query_one("#disagreements")  # the highlighted document's, of every kind
        rows = [tuple(str(cell) for cell in listed.get_row_at(i)) for i in range(listed.row_count)]
        assert ("argument", "different roles", "0–5 of trigger 30–34", "Attacker", "Target") in rows
        assert ("entity", "different labels", "0–5", "ORG", "PER") in rows
        pairs = screen.query_one("#pairs")
        assert pairs.row_count == 2
        await pilot.press("enter")
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert set(compare.stack.versions) == {"ali", "sara"} and compare.doc_id == disputed
        assert (0, 5) in compare.disagreements and (10, 20) in compare.disagreements
        await pilot.press("j")
        assert "ali: ORG" in str(compare.query_one("#status").render())
