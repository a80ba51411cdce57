"""Build, load and persist a brand's passage store from its knowledge base."""

from __future__ import annotations

import hashlib
from pathlib import Path

from models.embedder import Embedder
from retrieval.documents import Passage, brand_passages
from retrieval.kb_loader import BrandKB
from retrieval.store import PassageStore


def kb_hash(passages: list[Passage]) -> str:
    digest = hashlib.sha256()
    for p in sorted(passages, key=lambda p: p.id):
        digest.update(p.id.encode())
        digest.update(p.fingerprint.encode())
    return digest.hexdigest()[:16]


def build_store(
    kb: BrandKB,
    embedder: Embedder,
    *,
    passages: list[Passage] | None = None,
    chunk_words: int = 120,
    chunk_overlap: int = 30,
    ann_threshold: int = 20_000,
    nprobe: int = 16,
    progress: bool = False,
) -> PassageStore:
    """Embed every passage of the brand and build its store (does not save it)."""
    items = passages if passages is not None else brand_passages(kb, chunk_words=chunk_words, overlap=chunk_overlap)
    vectors = embedder.encode([p.text for p in items], progress=progress)
    return PassageStore.build(
        kb.brand,
        embedder.name,
        items,
        vectors,
        ann_threshold=ann_threshold,
        nprobe=nprobe,
        kb_hash=kb_hash(items),
    )


def index_path(index_dir: Path, brand: str) -> Path:
    return index_dir / f"{brand}.wcidx"
