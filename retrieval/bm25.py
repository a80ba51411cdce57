"""An incremental BM25 index: documents can be added and removed by id without a rebuild.

Postings are kept per term as growable lists of document slots, turned into numpy arrays lazily
(and cached until the term changes), so a query costs a few vectorised operations per term.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from retrieval.text import tokenize


class _Postings:
    __slots__ = ("slots", "tfs", "_arrays")

    def __init__(self) -> None:
        self.slots: list[int] = []
        self.tfs: list[int] = []
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None

    def add(self, slot: int, tf: int) -> None:
        self.slots.append(slot)
        self.tfs.append(tf)
        self._arrays = None

    def remove(self, slot: int) -> None:
        i = self.slots.index(slot)
        last = len(self.slots) - 1
        self.slots[i], self.tfs[i] = self.slots[last], self.tfs[last]
        self.slots.pop()
        self.tfs.pop()
        self._arrays = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None:
            self._arrays = (np.asarray(self.slots, dtype=np.int64), np.asarray(self.tfs, dtype=np.float32))
        return self._arrays


class BM25Index:
    """Okapi BM25 over tokenised documents, keyed by string ids."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, tokenizer: Callable[[str], list[str]] = tokenize) -> None:
        self.k1 = k1
        self.b = b
        self._tokenize = tokenizer
        self._postings: dict[str, _Postings] = {}
        self._slot_of: dict[str, int] = {}
        self._ids: list[str | None] = []
        self._free: list[int] = []
        self._lengths = np.zeros(0, dtype=np.float32)
        self._doc_terms: dict[str, list[str]] = {}
        self._total_length = 0.0

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self._slot_of

    def _new_slot(self, doc_id: str) -> int:
        if self._free:
            slot = self._free.pop()
            self._ids[slot] = doc_id
        else:
            slot = len(self._ids)
            self._ids.append(doc_id)
            if slot >= len(self._lengths):
                grown = np.zeros(max(16, 2 * len(self._lengths)), dtype=np.float32)
                grown[: len(self._lengths)] = self._lengths
                self._lengths = grown
        self._slot_of[doc_id] = slot
        return slot

    def add(self, doc_id: str, text: str) -> None:
        """Add or replace one document."""
        if doc_id in self._slot_of:
            self.remove(doc_id)
        counts = Counter(self._tokenize(text))
        slot = self._new_slot(doc_id)
        for term, tf in counts.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = _Postings()
            postings.add(slot, tf)
        length = float(sum(counts.values()))
        self._lengths[slot] = length
        self._total_length += length
        self._doc_terms[doc_id] = list(counts)

    def add_many(self, items: Iterable[tuple[str, str]]) -> None:
        for doc_id, text in items:
            self.add(doc_id, text)

    def remove(self, doc_id: str) -> bool:
        """Remove one document; returns False when it was not there."""
        slot = self._slot_of.pop(doc_id, None)
        if slot is None:
            return False
        for term in self._doc_terms.pop(doc_id):
            postings = self._postings[term]
            postings.remove(slot)
            if not postings.slots:
                del self._postings[term]
        self._total_length -= float(self._lengths[slot])
        self._lengths[slot] = 0.0
        self._ids[slot] = None
        self._free.append(slot)
        return True

    def _scores(self, query: str) -> np.ndarray | None:
        n_docs = len(self._slot_of)
        terms = [t for t in set(self._tokenize(query)) if t in self._postings]
        if n_docs == 0 or not terms:
            return None
        avg_len = self._total_length / n_docs or 1.0
        scores = np.zeros(len(self._ids), dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self._lengths[: len(self._ids)] / avg_len)
        for term in terms:
            slots, tf = self._postings[term].arrays()
            df = len(slots)
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            scores[slots] += idf * tf * (self.k1 + 1) / (tf + norm[slots])
        return scores

    def search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        """Top-k (id, score) pairs, best first; empty when no query term occurs."""
        scores = self._scores(query)
        if scores is None:
            return []
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        ranked = sorted(((self._ids[s], float(scores[s])) for s in positive), key=lambda kv: (-kv[1], kv[0]))
        return [(doc_id, score) for doc_id, score in ranked if doc_id is not None][:k]

    def candidates(self, query: str, k: int, also: Iterable[str] = ()) -> dict[str, float]:
        """Scores of the top-k documents plus those of ``also`` (e.g. the dense candidates), in one pass."""
        scores = self._scores(query)
        if scores is None:
            return {}
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        out = {self._ids[s]: float(scores[s]) for s in positive if self._ids[s] is not None}
        for doc_id in also:
            slot = self._slot_of.get(doc_id)
            if slot is not None and scores[slot] > 0:
                out[doc_id] = float(scores[slot])
        return out

    def score_all(self, query: str) -> dict[str, float]:
        """BM25 score of every document that shares a term with ``query``."""
        scores = self._scores(query)
        if scores is None:
            return {}
        return {self._ids[s]: float(scores[s]) for s in np.flatnonzero(scores > 0) if self._ids[s] is not None}
