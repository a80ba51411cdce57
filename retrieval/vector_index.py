"""FAISS inner-product index with stable string ids: flat for small brands, IVF above a size."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["flat", "ivf"]


def stable_int_id(item_id: str) -> int:
    """A 63-bit integer id derived from the string id: the same across builds and machines."""
    return int.from_bytes(hashlib.blake2b(item_id.encode("utf-8"), digest_size=8).digest(), "big") & ((1 << 63) - 1)


def ivf_lists_for(n: int) -> int:
    return int(min(4096, max(16, round(4 * math.sqrt(max(n, 1))))))


class VectorIndex:
    """Vectors keyed by string ids; add, remove and search without rebuilding."""

    def __init__(self, index: faiss.Index, kind: IndexKind, dimension: int, nprobe: int = 16) -> None:
        self._index = index
        self.kind: IndexKind = kind
        self.dimension = dimension
        self.nprobe = nprobe
        self._apply_nprobe()

    # construction -------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        vectors: np.ndarray,
        *,
        ann_threshold: int = 20_000,
        nprobe: int = 16,
        seed: int = 0,
    ) -> VectorIndex:
        vectors = _check(vectors)
        dimension = vectors.shape[1]
        if len(ids) > ann_threshold:
            nlist = ivf_lists_for(len(ids))
            quantizer = faiss.IndexFlatIP(dimension)
            index: faiss.Index = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
            clustering_sample = vectors
            if len(vectors) > nlist * 64:  # k-means needs no more than this; keeps builds fast
                rng = np.random.default_rng(seed)
                clustering_sample = vectors[rng.choice(len(vectors), nlist * 64, replace=False)]
            index.cp.seed = seed
            index.train(clustering_sample)
            kind: IndexKind = "ivf"
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
            kind = "flat"
        built = cls(index, kind, dimension, nprobe)
        built.add(ids, vectors)
        return built

    @classmethod
    def empty(cls, dimension: int) -> VectorIndex:
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), "flat", dimension)

    # mutation -----------------------------------------------------------------------------
    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = _check(vectors, self.dimension)
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        self._index.add_with_ids(vectors, np.array([stable_int_id(i) for i in ids], dtype=np.int64))

    def remove(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        return int(self._index.remove_ids(np.array([stable_int_id(i) for i in ids], dtype=np.int64)))

    # queries ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, int ids) arrays of shape (n_queries, k); missing hits have id -1."""
        queries = _check(queries, self.dimension)
        k = max(1, min(k, max(len(self), 1)))
        return self._index.search(queries, k)

    # persistence --------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        return faiss.serialize_index(self._index).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, kind: IndexKind, nprobe: int = 16) -> VectorIndex:
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        return cls(index, kind, index.d, nprobe)

    def _apply_nprobe(self) -> None:
        if self.kind == "ivf":
            faiss.extract_index_ivf(self._index).nprobe = self.nprobe


def _check(vectors: np.ndarray, dimension: int | None = None) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    if dimension is not None and vectors.shape[1] != dimension:
        raise ValueError(f"vectors have dimension {vectors.shape[1]}, the index has {dimension}")
    return vectors
