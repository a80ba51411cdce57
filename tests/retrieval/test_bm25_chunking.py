"""Lexical matching (Dutch stemming, BM25) and chunking."""

from __future__ import annotations

from retrieval.bm25 import BM25Index
from retrieval.chunking import chunk_text
from retrieval.text import tokenize


def test_tokenize_normalises_dutch_text() -> None:
    tokens = tokenize("Wanneer wordt mijn PAKKET bezorgd?? https://x.nl @voltera café")
    assert "pakket" in tokens and "wanneer" in tokens and "cafe" in tokens
    assert "mijn" not in tokens and not any("http" in t or "voltera" in t for t in tokens)
    assert tokenize("boeken") == tokenize("boek")  # stemmed


def test_bm25_ranks_and_updates_incrementally() -> None:
    index = BM25Index()
    index.add("a", "Boeken verlengen kan in de app of aan de balie")
    index.add("b", "Openingstijden van de vestiging Oosterwijk")
    index.add("c", "Te laat? De boete is 25 cent per dag per boek")
    assert index.search("hoe verleng ik mijn boeken")[0][0] == "a"
    assert index.search("openingstijden oosterwijk")[0][0] == "b"
    index.add("a", "Printen kost 10 cent per pagina")  # replace
    assert all(doc != "a" for doc, _ in index.search("verlengen"))
    assert index.remove("b") and not index.remove("b")
    assert index.search("oosterwijk") == []
    assert len(index) == 2


def test_chunks_respect_limit_and_overlap() -> None:
    text = " ".join(f"Zin nummer {i} gaat over lenen." for i in range(50))
    chunks = chunk_text(text, max_words=40, overlap=10)
    assert len(chunks) > 3
    assert all(len(c.split()) <= 40 for c in chunks)
    assert set(chunks[0].split()[-5:]) & set(chunks[1].split()[:15])  # consecutive chunks overlap
    assert chunk_text("Kort.") == ["Kort."]
    long_word_run = "woord " * 300
    assert all(len(c.split()) <= 50 for c in chunk_text(long_word_run, max_words=50, overlap=5))
