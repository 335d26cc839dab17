"""spaCy's DocBin (``.spacy`` files): what ``spacy train`` reads, one file per split.

Each document becomes a ``Doc`` whose text is the stored text, character for character: the
export's tokens (word or clitic) with the white space between them as spaCy keeps it (one
space after a token; any other run of white space, or an invisible separator, is a token of
its own), sentence starts, ``doc.ents`` the outer entities (spaCy's NER learns one layer),
``doc.spans["sc"]`` every entity, nested ones too (the key of spaCy's span categorizer), and
with ``--events`` ``doc.spans["triggers"]``. Labels are the guidelines' names.

spaCy is an optional extra (``pip install 'annotator[spacy]'``), imported here only, when a
spaCy export is asked for.
"""

from __future__ import annotations

import hashlib
import importlib
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.export.tagging import Span, Tagged

EXTENSION = "spacy"
SPANS_KEY = "sc"
TRIGGERS_KEY = "triggers"
ATTRS = ("ORTH", "ENT_IOB", "ENT_TYPE", "SENT_START")  # what the export sets (spaces are always kept)


@cache
def spacy_tokens() -> Any:
    """``spacy.tokens`` (Doc, Span, DocBin), or one error line saying how to install spaCy."""
    try:
        return importlib.import_module("spacy.tokens")
    except ImportError:
        raise AnnotatorError(
            "--format spacy needs spaCy, which is not installed", None, "pip install 'annotator[spacy]'"
        ) from None


@cache
def _vocab() -> Any:
    return importlib.import_module("spacy.vocab").Vocab()


def words_and_spaces(text: str, offsets: list[tuple[int, int]]) -> tuple[list[str], list[bool], list[int]]:
    """spaCy's words and spaces for ``text`` (joined they give the text back exactly), and where
    each export token went among the words."""
    words: list[str] = []
    spaces: list[bool] = []
    where: list[int] = []

    def gap(blank: str) -> None:
        if blank[:1] == " " and words and not spaces[-1]:
            spaces[-1] = True
            blank = blank[1:]
        if blank:
            words.append(blank)
            spaces.append(False)

    at = 0
    for start, end in offsets:
        gap(text[at:start])
        where.append(len(words))
        words.append(text[start:end])
        spaces.append(False)
        at = end
    gap(text[at:])
    return words, spaces, where


def render(tagged: Tagged, text: str) -> bytes:
    """One document as a DocBin of its own (``DocBin.merge`` puts a split's documents together)."""
    tokens = spacy_tokens()
    words, spaces, where = words_and_spaces(text, tagged.offsets)
    starts = {where[a] for a, _ in tagged.sentences} | {0}
    doc = tokens.Doc(_vocab(), words=words, spaces=spaces, sent_starts=[i in starts for i in range(len(words))])

    def spans(items: list[Span]) -> list[Any]:
        return [tokens.Span(doc, where[a], where[b - 1] + 1, label=label) for a, b, label in sorted(set(items))]

    doc.ents = spans(tagged.outer)
    doc.spans[SPANS_KEY] = spans(tagged.entities)
    if tagged.triggers is not None:
        doc.spans[TRIGGERS_KEY] = spans(tagged.trigger_spans)
    return tokens.DocBin(attrs=ATTRS, store_user_data=False, docs=[doc]).to_bytes()


class Collector:
    """A split's documents gathered into one DocBin file without holding the bin: the bytes are
    those of ``DocBin.merge`` of every document then ``DocBin.to_bytes`` (zlib of one msgpack map
    of the concatenated arrays, the sorted strings, and per-document lists), but each document's
    arrays and list items are spooled to hidden files beside the output as they come, and the
    file is compressed from them at the end, a chunk at a time."""

    LISTS = ("cats", "flags", "span_groups")  # per-document items, in DocBin.to_bytes's order
    CHUNK = 1 << 20

    def __init__(self, folder: Path, name: str):
        empty = spacy_tokens().DocBin(attrs=ATTRS, store_user_data=False)
        self.version, self.attrs = empty.version, list(empty.attrs)
        self.path = folder / name
        self.spools = {key: open(folder / f".{name}.{key}", "w+b") for key in ("tokens", "spaces", *self.LISTS)}
        self.lengths = bytearray()  # int32 per document, as numpy writes them
        self.strings: set[str] = set()
        self.documents = 0

    def add(self, data: bytes) -> None:
        """One document's DocBin (``render``)."""
        pack, msg = _srsly().msgpack_dumps, _srsly().msgpack_loads(zlib.decompress(data))
        if list(msg["attrs"]) != self.attrs:
            raise ValueError(f"DocBin attrs {msg['attrs']} are not {self.attrs}")
        self.spools["tokens"].write(msg["tokens"])
        self.spools["spaces"].write(msg["spaces"])
        self.lengths += msg["lengths"]
        self.strings.update(msg["strings"])
        for key in self.LISTS:
            for item in msg[key]:
                self.spools[key].write(pack(item))
        self.documents += len(msg["cats"])

    def write(self) -> str:
        """The file written; its sha256. The spools are removed."""
        pack = _srsly().msgpack_dumps
        digest, deflate = hashlib.sha256(), zlib.compressobj()
        with open(self.path, "wb") as out:

            def put(raw: bytes) -> None:
                chunk = deflate.compress(raw)
                digest.update(chunk)
                out.write(chunk)

            def put_spool(key: str) -> None:
                spool = self.spools[key]
                spool.flush()
                spool.seek(0)
                while chunk := spool.read(self.CHUNK):
                    put(chunk)

            put(b"\x89")  # a map of the 9 keys of DocBin.to_bytes (no user data)
            put(pack("version") + pack(self.version) + pack("attrs") + pack(self.attrs))
            for key in ("tokens", "spaces"):
                put(pack(key) + _bin_header(self.spools[key].tell()))
                put_spool(key)
            put(pack("lengths") + pack(bytes(self.lengths)))
            put(pack("strings") + pack(sorted(self.strings)))
            for key in self.LISTS:
                put(pack(key) + _array_header(self.documents))
                put_spool(key)
            chunk = deflate.flush()
            digest.update(chunk)
            out.write(chunk)
        self.close()
        return digest.hexdigest()

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()
            Path(spool.name).unlink(missing_ok=True)


def _bin_header(n: int) -> bytes:
    """msgpack's header of ``n`` bytes of binary data (what srsly writes before them)."""
    if n < 1 << 8:
        return b"\xc4" + n.to_bytes(1, "big")
    if n < 1 << 16:
        return b"\xc5" + n.to_bytes(2, "big")
    return b"\xc6" + n.to_bytes(4, "big")


def _array_header(n: int) -> bytes:
    """msgpack's header of an array of ``n`` items."""
    if n < 16:
        return bytes([0x90 | n])
    if n < 1 << 16:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


@cache
def _srsly() -> Any:
    return importlib.import_module("srsly")
