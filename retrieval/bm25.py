"""An incremental BM25 index: documents can be added and removed by id without a rebuild."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from retrieval.text import tokenize


class BM25Index:
    """Okapi BM25 over tokenised documents, keyed by string ids."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, tokenizer: Callable[[str], list[str]] = tokenize) -> None:
        self.k1 = k1
        self.b = b
        self._tokenize = tokenizer
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._lengths: dict[str, int] = {}
        self._doc_terms: dict[str, list[str]] = {}
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._lengths)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._lengths

    def add(self, doc_id: str, text: str) -> None:
        """Add or replace one document."""
        if doc_id in self._lengths:
            self.remove(doc_id)
        counts = Counter(self._tokenize(text))
        for term, tf in counts.items():
            self._postings[term][doc_id] = tf
        length = sum(counts.values())
        self._lengths[doc_id] = length
        self._doc_terms[doc_id] = list(counts)
        self._total_length += length

    def add_many(self, items: Iterable[tuple[str, str]]) -> None:
        for doc_id, text in items:
            self.add(doc_id, text)

    def remove(self, doc_id: str) -> bool:
        """Remove one document; returns False when it was not there."""
        length = self._lengths.pop(doc_id, None)
        if length is None:
            return False
        self._total_length -= length
        for term in self._doc_terms.pop(doc_id):
            docs = self._postings[term]
            docs.pop(doc_id, None)
            if not docs:
                del self._postings[term]
        return True

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """Top-k (id, score) pairs, best first; empty when no query term occurs."""
        scores = self.score_all(query)
        if not scores:
            return []
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:k]

    def score_all(self, query: str) -> dict[str, float]:
        """BM25 score of every document that shares a term with ``query``."""
        n_docs = len(self._lengths)
        if n_docs == 0:
            return {}
        avg_len = self._total_length / n_docs or 1.0
        scores: dict[str, float] = defaultdict(float)
        for term in set(self._tokenize(query)):
            docs = self._postings.get(term)
            if not docs:
                continue
            df = len(docs)
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            ids = list(docs.keys())
            tf = np.fromiter(docs.values(), dtype=np.float32, count=df)
            lengths = np.fromiter((self._lengths[d] for d in ids), dtype=np.float32, count=df)
            part = idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * lengths / avg_len))
            for doc_id, value in zip(ids, part.tolist(), strict=True):
                scores[doc_id] += value
        return dict(scores)
