"""Chatbot auto-answer: answer by itself only a clear FAQ, hand everything else to a human.

The decision is made on the pipeline's own output (``SuggestionPipeline.suggest``), so the chatbot, the
agents' suggestions and eval see the same retrieval, flags and drafts. An answer is given only when all hold:

1. no personal data in the message (``pii``), no escalation flag (``escalation``), no sarcasm flag
   (``sarcasm``), and the customer wrote in the brand's language (``language``);
2. the best retrieval draft is built on a vetted answer (a canned answer or a past agent answer), not on an
   article fragment, and the best retrieved article is the one that answer is based on (else
   ``no_faq_match``): two independent signals must agree;
3. its confidence reaches the brand's confidence bar (else ``low_confidence``). The confidence is
   ``(k + score) / 5``: k of four independent rankings (dense answers, dense articles, BM25 answers,
   BM25 articles) point at the answer's article, and score is its hybrid retrieval score. Agreement
   ranks first: on the demo brands' held-out past answers, all four agreeing was right 16 times out
   of 16, while the retrieval score alone never reached 0.85 precision at any coverage.

The bar is per brand. ``webcare eval --brand B`` measures the precision-versus-coverage curve of
exactly this rule on the brand's held-out past answers and writes the lowest score that keeps
precision >= 0.95 to ``<data_dir>/eval/<brand>/auto_answer.json``; it is read from there (re-read
when the file changes, no restart needed). Without that file the bar is ``WEBCARE_AUTO_ANSWER_THRESHOLD``
(``source: "settings"``). When eval found no score with that precision the file says so
(``threshold: null``) and every message is handed off.

Escalation and sarcasm flags that the pipeline does not produce yet (``null``) cannot block an answer;
the response lists them under ``unchecked`` so a caller can see it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from retrieval.retriever import Hit
from webcare.drafting import ANSWER_KINDS, supported
from webcare.settings import Settings
from webcare.types import Draft, Flags, Source, Suggestion, SuggestionRequest

log = logging.getLogger(__name__)

# What eval's bar was measured on. A bar file written for another signal is stale and not used.
CONFIDENCE_SIGNAL = "ranking-agreement-v1"

HandoffReason = Literal["pii", "escalation", "sarcasm", "language", "no_faq_match", "low_confidence"]

REASON_TEXT: dict[str, str] = {
    "pii": "the message contains personal data; a human continues in a private channel",
    "escalation": "the message needs escalation",
    "sarcasm": "the message is sarcastic; a literal FAQ answer would miss the point",
    "language": "the customer did not write in the brand's language",
    "no_faq_match": "no canned or past answer fits this message",
    "low_confidence": "the best FAQ match is below the brand's confidence bar",
}


class AnswerBody(BaseModel):
    text: str
    sources: list[Source]
    score: float


class ConfidenceBar(BaseModel):
    threshold: float | None = Field(..., description="Answer when the match score >= this; null: never answer.")
    source: Literal["eval", "settings"]
    target_precision: float | None = None
    precision: float | None = Field(None, description="Precision measured at this bar on the eval set.")
    coverage: float | None = Field(None, description="Share of the eval set answered at this bar.")
    evaluated_at: str | None = None
    eval_items: int | None = None


class AutoAnswer(BaseModel):
    brand: str
    handoff: bool
    reason: HandoffReason | None = Field(None, description="Why the bot hands off (null when it answers).")
    detail: str = Field("", description="The reason in words.")
    answer: AnswerBody | None = None
    confidence: float | None = Field(None, description="Confidence of the best FAQ match (see Suggestion.answer_confidence).")
    bar: ConfidenceBar
    unchecked: list[str] = Field(default_factory=list, description="Flags the pipeline does not provide yet.")
    flags: Flags
    timings_ms: dict[str, float]
    versions: dict[str, str] = Field(default_factory=dict)


def vetted_answer(drafts: Sequence[Draft]) -> Draft | None:
    """The best retrieval draft if it is built on a vetted answer (canned / past answer), else None.
    Generated and hand-over drafts are never sent by the chatbot: only the team's own texts are."""
    best = next((d for d in drafts if d.method == "retrieval"), None)
    return best if best is not None and best.sources and best.sources[0].kind in ANSWER_KINDS else None


def top_answer(suggestion: Suggestion) -> Draft | None:
    return vetted_answer(suggestion.drafts)


def blocking_reason(flags: Flags, brand_language: str) -> tuple[HandoffReason | None, str]:
    """The first flag that forbids an automatic answer, with its text; (None, '') when none does."""
    if flags.pii.found:
        return "pii", f"{REASON_TEXT['pii']} ({', '.join(flags.pii.types)})"
    if flags.escalation is not None and flags.escalation.value:
        why = ", ".join(flags.escalation.reasons) or flags.escalation.level
        return "escalation", f"{REASON_TEXT['escalation']} ({why})"
    if flags.sarcasm is not None and flags.sarcasm.value:
        return "sarcasm", REASON_TEXT["sarcasm"]
    if flags.language != brand_language:
        return "language", f"{REASON_TEXT['language']} ('{flags.language}', brand: '{brand_language}')"
    return None, ""


