"""Hybrid retrieval: dense (FAISS) and lexical (BM25) scores fused into one ranked list."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.embedder import Embedder
from retrieval.bm25 import BM25Index
from retrieval.documents import Passage
from retrieval.store import PassageStore

RetrievalMode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # the fused score in [0, 1] used for ranking and confidence
    dense: float  # cosine similarity
    lexical: float  # raw BM25


class HybridRetriever:
    """Retrieves from one brand's store. Score = alpha * cosine + (1 - alpha) * s / (s + c) of BM25.

    The saturating map of BM25 keeps scores absolute (comparable across queries), which the
    auto-answer confidence bar needs; min-max normalisation per query would not.
    """

    def __init__(
        self,
        store: PassageStore,
        embedder: Embedder,
        *,
        alpha: float = 0.5,
        k1: float = 1.2,
        b: float = 0.75,
        saturation: float = 6.0,
        candidates: int = 50,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.alpha = alpha
        self.saturation = saturation
        self.candidates = candidates
        self.bm25 = BM25Index(k1=k1, b=b)
        self.bm25.add_many((p.id, p.text) for p in store.passages())

    # keep BM25 in step with the store ---------------------------------------------------------
    def upsert(self, passages: list[Passage]) -> None:
        vectors = self.embedder.encode([p.text for p in passages])
        self.store.upsert(passages, vectors)
        for p in passages:
            self.bm25.add(p.id, p.text)

    def remove(self, passage_ids: list[str]) -> int:
        for pid in passage_ids:
            self.bm25.remove(pid)
        return self.store.remove(passage_ids)

    # search -----------------------------------------------------------------------------------
    def pool_for(self, k: int) -> int:
        """Candidates taken from each of FAISS and BM25 for a top-``k`` search."""
        return max(self.candidates, k * 4)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.encode([query])

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: RetrievalMode = "hybrid",
        kinds: Collection[str] | None = None,
        exclude_ids: Collection[str] = (),
        query_vector: np.ndarray | None = None,
        pool: int | None = None,
    ) -> list[Hit]:
        """Top-k hits, best first. ``kinds`` filters passage kinds; ``exclude_ids`` drops passages.
        ``pool``: candidates taken from each of FAISS and BM25 (default ``pool_for(k)``); with
        ``k >= 2 * pool`` every candidate comes back, so a caller can read each ranking's own best."""
        pool = pool or self.pool_for(k)
        dense: dict[str, float] = {}
        if mode in ("hybrid", "dense") and len(self.store):
            vector = query_vector if query_vector is not None else self.embed_query(query)
            scores, ids = self.store.vectors.search(vector, pool)
            for score, int_id in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
                passage = self.store.by_int_id(int_id) if int_id >= 0 else None
                if passage is not None:
                    dense[passage.id] = float(score)
        lexical: dict[str, float] = self.bm25.candidates(query, pool, also=dense) if mode in ("hybrid", "bm25") else {}

        hits: list[Hit] = []
        for pid in set(dense) | set(lexical):
            passage = self.store.get(pid)
            if passage is None or pid in exclude_ids or (kinds is not None and passage.kind not in kinds):
                continue
            # A hit outside one candidate pool scores below that pool's last entry; it is
            # counted as 0 there, which only ever under-ranks it.
            cos = dense.get(pid, 0.0)
            lex = lexical.get(pid, 0.0)
            hits.append(Hit(passage, self._fuse(cos, lex, mode), cos, lex))
        hits.sort(key=lambda h: (-h.score, h.passage.id))
        return hits[:k]

    def _fuse(self, cos: float, lex: float, mode: RetrievalMode) -> float:
        lex_norm = lex / (lex + self.saturation) if lex > 0 else 0.0
        if mode == "dense":
            return max(cos, 0.0)
        if mode == "bm25":
            return lex_norm
        return self.alpha * max(cos, 0.0) + (1 - self.alpha) * lex_norm
