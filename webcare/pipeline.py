"""The one pipeline: analyse -> retrieve -> classify -> generate -> guard. API, CLI and eval all call it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from models.language import LanguageDetector
from retrieval.retriever import Hit, RetrievalMode
from webcare.brands import BrandRegistry, BrandRuntime
from webcare.drafting import ANSWER_KINDS, RetrievalDrafter
from webcare.settings import Settings
from webcare.tone import DEFAULT_PRIVACY_NOTICE
from webcare.types import Flags, PiiFlag, Suggestion, SuggestionRequest


class InputTooLargeError(ValueError):
    """The request exceeds a configured size limit."""


@dataclass
class Analysis:
    text: str
    language: str
    language_confidence: float
    pii_types: list[str]
    public: bool

    @property
    def move_to_private(self) -> bool:
        return bool(self.pii_types) and self.public


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round((time.perf_counter() - start) * 1000, 2)


class SuggestionPipeline:
    """Composes the components for one request; holds no per-request state."""

    def __init__(self, settings: Settings, registry: BrandRegistry, language: LanguageDetector | None = None) -> None:
        self.settings = settings
        self.registry = registry
        self.language = language or LanguageDetector()
        self.drafter = RetrievalDrafter(n_drafts=settings.n_drafts)

    # stages -------------------------------------------------------------------------------------
    def check_limits(self, request: SuggestionRequest) -> None:
        s = self.settings
        if len(request.message) > s.max_message_chars:
            raise InputTooLargeError(
                f"message has {len(request.message)} characters; the limit is {s.max_message_chars} (WEBCARE_MAX_MESSAGE_CHARS)"
            )
        if len(request.thread) > s.max_thread_turns:
            raise InputTooLargeError(
                f"thread has {len(request.thread)} turns; the limit is {s.max_thread_turns} (WEBCARE_MAX_THREAD_TURNS)"
            )

    def analyse(self, runtime: BrandRuntime, request: SuggestionRequest) -> Analysis:
        text = " ".join(request.message.split())
        customer_turns = [t.text for t in request.thread if t.role == "customer"]
        lang = self.language.detect(text, thread=customer_turns) if self.language else None
        return Analysis(
            text=text,
            language=lang.language if lang else runtime.kb.profile.language,
            language_confidence=round(lang.confidence, 3) if lang else 0.0,
            pii_types=runtime.pii.types(request.message),
            public=runtime.kb.profile.is_public(request.channel),
        )

    def retrieval_query(self, request: SuggestionRequest, analysis: Analysis) -> str:
        """The message, with PII masked (it must not steer retrieval) and, for very short messages,
        the previous customer turn as context."""
        text = analysis.text
        if len(text.split()) < 4:
            previous = [t.text for t in request.thread if t.role == "customer"][-1:]
            text = " ".join([*previous, text])
        return text

    def retrieve(self, runtime: BrandRuntime, query: str, *, k: int | None = None, mode: RetrievalMode = "hybrid") -> list[Hit]:
        return runtime.retriever.search(runtime.pii.mask(query), k=(k or self.settings.top_k) * 2, mode=mode)

    # the whole run --------------------------------------------------------------------------------
    def suggest(self, request: SuggestionRequest, *, mode: RetrievalMode = "hybrid") -> Suggestion:
        self.check_limits(request)
        timer = _Timer()
        with timer.stage("load"):
            runtime = self.registry.get(request.brand)
        profile = runtime.kb.profile
        with timer.stage("analyse"):
            analysis = self.analyse(runtime, request)
        with timer.stage("retrieve"):
            hits = self.retrieve(runtime, self.retrieval_query(request, analysis), mode=mode)
        with timer.stage("classify"):
            pass  # sarcasm / escalation / sentiment classifiers: not built yet, their flags stay null
        with timer.stage("generate"):
            limit = profile.channel_limits.get(request.channel)
            prefix = DEFAULT_PRIVACY_NOTICE[profile.tone.address_form] if analysis.move_to_private else None
            drafts = self.drafter.draft(hits, profile, agent=request.agent, length_limit=limit, prefix=prefix)
        with timer.stage("guard"):
            if analysis.public and analysis.pii_types:
                for draft in drafts:
                    masked = runtime.pii.mask(draft.text)
                    if masked != draft.text:
                        draft.text = masked
                        draft.notes.append("personal data removed: public channel")
            if analysis.language != profile.language:
                for draft in drafts:
                    draft.notes.append(
                        f"customer wrote in '{analysis.language}', this draft is in '{profile.language}': adapt before sending"
                    )
        top_answer = next((h for h in hits if h.passage.kind in ANSWER_KINDS), None)
        auto = (
            top_answer is not None
            and top_answer.score >= self.settings.auto_answer_threshold
            and not analysis.pii_types
            and analysis.language == profile.language
        )
        timings = dict(timer.timings)
        timings["total"] = round(sum(timer.timings.values()), 2)
        store = runtime.store
        return Suggestion(
            brand=runtime.brand,
            drafts=drafts,
            flags=Flags(
                language=analysis.language,
                language_confidence=analysis.language_confidence,
                pii=PiiFlag(found=bool(analysis.pii_types), types=analysis.pii_types),
                move_to_private=analysis.move_to_private,
            ),
            auto_answerable=auto,
            timings_ms=timings,
            versions={
                "embedder": store.embedder,
                "index_built_at": store.meta.built_at,
                "index_updated_at": store.meta.updated_at,
                "index_items": str(store.meta.count),
                "drafter": "retrieval",
            },
        )