def ranking_agreement(candidates: Sequence[Hit], article_id: str) -> int:
    """How many of four rankings put ``article_id`` first: the best vetted answer by dense similarity
    and by BM25, the best article passage by dense similarity and by BM25 (``candidates``: every
    passage either ranking found, see ``HybridRetriever.search(pool=...)``)."""
    agree = 0
    for kinds in (ANSWER_KINDS, ("article",)):
        pool = [h for h in candidates if h.passage.kind in kinds]
        for signal in ("dense", "lexical"):
            scored = [h for h in pool if getattr(h, signal) > 0]
            if scored:
                best = max(scored, key=lambda h, a=signal: (getattr(h, a), h.passage.id))  # type: ignore[misc]
                agree += best.passage.article_id == article_id
    return agree


def answer_confidence(drafts: Sequence[Draft], candidates: Sequence[Hit]) -> float | None:
    """``(k + score) / 5`` for the vetted answer the chatbot would send (``vetted_answer``)."""
    best = vetted_answer(drafts)
    if best is None:
        return None
    article_id = best.sources[0].article_id
    if article_id is None:
        return None
    return round((ranking_agreement(candidates, article_id) + best.score) / 5, 4)


def candidate_score(suggestion: Suggestion, brand_language: str) -> float | None:
    """The confidence the bar is compared with; None when flags or a missing FAQ match rule an answer
    out. (Eval builds the precision-coverage curve from exactly this.)"""
    reason, _ = blocking_reason(suggestion.flags, brand_language)
    best = top_answer(suggestion)
    if reason is not None or best is None or not supported(best):
        return None
    return suggestion.answer_confidence


def decide(suggestion: Suggestion, bar: ConfidenceBar, brand_language: str) -> AutoAnswer:
    reason, detail = blocking_reason(suggestion.flags, brand_language)
    best = top_answer(suggestion)
    if reason is None and best is None:
        reason, detail = "no_faq_match", REASON_TEXT["no_faq_match"]
    elif reason is None and best is not None and not supported(best):
        reason, detail = "no_faq_match", "the best vetted answer and the best knowledge-base article disagree"
    confidence = suggestion.answer_confidence
    if reason is None and best is not None:
        if bar.threshold is None:
            reason, detail = "low_confidence", "evaluation found no confidence level with the target precision; every message is handed off"
        elif confidence is None or confidence < bar.threshold:
            shown = f"{confidence:.3f}" if confidence is not None else "none"
            reason, detail = "low_confidence", f"{REASON_TEXT['low_confidence']} ({shown} < {bar.threshold:.3f})"
    unchecked = [name for name in ("escalation", "sarcasm") if getattr(suggestion.flags, name) is None]
    return AutoAnswer(
        brand=suggestion.brand,
        handoff=reason is not None,
        reason=reason,
        detail=detail,
        answer=AnswerBody(text=best.text, sources=best.sources, score=best.score) if reason is None and best else None,
        confidence=confidence,
        bar=bar,
        unchecked=unchecked,
        flags=suggestion.flags,
        timings_ms=suggestion.timings_ms,
        versions=suggestion.versions,
    )


# the per-brand bar ----------------------------------------------------------------------------------


def bar_path(settings: Settings, brand: str) -> Path:
    return settings.data_dir / "eval" / brand / "auto_answer.json"


def write_bar(settings: Settings, brand: str, record: dict[str, Any]) -> Path:
    """Save eval's choice atomically (write beside, then rename)."""
    path = bar_path(settings, brand)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.partial")
    tmp.write_text(json.dumps({"brand": brand, "written_at": datetime.now(UTC).isoformat(), **record}, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


class BarStore:
    """Reads each brand's bar from its eval file, re-reading when the file changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str, tuple[int, ConfidenceBar]] = {}
        self._lock = threading.Lock()

    def get(self, brand: str) -> ConfidenceBar:
        path = bar_path(self.settings, brand)
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            return ConfidenceBar(threshold=self.settings.auto_answer_threshold, source="settings")
        with self._lock:
            cached = self._cache.get(brand)
            if cached and cached[0] == mtime:
                return cached[1]
        fallback = ConfidenceBar(threshold=self.settings.auto_answer_threshold, source="settings")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("signal") != CONFIDENCE_SIGNAL:  # measured on an older confidence: run eval again
                log.warning(
                    "auto-answer bar of %s was measured on another confidence signal; using the settings' bar "
                    "until `webcare eval --brand %s` runs", brand, brand,
                )
                bar = fallback
            else:
                bar = ConfidenceBar(
                    threshold=data["threshold"],
                    source="eval",
                    target_precision=data.get("target_precision"),
                    precision=data.get("precision"),
                    coverage=data.get("coverage"),
                    evaluated_at=data.get("written_at"),
                    eval_items=data.get("items"),
                )
        except (OSError, ValueError, KeyError, TypeError):
            return fallback
        with self._lock:  # cached per file version: a stale file is reported once, not per request
            self._cache[brand] = (mtime, bar)
        return bar


class AutoAnswerer:
    """``answer(request)``: the chatbot entry point, on top of the one pipeline."""

    def __init__(self, pipeline: Any, settings: Settings) -> None:
        self.pipeline = pipeline
        self.bars: BarStore = pipeline.bars

    def answer(self, request: SuggestionRequest) -> AutoAnswer:
        suggestion = self.pipeline.suggest(request)
        language = self.pipeline.registry.get(request.brand).kb.profile.language
        return decide(suggestion, self.bars.get(request.brand), language)
