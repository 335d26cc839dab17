"""The disagreement list of the agreement report: every listed :class:`Disagreement`, worst
documents first, held as one polars table and built into objects only when asked.

A large corpus has hundreds of thousands of disagreements and the JSON report and the CSV
list carry them all; making a frozen object for each, and then a dict of each, would cost
more than computing every measure. So :class:`Disagreements` keeps the table (codes,
offsets) and the names to decode it, and offers the renderers what each needs:
``report.disagreements[:200]`` or ``of_document(id)`` as objects (the terminal, Markdown,
HTML, the TUI), :meth:`Disagreements.dicts` as the JSON's dicts, built straight from the
rows, and iteration for the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from annotator.core.agreement.disagreements import ARGUMENT, KINDS
from annotator.core.agreement.tables import MAX_OFFSET

if TYPE_CHECKING:
    import polars as pl

NOT_ANNOTATED = "(not annotated)"
NO_EVENT = "(no event here)"


@dataclass(frozen=True)
class Snippet:
    before: str
    text: str
    after: str


@dataclass(frozen=True)
class Trigger:
    """The trigger an argument disagreement hangs on."""

    start: int
    end: int
    text: str | None  # None: no text was given


@dataclass(frozen=True)
class Disagreement:
    """A position where the annotators did not all say the same (see
    :mod:`annotator.core.agreement.disagreements`): an entity extent (labels), a trigger
    extent (event types) or an argument entity of a trigger (roles)."""

    doc_id: str
    start: int
    end: int
    said: Mapping[str, tuple[str, ...]]  # what each participant put there: labels, types or roles
    snippet: Snippet | None = None  # None: no text was given
    kind: str = "entity"  # "entity", "trigger" or "argument"
    what: str = ""  # "different labels", "missing argument, different roles", ...
    trigger: Trigger | None = None  # arguments: the trigger
    without_event: tuple[str, ...] = ()  # arguments: annotators of the document with no event at the trigger

    def said_by(self, annotator: str) -> str | None:
        """ "PER", "PER+ORG", "—" (marked nothing here), "(no event here)" (an argument of an
        event this annotator did not mark), None (did not annotate the document)."""
        if annotator in self.without_event:
            return NO_EVENT
        if annotator not in self.said:
            return None
        return "+".join(self.said[annotator]) or "—"

    def shown_by(self, annotator: str) -> str:
        """:meth:`said_by`, "(not annotated)" for None."""
        said = self.said_by(annotator)
        return NOT_ANNOTATED if said is None else said

    def where(self) -> str:
        """ "12–19", or for an argument "12–19 of trigger 30–34"."""
        own = f"{self.start}–{self.end}"
        return own if self.trigger is None else f"{own} of trigger {self.trigger.start}–{self.trigger.end}"

    def text(self) -> str:
        """The marked text ("" without texts); an argument's with its trigger's: "التحالف ← يقصف"."""
        own = "" if self.snippet is None else self.snippet.text
        if self.trigger is None or self.trigger.text is None:
            return own
        return f"{own} ← {self.trigger.text}"


# One row of the table, decoded: kind, doc_id, start, end, what, said, without_event,
# trigger (start, end) or None, and the document's text (None without texts).
_Row = tuple[str, str, int, int, str, dict[str, list[str]], list[str], "tuple[int, int] | None", "str | None"]


@dataclass(frozen=True, eq=False)
class Disagreements(Sequence[Disagreement]):
    """The listed disagreements, worst documents first.

    ``frame``: kind (index into :data:`KINDS`), doc_id, t (packed trigger extent, 0 but
    for arguments), start, end, what, then ``r{i}`` per annotator (List[String]: what
    they said, labels, types or roles; null: no participant there) and ``cov``
    (List[Int32]: the annotators who annotated the document)."""

    frame: pl.DataFrame | None = None
    annotators: tuple[str, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    context: int = 40

    def __len__(self) -> int:
        return 0 if self.frame is None else self.frame.height

    @overload
    def __getitem__(self, index: int) -> Disagreement: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Disagreement, ...]: ...

    def __getitem__(self, index: int | slice) -> Disagreement | tuple[Disagreement, ...]:
        if isinstance(index, slice):
            if self.frame is None:
                return ()
            return tuple(self._object(r) for r in self._rows(self.frame[index]))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self) or self.frame is None:
            raise IndexError(index)
        return next(self._object(r) for r in self._rows(self.frame[index : index + 1]))

    def __iter__(self) -> Iterator[Disagreement]:
        if self.frame is not None:
            yield from (self._object(r) for r in self._rows(self.frame))

    def of_document(self, doc_id: str) -> tuple[Disagreement, ...]:
        """The disagreements listed in ``doc_id``, in list order."""
        import polars as pl

        if self.frame is None:
            return ()
        return tuple(self._object(r) for r in self._rows(self.frame.filter(pl.col("doc_id") == doc_id)))

    def dicts(self) -> Iterator[dict[str, Any]]:
        """Each as the JSON report has it (no object in between)."""
        if self.frame is None:
            return
        context = self.context
        for kind, doc_id, s, e, what, said, without, trigger, text in self._rows(self.frame):
            out: dict[str, Any] = {"kind": kind, "what": what, "doc_id": doc_id, "start": s, "end": e, "said": said}
            if text is not None:
                out.update(text=text[s:e], before=text[max(0, s - context) : s], after=text[e : e + context])
            if trigger is not None:
                t: dict[str, Any] = {"start": trigger[0], "end": trigger[1]}
                if text is not None:
                    t["text"] = text[trigger[0] : trigger[1]]
                out["trigger"] = t
                out["without_event"] = without
            yield out

    def _rows(self, frame: pl.DataFrame) -> Iterator[_Row]:
        names = self.annotators
        columns = ["kind", "doc_id", "t", "start", "end", "what", *(f"r{i}" for i in range(len(names))), "cov"]
        texts, n = self.texts, len(names)
        for kind, doc_id, t, s, e, what, *per_annotator, cov in frame.select(columns).iter_rows():
            said = {names[i]: values for i, values in enumerate(per_annotator) if values is not None}
            trigger = None
            without: list[str] = []
            if KINDS[kind] == ARGUMENT:
                trigger = divmod(t, MAX_OFFSET + 1)
                without = [names[i] for i in cov if i < n and per_annotator[i] is None]
            yield KINDS[kind], doc_id, s, e, what, said, without, trigger, texts.get(doc_id)

    def _object(self, row: _Row) -> Disagreement:
        kind, doc_id, s, e, what, said, without, trigger, text = row
        snippet = None
        if text is not None:
            c = self.context
            snippet = Snippet(before=text[max(0, s - c) : s], text=text[s:e], after=text[e : e + c])
        trig = None
        if trigger is not None:
            trig = Trigger(trigger[0], trigger[1], None if text is None else text[trigger[0] : trigger[1]])
        said_tuples = {a: tuple(v) for a, v in said.items()}
        return Disagreement(doc_id, s, e, said_tuples, snippet, kind, what, trig, tuple(without))
