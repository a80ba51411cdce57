"""The one pipeline: analyse -> retrieve -> classify -> generate -> guard. API, CLI and eval all call it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from models.flag_classifier import FlagResult
from models.language import LanguageDetector
from retrieval.retriever import Hit, RetrievalMode
from webcare.auto_answer import BarStore, answer_confidence, decide
from webcare.brands import BrandRegistry, BrandRuntime
from webcare.drafting import RetrievalDrafter
from webcare.generation import GenerationService, merge_drafts
from webcare.guard import guard_context, guard_drafts
from webcare.handover import HandoverDrafter
from webcare.settings import Settings
from webcare.tone import DEFAULT_PRIVACY_NOTICE
from webcare.types import Draft, Flags, PiiFlag, Suggestion, SuggestionRequest


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
        self.drafter = RetrievalDrafter(n_drafts=settings.n_drafts, candidates=settings.draft_candidates)
        self.bars = BarStore(settings)  # per-brand auto-answer confidence bars, chosen by eval
        self.generator = GenerationService(settings, self.language)  # the brand's fine-tuned generator, if it has one
        self.handover = HandoverDrafter()  # escalated messages: a draft that takes the matter on, first

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
        lang = self.language.detect(text, thread=customer_turns)
        # neither the message nor the thread says enough: the brand's own default language
        language = runtime.kb.profile.language if lang.method == "default" else lang.language
        return Analysis(
            text=text,
            language=language,
            language_confidence=round(lang.confidence, 3),
            pii_types=runtime.pii.types(request.message),
            public=runtime.kb.profile.is_public(request.channel),
        )

    def retrieval_query(self, request: SuggestionRequest, analysis: Analysis) -> str:
        """The normalised message; a message with too few words gets the previous customer turn as
        context. (PII is masked in ``retrieve``: it must never steer retrieval.)"""
        text = analysis.text
        if len(re.findall(r"[^\W\d_]{2,}", text)) < 4:  # too few real words to retrieve on: add context
            previous = [t.text for t in request.thread if t.role == "customer"][-1:]
            text = " ".join([*previous, text])
        return text

    def retrieve(
        self,
        runtime: BrandRuntime,
        query: str,
        *,
        k: int | None = None,
        mode: RetrievalMode = "hybrid",
        query_vector: np.ndarray | None = None,
        every_candidate: bool = False,
    ) -> list[Hit]:
        """The best ``2 * k`` hits. ``query_vector``: the embedding of the PII-masked query, when the
        caller already has it. ``every_candidate``: also every further passage that either ranking
        (dense or BM25) found, same scores and order (the auto-answer confidence reads each ranking)."""
        wanted = self.hit_count(k)
        pool = runtime.retriever.pool_for(wanted)
        return runtime.retriever.search(
            runtime.pii.mask(query), k=2 * pool if every_candidate else wanted, mode=mode, query_vector=query_vector, pool=pool
        )

    def hit_count(self, k: int | None = None) -> int:
        """Hits the drafters see: twice the configured top-k (answers and articles compete for them)."""
        return (k or self.settings.top_k) * 2

    def classify(
        self, runtime: BrandRuntime, request: SuggestionRequest, analysis: Analysis, message_vector: np.ndarray | None
    ) -> FlagResult:
        """Sarcasm, sentiment (trained classifier, null without an artifact) and escalation
        (detectors + classifier), reading the message with its thread. ``message_vector``: the
        retriever's embedding of the masked message, reused when the classifier uses that embedder."""
        if runtime.flags is None:  # a runtime built outside the registry (eval)
            runtime.flags = self.registry.load_flags(runtime.brand, runtime.kb, runtime.pii)
        scorer = runtime.flags
        classifier = scorer.classifier
        embedder = None
        if classifier is not None:
            if runtime.retriever.embedder.name == classifier.embedder_name:
                embedder = runtime.retriever.embedder
            else:  # trained on the base embedder while the brand retrieves with a fine-tuned one
                embedder, message_vector = self.registry.embedder, None
        return scorer.score(
            request.message,
            [(t.role, t.text) for t in request.thread],
            public=analysis.public,
            embedder=embedder,
            pii_types=analysis.pii_types,
            message_vector=message_vector,
            move_to_private=analysis.move_to_private,
        )

    # the whole run --------------------------------------------------------------------------------
    def suggest(
        self,
        request: SuggestionRequest,
        *,
        mode: RetrievalMode = "hybrid",
        runtime: BrandRuntime | None = None,
        generate: bool = True,
    ) -> Suggestion:
        """``runtime`` overrides the registry's runtime of the brand (eval: an in-memory index without
        the held-out conversations); it must belong to ``request.brand``. ``generate=False`` skips the
        generator (eval of flags only: its drafts are not looked at)."""
        self.check_limits(request)
        timer = _Timer()
        with timer.stage("load"):
            if runtime is None:
                runtime = self.registry.get(request.brand)
            elif runtime.brand != request.brand:
                raise ValueError(f"runtime of brand {runtime.brand!r} given for a request of brand {request.brand!r}")
        profile = runtime.kb.profile
        with timer.stage("analyse"):
            analysis = self.analyse(runtime, request)
        with timer.stage("retrieve"):
            query = self.retrieval_query(request, analysis)
            query_vector = runtime.retriever.embed_query(runtime.pii.mask(query)) if mode != "bm25" else None
            candidates = self.retrieve(runtime, query, mode=mode, query_vector=query_vector, every_candidate=True)
            hits = candidates[: self.hit_count()]
        with timer.stage("classify"):
            flag_result = self.classify(runtime, request, analysis, query_vector if query == analysis.text else None)
        with timer.stage("generate"):
            limit = profile.channel_limits.get(request.channel)
            prefix = DEFAULT_PRIVACY_NOTICE[profile.tone.address_form] if analysis.move_to_private else None
            drafts = self.drafter.draft(hits, profile, agent=request.agent, length_limit=limit, prefix=prefix)
            generated: list[Draft] = []
            if generate:
                # the first retrieval draft without the prefix; computed only when a concept artifact asks
                def concept(retrieval: list[Draft] = drafts) -> str | None:
                    plain = retrieval if prefix is None else self.drafter.draft(hits, profile, agent=request.agent, length_limit=limit, n=1)
                    return plain[0].text if plain else None

                generated = self.generator.drafts(
                    runtime.brand, profile, hits=hits, thread=request.thread, message=request.message,
                    channel=str(request.channel), agent=request.agent, n=self.settings.n_drafts, length_limit=limit,
                    prefix=prefix, concept=concept, vocabulary=runtime.vocabulary,
                )
            drafts = merge_drafts(generated, drafts)
            drafts = self.handover.apply(
                drafts, flag_result.escalation, profile,
                agent=request.agent, public=analysis.public, length_limit=limit, prefix=prefix,
            )
        with timer.stage("guard"):
            # the guard also masks any personal data in a draft on a public channel
            drafts = guard_drafts(drafts, [guard_context(d, runtime, request, self.language) for d in drafts])
            if flag_result.escalation.value:
                contacts = [
                    f"{reason} -> {profile.escalation_contacts[reason]}"
                    for reason in flag_result.escalation.reasons
                    if reason in profile.escalation_contacts
                ]
                note = f"escalation ({flag_result.escalation.level}): {', '.join(flag_result.escalation.reasons)}"
                for draft in drafts:
                    draft.notes.append(note + (f"; hand over: {'; '.join(contacts)}" if contacts else ""))
            if analysis.language != profile.language:
                for draft in drafts:
                    draft.notes.append(
                        f"customer wrote in '{analysis.language}', this draft is in '{profile.language}': adapt before sending"
                    )
        timings = dict(timer.timings)
        timings["total"] = round(sum(timer.timings.values()), 2)
        store = runtime.store
        suggestion = Suggestion(
            brand=runtime.brand,
            drafts=drafts,
            flags=Flags(
                language=analysis.language,
                language_confidence=analysis.language_confidence,
                pii=PiiFlag(found=bool(analysis.pii_types), types=analysis.pii_types),
                move_to_private=analysis.move_to_private,
                sarcasm=flag_result.sarcasm,
                escalation=flag_result.escalation,
                sentiment=flag_result.sentiment,
            ),
            auto_answerable=False,
            timings_ms=timings,
            versions={
                "embedder": store.embedder,
                "index_built_at": store.meta.built_at,
                "index_updated_at": store.meta.updated_at,
                "index_items": str(store.meta.count),
                "drafter": self.generator.version(runtime.brand) or "retrieval",
                "classifiers": runtime.flags.version if runtime.flags else "rules-only",
            },
        )
        suggestion.answer_confidence = answer_confidence(drafts, candidates)
        # the same rule (and per-brand confidence bar) as the chatbot's POST /v1/answer
        suggestion.auto_answerable = not decide(suggestion, self.bars.get(runtime.brand), profile.language).handoff
        return suggestion
