"""How many annotators must agree, and what their answers settle: the one rule of every strategy.

A strategy is a threshold ``K``: a unit (an entity, a trigger, an argument) is accepted
when at least ``K`` of the ``n`` annotators of the document gave it. ``threshold`` takes
``K`` from ``--min-agree``; ``majority`` is ``K = n // 2 + 1`` (more than half) and
``unanimous`` is ``K = n``.

Each annotator of the document answers, for every unit, the question "what is at this
place?" with the units of the same kind they gave on exactly its extent, else those they
gave overlapping it (other boundaries), else nothing (for an argument: the arguments of
the same event, placed by their entity's extent). A unit is

- *accepted* when at least ``K`` annotators gave it;
- *rejected* when at least ``K`` annotators gave one and the same answer without it:
  ORG by two of three annotators and WEA by one on the same extent settles it to ORG
  under majority, and WEA is no conflict; a span one annotator marked and two left
  empty is left out;
- *open* otherwise: a tie, too few agreeing, or annotators who each marked the place
  with other boundaries (they agree something is there, not on what). Open units are
  the conflicts for curation.

With ``K > n / 2`` (majority, unanimous, most thresholds) at most one answer reaches
``K``; a smaller ``K`` may accept several units at one place, and acceptance wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from annotator.core.errors import AnnotatorError

STRATEGIES = ("unanimous", "majority", "threshold")
ACCEPTED, REJECTED, OPEN = "accepted", "rejected", "open"


@dataclass(frozen=True, slots=True)
class Strategy:
    """A merge strategy: its name and, for ``threshold``, how many annotators must agree."""

    name: str
    min_agree: int | None = None

    @classmethod
    def of(cls, name: str, min_agree: int | None = None) -> Strategy:
        """The strategy ``name`` (``--min-agree K`` with ``threshold`` only), checked."""
        if name not in STRATEGIES:
            raise AnnotatorError(f"unknown strategy {name!r}", "--strategy", f"one of {', '.join(STRATEGIES)}")
        if name == "threshold" and min_agree is None:
            raise AnnotatorError("--strategy threshold needs --min-agree K (how many annotators must agree)")
        if name != "threshold" and min_agree is not None:
            raise AnnotatorError(f"--min-agree goes with --strategy threshold, not {name}")
        if min_agree is not None and min_agree < 1:
            raise AnnotatorError(f"{min_agree} is not a number of annotators", "--min-agree", "give 1 or more")
        return cls(name, min_agree)

    def check_against(self, annotators: Sequence[str]) -> None:
        """Refuse a threshold no document can reach: more annotators than are merged."""
        if self.min_agree is not None and self.min_agree > len(annotators):
            raise AnnotatorError(
                f"{self.min_agree} is more than the {len(annotators)} annotators merged",
                "--min-agree",
                f"{', '.join(annotators)}: give at most {len(annotators)}",
            )

    def needed(self, n: int) -> int:
        """How many of the ``n`` annotators of a document must give a unit for it to be accepted."""
        if self.name == "unanimous":
            return n
        if self.name == "majority":
            return n // 2 + 1
        assert self.min_agree is not None
        return self.min_agree

    def describe(self) -> str:
        return f"threshold {self.min_agree}" if self.name == "threshold" else self.name

    def to_json(self) -> dict[str, object]:
        """What a gold file records of the strategy that merged it."""
        return {"strategy": self.name} | ({"min_agree": self.min_agree} if self.min_agree is not None else {})


def verdict(unit: Hashable, answers: Iterable[frozenset[Hashable]], needed: int) -> str:
    """ACCEPTED, REJECTED or OPEN for ``unit``, given every annotator's answer to its question
    (the units each gave there; empty: nothing) and how many must agree."""
    counts = Counter(answers)
    if sum(count for answer, count in counts.items() if unit in answer) >= needed:
        return ACCEPTED
    if any(count >= needed and unit not in answer for answer, count in counts.items()):
        return REJECTED
    return OPEN
