"""Fine-tune a brand's sentence-transformers embedder on its own Dutch data.

Pairs (TRAIN split only, by conversation): customer message -> the gold article's passage
(title + the best-matching body chunk, the text the index embeds) and customer message -> the
agent's reply. Loss: MultipleNegativesRankingLoss (in-batch negatives) with one hard negative per
pair, mined by BM25 (the best lexical match that is not about the same article). Batches never
hold two pairs about the same article (those would be false in-batch negatives).
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.bm25 import BM25Index
from retrieval.documents import Passage, article_passages
from retrieval.kb_loader import BrandKB
from retrieval.splits import split_past_answers
from webcare.artifacts import ArtifactInfo, ArtifactWriter, data_hash, new_version
from webcare.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbedderConfig:
    epochs: int = 1
    batch_size: int = 16
    lr: float = 5e-5
    warmup_ratio: float = 0.1
    max_seq_length: int = 128  # training only (cost is ~linear in it); the saved model keeps its own limit
    scale: float = 20.0
    seed: int = 13
    hard_negatives: bool = True
    answer_pairs: bool = True


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    negative: str | None
    group: str  # pairs of one group never share a batch (same gold article)


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_pairs(kb: BrandKB, settings: Settings, *, hard_negatives: bool = True, answer_pairs: bool = True) -> list[Pair]:
    """Training pairs from the brand's TRAIN split, each with a BM25-mined hard negative."""
    train, _ = split_past_answers(kb.past_answers)
    chunks: dict[str, list[Passage]] = {
        a.id: article_passages(a, chunk_words=settings.chunk_words, overlap=settings.chunk_overlap_words) for a in kb.articles
    }
    # the candidate pool for hard negatives: article chunks and train answers
    pool: dict[str, tuple[str, str | None]] = {}  # id -> (text, article_id)
    for article_id, passages in chunks.items():
        for p in passages:
            pool[p.id] = (p.text, article_id)
    for past in train:
        pool[f"answer:{past.id}"] = (past.answer, past.article_id)
    bm25 = BM25Index(k1=settings.bm25_k1, b=settings.bm25_b)
    bm25.add_many((pid, text) for pid, (text, _) in pool.items())

    def negative(query: str, positive_text: str, gold: str | None, own: str) -> str | None:
        if not hard_negatives:
            return None
        for pid, _score in bm25.search(query, k=20):
            text, article_id = pool[pid]
            if pid == own or text == positive_text or (gold is not None and article_id == gold):
                continue
            return text
        return None

    chunk_index = BM25Index(k1=settings.bm25_k1, b=settings.bm25_b)
    pairs: list[Pair] = []
    for past in train:
        group = past.article_id or f"none:{past.id}"
        if past.article_id and past.article_id in chunks:
            candidates = chunks[past.article_id]
            best = candidates[0]
            if len(candidates) > 1:  # the chunk of the gold article that best matches the message
                chunk_index = BM25Index(k1=settings.bm25_k1, b=settings.bm25_b)
                chunk_index.add_many((p.id, p.text) for p in candidates)
                ranked = chunk_index.search(past.message, k=1)
                if ranked:
                    best = next(p for p in candidates if p.id == ranked[0][0])
            pairs.append(Pair(past.message, best.text, negative(past.message, best.text, past.article_id, best.id), group))
        if answer_pairs:
            own = f"answer:{past.id}"
            pairs.append(Pair(past.message, past.answer, negative(past.message, past.answer, past.article_id, own), group))
    return pairs


