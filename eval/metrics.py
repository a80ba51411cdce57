"""Pure metric functions (no models, no I/O): retrieval, classification, auto-answer curve, text overlap, latency."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

# retrieval ------------------------------------------------------------------------------------------


def recall_at_k(relevance: Sequence[Sequence[bool]], k: int) -> float | None:
    """Share of queries with at least one relevant passage in the top ``k`` (``relevance[i][r]``: is the
    hit at rank r of query i relevant). None for no queries."""
    if not relevance:
        return None
    return sum(1 for ranks in relevance if any(ranks[:k])) / len(relevance)


def mrr(relevance: Sequence[Sequence[bool]]) -> float | None:
    """Mean reciprocal rank of the first relevant hit (0 for a query without one in its list)."""
    if not relevance:
        return None
    total = 0.0
    for ranks in relevance:
        first = next((r for r, rel in enumerate(ranks) if rel), None)
        total += 0.0 if first is None else 1.0 / (first + 1)
    return total / len(relevance)


# classification ---------------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def precision_recall_f1(y_true: Sequence[bool], y_pred: Sequence[bool]) -> dict[str, Any]:
    """Binary P/R/F1 of the positive class (None where undefined), with the counts."""
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if not t and p)
    fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and not p)
    tn = len(y_true) - tp - fp - fn
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def confusion_matrix(y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable]) -> list[list[int]]:
    """``matrix[i][j]``: items of true label ``labels[i]`` predicted as ``labels[j]``."""
    index = {label: n for n, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(y_true, y_pred, strict=True):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    return matrix


def per_class_prf(y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable]) -> dict[str, Any]:
    """One-vs-rest P/R/F1 per label plus the macro-F1 over labels with a defined F1."""
    out: dict[str, Any] = {}
    for label in labels:
        out[str(label)] = precision_recall_f1([t == label for t in y_true], [p == label for p in y_pred])
    f1s = [v["f1"] for v in out.values() if v["f1"] is not None]
    return {"per_class": out, "macro_f1": sum(f1s) / len(f1s) if f1s else None}


# auto-answer ----------------------------------------------------------------------------------------


def precision_coverage_curve(scores: Sequence[float | None], correct: Sequence[bool]) -> list[dict[str, float]]:
    """Answer an item when its score >= threshold (None: never answerable). One point per distinct score,
    highest threshold first: threshold, answered, coverage (answered / all items), precision."""
    if len(scores) != len(correct):
        raise ValueError("scores and correct differ in length")
    total = len(scores)
    pairs = sorted(((s, c) for s, c in zip(scores, correct, strict=True) if s is not None), key=lambda x: -x[0])
    points: list[dict[str, float]] = []
    answered = right = 0
    for n, (score, ok) in enumerate(pairs):
        answered += 1
        right += int(ok)
        if n + 1 < len(pairs) and pairs[n + 1][0] == score:
            continue  # ties: one point per distinct threshold
        points.append({"threshold": score, "answered": answered, "coverage": answered / total, "precision": right / answered})
    return points


def pick_threshold(curve: Sequence[dict[str, float]], target: float = 0.95, min_answered: int = 1) -> dict[str, float] | None:
    """The point of highest coverage with precision >= ``target`` and at least ``min_answered`` answers."""
    ok = [p for p in curve if p["precision"] >= target and p["answered"] >= min_answered]
    return max(ok, key=lambda p: (p["coverage"], p["threshold"])) if ok else None


def wilson_lower(successes: int, n: int, z: float = 1.96) -> float | None:
    """Lower bound of the Wilson score interval of a proportion (how sure a precision is on few items)."""
    if n == 0:
        return None
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n)


# text overlap (sacrebleu) -------------------------------------------------------------------------------


def chrf(hypotheses: Sequence[str], references: Sequence[str], *, beta: int = 2) -> float | None:
    """Corpus chrF++ (character 6-grams + word 2-grams), 0-100. ``beta`` 2 (the standard, the quality
    bar's) weighs recall twice as much as precision, so longer drafts score higher; 1 weighs them alike."""
    if not hypotheses:
        return None
    from sacrebleu.metrics import CHRF

    return float(CHRF(word_order=2, beta=beta).corpus_score(list(hypotheses), [list(references)]).score)


def length_ratio(hypotheses: Sequence[str], references: Sequence[str]) -> float | None:
    """Characters written per character of the references (1.0: as long as the agents' replies)."""
    total = sum(len(r) for r in references)
    return sum(len(h) for h in hypotheses) / total if hypotheses and total else None


def sentence_chrf(hypothesis: str, reference: str) -> float:
    from sacrebleu.metrics import CHRF

    return float(CHRF(word_order=2).sentence_score(hypothesis, [reference]).score)


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float | None:
    """Corpus BLEU (sacrebleu defaults: 13a tokenisation, 4-grams), 0-100."""
    if not hypotheses:
        return None
    from sacrebleu.metrics import BLEU

    return float(BLEU().corpus_score(list(hypotheses), [list(references)]).score)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def rate(flags: Sequence[bool]) -> float | None:
    return sum(1 for f in flags if f) / len(flags) if flags else None


# latency ------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q must be within [0, 100]")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency_summary(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "mean": sum(values) / len(values) if values else None,
        "max": max(values) if values else None,
    }
