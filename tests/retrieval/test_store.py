"""The passage store and its FAISS index: add / update / remove by stable id, atomic save, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.documents import Passage
from retrieval.store import CorruptIndexError, IndexMismatchError, IndexNotFoundError, PassageStore
from retrieval.vector_index import VectorIndex, stable_int_id


def _passages(n: int) -> list[Passage]:
    return [Passage(id=f"canned:c{i}", kind="canned", item_id=f"c{i}", text=f"tekst {i}", content=f"antwoord {i}") for i in range(n)]


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_stable_ids_do_not_depend_on_order_or_process() -> None:
    assert stable_int_id("article:x#0") == stable_int_id("article:x#0")
    assert stable_int_id("article:x#0") != stable_int_id("article:x#1")
    assert 0 <= stable_int_id("anything") < 2**63


def test_search_add_update_remove_without_rebuild() -> None:
    passages, vectors = _passages(20), _vectors(20)
    store = PassageStore.build("b", "emb", passages, vectors)
    scores, ids = store.vectors.search(vectors[3:4], 1)
    assert store.by_int_id(ids[0][0]).id == "canned:c3" and scores[0][0] == pytest.approx(1.0, abs=1e-5)

    new = Passage(id="canned:new", kind="canned", item_id="new", text="nieuw", content="nieuw antwoord")
    store.upsert([new], _vectors(1, seed=9))
    assert len(store) == 21 and len(store.vectors) == 21

    # update = same id, new vector: still one vector for that id
    store.upsert([new], vectors[3:4])
    assert len(store.vectors) == 21
    _, ids = store.vectors.search(vectors[3:4], 2)
    assert {store.by_int_id(i).id for i in ids[0]} == {"canned:c3", "canned:new"}

    assert store.remove(["canned:c3", "canned:missing"]) == 1
    _, ids = store.vectors.search(vectors[3:4], 1)
    assert store.by_int_id(ids[0][0]).id == "canned:new"
    assert store.meta.count == 20


def test_ivf_above_threshold_supports_remove() -> None:
    n = 3000
    store = PassageStore.build("b", "emb", _passages(n), _vectors(n), ann_threshold=1000)
    assert store.meta.index_kind == "ivf"
    vectors = _vectors(n)
    _, ids = store.vectors.search(vectors[10:11], 1)
    assert store.by_int_id(ids[0][0]).id == "canned:c10"
    store.remove(["canned:c10"])
    _, ids = store.vectors.search(vectors[10:11], 1)
    assert store.by_int_id(ids[0][0]).id != "canned:c10"


def test_save_load_roundtrip_is_atomic_and_keeps_metadata(tmp_path: Path) -> None:
    path = tmp_path / "b.wcidx"
    store = PassageStore.build("b", "emb", _passages(5), _vectors(5))
    store.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["b.wcidx"]  # no temporary file left beside it
    loaded = PassageStore.load(path, expected_embedder="emb", expected_dimension=16)
    assert loaded.meta.count == 5 and loaded.meta.embedder == "emb" and loaded.meta.dimension == 16
    assert loaded.get("canned:c2") == store.get("canned:c2")
    scores, ids = loaded.vectors.search(_vectors(5)[2:3], 1)
    assert loaded.by_int_id(ids[0][0]).id == "canned:c2"


def test_mismatched_embedder_or_dimension_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "b.wcidx"
    PassageStore.build("b", "emb-a", _passages(3), _vectors(3)).save(path)
    with pytest.raises(IndexMismatchError, match="emb-a.*emb-b.*webcare index --brand b"):
        PassageStore.load(path, expected_embedder="emb-b")
    with pytest.raises(IndexMismatchError, match="dimension 16"):
        PassageStore.load(path, expected_dimension=384)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_corrupt_index_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "b.wcidx"
    PassageStore.build("b", "emb", _passages(3), _vectors(3)).save(path)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 40]
    elif damage == "flip":
        data[-10] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"not an index at all")
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptIndexError, match="rebuild"):
        PassageStore.load(path)


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="webcare index"):
        PassageStore.load(tmp_path / "nope.wcidx")


def test_vector_dimension_checked() -> None:
    index = VectorIndex.empty(8)
    with pytest.raises(ValueError, match="dimension"):
        index.add(["a"], np.ones((1, 4), dtype=np.float32))
