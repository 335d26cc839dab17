"""The streamed DocBin file is byte for byte what spaCy's own DocBin.merge and to_bytes give."""

from __future__ import annotations

import pytest

from annotator.core.export import docbin

spacy_tokens = pytest.importorskip("spacy.tokens", reason="spaCy is in the 'oracles' extra (make test installs it)")


def _doc_bins(n: int) -> list[bytes]:
    from spacy.vocab import Vocab

    vocab, out = Vocab(), []
    for k in range(n):
        words = ["قال", "محمد", f"w{k}", "في", "الرياض"][: 1 + k % 5]
        doc = spacy_tokens.Doc(vocab, words=words, spaces=[True] * len(words))
        doc.ents = [spacy_tokens.Span(doc, 0, 1, label="PER")] if k % 2 else []
        doc.spans[docbin.SPANS_KEY] = [spacy_tokens.Span(doc, 0, len(words), label=f"L{k % 3}")]
        out.append(spacy_tokens.DocBin(attrs=docbin.ATTRS, store_user_data=False, docs=[doc]).to_bytes())
    return out


@pytest.mark.parametrize("n", [0, 1, 17])  # 17: past msgpack's short array header
def test_streamed_docbin_is_spacys_merge(tmp_path, n):
    expected = spacy_tokens.DocBin(attrs=docbin.ATTRS, store_user_data=False)
    collector = docbin.Collector(tmp_path, "all.spacy")
    for data in _doc_bins(n):
        expected.merge(spacy_tokens.DocBin(attrs=docbin.ATTRS, store_user_data=False).from_bytes(data))
        collector.add(data)
    collector.write()
    assert (tmp_path / "all.spacy").read_bytes() == expected.to_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["all.spacy"]  # the spools are gone
