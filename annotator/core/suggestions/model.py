"""What a suggestion is, what an annotator decided about one, and where both live.

A suggestion is a span (code points into the stored text, end exclusive), a label (an entity
label of the workspace's guidelines), the text it covers, the source that proposed it and a
score in [0, 1] (how sure the source is; None when it gave none). It is never an annotation:
agreement, adjudication and export never read ``suggestions/``.

Workspace layout (all JSON through ``core.jsonio``, written atomically):

- ``suggestions/models/<source>/<doc_id>.json``: a model's predictions for one document,
  imported with ``annotator import annotations FILE --as-suggestions --source NAME``:
  ``{"format": 1, "doc_id", "text_sha256", "source", "suggestions": [{"start", "end", "label",
  "score"?}]}``. Made on another text (sha256 differs): ignored.
- ``suggestions/decisions/<annotator>/<doc_id>.json``: what one annotator decided about the
  suggestions of one document: ``{"format": 1, "doc_id", "annotator", "decisions": [{"start",
  "end", "label", "source", "verdict": "accepted"|"rejected", "at"}]}``. A rejected suggestion
  (same span and label) is not proposed again to that annotator; the counts per source and label
  are what ``annotator status`` reports. Per annotator, so clones merge without conflicts.

Source names: :data:`STRINGS` for the workspace's own annotations (the annotator's files and
gold), :data:`GUIDELINES` for the schema's examples, and a model's name (an annotator-like
name, ``identity.check_name``) for imported predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FORMAT = 1
FOLDER = "suggestions"
MODELS = "models"
DECISIONS = "decisions"

STRINGS = "annotations"  # string matching on what the workspace already annotated
GUIDELINES = "guidelines"  # string matching on the schema's examples
BUILT_IN = (STRINGS, GUIDELINES)  # names a model may not take

ACCEPTED: Literal["accepted"] = "accepted"
REJECTED: Literal["rejected"] = "rejected"
Verdict = Literal["accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    start: int
    end: int
    label: str
    text: str  # text[start:end] of the stored document
    source: str
    score: float | None = None
    why: str = ""  # for people: "GPE 3 of 4 times (annotations)", "model ner-v2"

    @property
    def key(self) -> tuple[int, int, str]:
        """What a decision is remembered by: the span and the label."""
        return self.start, self.end, self.label

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "source": self.source,
            "score": self.score,
        }
        if self.why:
            out["why"] = self.why
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    start: int
    end: int
    label: str
    source: str
    verdict: Verdict
    at: str  # ISO 8601 UTC

    @property
    def key(self) -> tuple[int, int, str]:
        return self.start, self.end, self.label

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "source": self.source,
            "verdict": self.verdict,
            "at": self.at,
        }


def models_dir(root: Path) -> Path:
    return root / FOLDER / MODELS


def decisions_dir(root: Path, annotator: str) -> Path:
    return root / FOLDER / DECISIONS / annotator