def make_batches(pairs: list[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches in which no two pairs share a group (no false in-batch negatives)."""
    order = pairs[:]
    rng.shuffle(order)
    batches: list[list[Pair]] = []
    pending = order
    while pending:
        batch: list[Pair] = []
        groups: set[str] = set()
        rest: list[Pair] = []
        for pair in pending:
            if len(batch) < batch_size and pair.group not in groups:
                batch.append(pair)
                groups.add(pair.group)
            else:
                rest.append(pair)
        if len(batch) < 2 and batches:  # a leftover singleton gives no in-batch negatives
            break
        batches.append(batch)
        pending = rest
    return batches


def _features(model: Any, texts: list[str]) -> dict[str, Any]:
    tokenize = getattr(model, "preprocess", None) or model.tokenize
    return tokenize(texts)


def train_embedder(
    model: Any,
    pairs: list[Pair],
    config: EmbedderConfig,
    *,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> dict[str, Any]:
    """Fine-tune ``model`` (a SentenceTransformer) in place; returns training statistics."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from tqdm import tqdm

    seed_everything(config.seed)
    rng = random.Random(config.seed)
    serving_max_len = model.max_seq_length
    model.max_seq_length = min(config.max_seq_length, serving_max_len or config.max_seq_length)
    loss_fn = MultipleNegativesRankingLoss(model, scale=config.scale)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    epochs = [make_batches(pairs, config.batch_size, rng) for _ in range(config.epochs)]
    total = sum(len(e) for e in epochs)
    warmup = max(1, int(total * config.warmup_ratio))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / max(1, total - warmup))
    )
    model.train()
    losses: list[float] = []
    started = time.perf_counter()
    bar = tqdm(total=total, desc="embedder", unit="step", disable=not progress)
    step = 0
    for batch_list in epochs:
        for batch in batch_list:
            with_neg = config.hard_negatives and all(p.negative for p in batch)
            columns = [[p.anchor for p in batch], [p.positive for p in batch]]
            if with_neg:
                columns.append([p.negative or "" for p in batch])
            features = [_features(model, col) for col in columns]
            features = [{k: v.to(model.device) if hasattr(v, "to") else v for k, v in f.items()} for f in features]
            loss = loss_fn(features, torch.zeros(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            losses.append(float(loss.item()))
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
            bar.update(1)
            if on_step:
                on_step(step, losses[-1])
    bar.close()
    model.eval()
    model.max_seq_length = serving_max_len
    seconds = time.perf_counter() - started
    return {
        "steps": step,
        "seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / max(step, 1), 3),
        "first_loss": round(float(np.mean(losses[: max(1, len(losses) // 10)])), 4) if losses else None,
        "last_loss": round(float(np.mean(losses[-max(1, len(losses) // 10) :])), 4) if losses else None,
    }


def run(
    kb: BrandKB,
    settings: Settings,
    base_embedder: Any,
    config: EmbedderConfig | None = None,
    *,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> Path:
    """Train, evaluate before/after on the held-out split, and write an ``embedder`` artifact."""
    import copy

    from models.embedder import SentenceTransformerEmbedder
    from training.retrieval_eval import evaluate_embedder

    config = config or EmbedderConfig()
    seed_everything(config.seed)
    pairs = build_pairs(kb, settings, hard_negatives=config.hard_negatives, answer_pairs=config.answer_pairs)
    n_batches = math.ceil(len(pairs) / config.batch_size)
    echo(f"{kb.brand}: {len(pairs)} training pairs (train split), ~{n_batches} steps/epoch x {config.epochs} epochs")
    before = evaluate_embedder(kb, base_embedder, settings)
    echo(f"{kb.brand}: held-out before: {before['hybrid']} (dense only: {before['dense']})")

    model = copy.deepcopy(base_embedder.model)
    stats = train_embedder(model, pairs, config, progress=progress)
    version = new_version()
    label = f"artifact:{kb.brand}/embedder/{version}"
    info = ArtifactInfo(
        kind="embedder",
        brand=kb.brand,
        version=version,
        created_at=version,
        base_model=base_embedder.name,
        data_hash=data_hash(asdict(p) for p in pairs),
        hyperparameters={**asdict(config), "pairs": len(pairs)},
        notes="MultipleNegativesRankingLoss, in-batch + BM25 hard negatives; pairs from the train split only.",
    )
    with ArtifactWriter(settings.artifacts_dir, info) as writer:
        model.save(str(writer.path / "model"))
        tuned = SentenceTransformerEmbedder(str(writer.path / "model"), device=settings.embedder_device, label=label)
        after = evaluate_embedder(kb, tuned, settings)
        echo(f"{kb.brand}: held-out after:  {after['hybrid']} (dense only: {after['dense']})")
        info.metrics = {"before": before, "after": after, "training": stats}
    return writer.final
