"""Retrieval quality on a brand's held-out split, measured with the real (hybrid) retriever.

The index holds the KB (articles, canned answers) and only the TRAIN split's past answers, so a
held-out message can never find its own (or its conversation's) answer. A hit is relevant when its
passage belongs to the message's gold article (``article_id``): the article's chunks, and canned or
past answers linked to that article.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.embedder import Embedder
from retrieval.documents import brand_passages
from retrieval.indexer import build_store
from retrieval.kb_loader import BrandKB
from retrieval.kb_schema import PastAnswer
from retrieval.retriever import HybridRetriever, RetrievalMode
from retrieval.splits import split_past_answers
from eval.metrics import mrr, recall_at_k
from webcare.settings import Settings


def heldout_retriever(kb: BrandKB, embedder: Embedder, settings: Settings, train: Sequence[PastAnswer] | None = None) -> HybridRetriever:
    """A retriever over the KB + the train split's past answers only."""
    if train is None:
        train, _ = split_past_answers(kb.past_answers)
    passages = brand_passages(kb, chunk_words=settings.chunk_words, overlap=settings.chunk_overlap_words, past_answers=list(train))
    store = build_store(kb, embedder, passages=passages, ann_threshold=settings.ann_threshold, nprobe=settings.ivf_nprobe)
    return HybridRetriever(
        store, embedder, alpha=settings.hybrid_alpha, k1=settings.bm25_k1, b=settings.bm25_b, saturation=settings.bm25_saturation
    )


def retrieval_metrics(
    retriever: HybridRetriever, queries: Sequence[PastAnswer], *, mode: RetrievalMode = "hybrid", k: int = 10
) -> dict[str, float]:
    """recall@1, recall@5 and MRR@k over the queries that have a gold article."""
    labelled = [q for q in queries if q.article_id]
    if not labelled:
        return {"n": 0, "recall@1": 0.0, "recall@5": 0.0, "mrr": 0.0}
    vectors = retriever.embedder.encode([q.message for q in labelled]) if mode != "bm25" else None
    relevance = [
        [h.passage.article_id == q.article_id for h in retriever.search(q.message, k=k, mode=mode, query_vector=None if vectors is None else vectors[i : i + 1])]
        for i, q in enumerate(labelled)
    ]
    # the same metric functions as `webcare eval`
    return {
        "n": len(labelled),
        "recall@1": round(recall_at_k(relevance, 1) or 0.0, 4),
        "recall@5": round(recall_at_k(relevance, 5) or 0.0, 4),
        "mrr": round(mrr(relevance) or 0.0, 4),
    }


def evaluate_embedder(kb: BrandKB, embedder: Embedder, settings: Settings) -> dict[str, dict[str, float]]:
    """Held-out metrics in hybrid mode (what the pipeline serves) and dense mode (the embedder alone)."""
    train, test = split_past_answers(kb.past_answers)
    retriever = heldout_retriever(kb, embedder, settings, train)
    return {"hybrid": retrieval_metrics(retriever, test, mode="hybrid"), "dense": retrieval_metrics(retriever, test, mode="dense")}
