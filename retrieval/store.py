"""A brand's passage store: passages + their vectors, persisted atomically as one file with metadata."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from retrieval.documents import Passage
from retrieval.vector_index import IndexKind, VectorIndex, stable_int_id

MAGIC = b"WCIDX1\n"
FORMAT_VERSION = 1


class StoreError(RuntimeError):
    """Base class of index problems."""


class IndexMismatchError(StoreError):
    """The index was built with another embedder or dimension than the one configured."""


class CorruptIndexError(StoreError):
    """The index file is truncated, damaged or not an index at all."""


class IndexNotFoundError(StoreError):
    """No index file for the brand yet."""


class StoreMeta(BaseModel):
    format_version: int = FORMAT_VERSION
    brand: str
    embedder: str
    dimension: int
    index_kind: IndexKind
    count: int
    built_at: str
    updated_at: str
    kb_hash: str | None = None


class PassageStore:
    """Passages by id, with a FAISS vector index that follows every add / update / remove."""

    def __init__(self, brand: str, embedder: str, vectors: VectorIndex, passages: dict[str, Passage], meta: StoreMeta) -> None:
        self.brand = brand
        self.embedder = embedder
        self.vectors = vectors
        self._passages = passages
        self._by_int = {stable_int_id(pid): pid for pid in passages}
        self.meta = meta

    # construction -----------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        brand: str,
        embedder: str,
        passages: Sequence[Passage],
        vectors: np.ndarray,
        *,
        ann_threshold: int = 20_000,
        nprobe: int = 16,
        kb_hash: str | None = None,
    ) -> PassageStore:
        ids = [p.id for p in passages]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise ValueError(f"duplicate passage ids: {dupes}")
        index = VectorIndex.build(ids, vectors, ann_threshold=ann_threshold, nprobe=nprobe)
        now = _now()
        meta = StoreMeta(
            brand=brand,
            embedder=embedder,
            dimension=index.dimension,
            index_kind=index.kind,
            count=len(ids),
            built_at=now,
            updated_at=now,
            kb_hash=kb_hash,
        )
        return cls(brand, embedder, index, {p.id: p for p in passages}, meta)

    # access -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._passages)

    def __contains__(self, passage_id: str) -> bool:
        return passage_id in self._passages

    def get(self, passage_id: str) -> Passage | None:
        return self._passages.get(passage_id)

    def by_int_id(self, int_id: int) -> Passage | None:
        pid = self._by_int.get(int(int_id))
        return self._passages.get(pid) if pid is not None else None

    def passages(self) -> list[Passage]:
        return list(self._passages.values())

    def ids_for_item(self, kind: str, item_id: str) -> list[str]:
        return [p.id for p in self._passages.values() if p.kind == kind and p.item_id == item_id]

    # mutation ---------------------------------------------------------------------------------
    def upsert(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Add passages, replacing any with the same id."""
        existing = [p.id for p in passages if p.id in self._passages]
        self.vectors.remove(existing)
        self.vectors.add([p.id for p in passages], vectors)
        for p in passages:
            self._passages[p.id] = p
            self._by_int[stable_int_id(p.id)] = p.id
        self._touch()

    def remove(self, passage_ids: Sequence[str]) -> int:
        present = [pid for pid in passage_ids if pid in self._passages]
        self.vectors.remove(present)
        for pid in present:
            del self._passages[pid]
            self._by_int.pop(stable_int_id(pid), None)
        self._touch()
        return len(present)

    def _touch(self) -> None:
        self.meta = self.meta.model_copy(update={"count": len(self._passages), "updated_at": _now()})

    # persistence ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write beside the target, fsync, then rename over it: readers see the old or the new file."""
        index_bytes = self.vectors.to_bytes()
        header = {
            "meta": self.meta.model_dump(),
            "passages": [p.model_dump() for p in self._passages.values()],
            "index_sha256": hashlib.sha256(index_bytes).hexdigest(),
        }
        header_bytes = json.dumps(header, ensure_ascii=False).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC)
                fh.write(len(header_bytes).to_bytes(8, "big"))
                fh.write(header_bytes)
                fh.write(index_bytes)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def read_meta(cls, path: Path) -> StoreMeta:
        header, _ = _read(path)
        return StoreMeta.model_validate(header["meta"])

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        expected_embedder: str | None = None,
        expected_dimension: int | None = None,
        nprobe: int = 16,
    ) -> PassageStore:
        header, index_bytes = _read(path)
        meta = StoreMeta.model_validate(header["meta"])
        rebuild = f"rebuild it with: webcare index --brand {meta.brand}"
        if expected_embedder is not None and meta.embedder != expected_embedder:
            raise IndexMismatchError(
                f"index {path} was built with embedder {meta.embedder!r} but {expected_embedder!r} is configured; {rebuild}"
            )
        if expected_dimension is not None and meta.dimension != expected_dimension:
            raise IndexMismatchError(
                f"index {path} has dimension {meta.dimension} but the embedder gives {expected_dimension}; {rebuild}"
            )
        passages = {p["id"]: Passage.model_validate(p) for p in header["passages"]}
        vectors = VectorIndex.from_bytes(index_bytes, meta.index_kind, nprobe)
        if len(vectors) != len(passages) or vectors.dimension != meta.dimension:
            raise CorruptIndexError(f"index {path} holds {len(vectors)} vectors for {len(passages)} passages; {rebuild}")
        return cls(meta.brand, meta.embedder, vectors, passages, meta)


def _read(path: Path) -> tuple[dict, bytes]:
    if not path.exists():
        raise IndexNotFoundError(f"no index at {path}; build it with: webcare index")
    data = path.read_bytes()
    problem = f"index {path} is damaged or not a webcare index; rebuild it with: webcare index"
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
        raise CorruptIndexError(problem)
    start = len(MAGIC) + 8
    size = int.from_bytes(data[len(MAGIC) : start], "big")
    try:
        header = json.loads(data[start : start + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptIndexError(problem) from exc
    index_bytes = data[start + size :]
    if not isinstance(header, dict) or hashlib.sha256(index_bytes).hexdigest() != header.get("index_sha256"):
        raise CorruptIndexError(problem)
    if header.get("meta", {}).get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(f"index {path} has an unknown format version; rebuild it with: webcare index")
    return header, index_bytes


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
