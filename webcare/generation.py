"""Generator drafts in the pipeline: the brand's latest ``generator`` artifact, never an untuned base.

Without an artifact for the brand (or with ``WEBCARE_GENERATOR_ENABLED=false``) this yields no
drafts and the retrieval-based drafts are all there is, exactly as before. With the quality gate on
(default), an artifact whose own held-out metrics do not beat the retrieval-only draft, or miss the
Dutch / grounded bars, is not served either: a worse draft first in the list costs agents time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from models.generator import ReplyGenerator, max_new_tokens_for
from models.language import LanguageDetector
from models.vocabulary import Vocabulary
from retrieval.kb_schema import BrandProfile
from retrieval.retriever import Hit
from webcare.artifacts import latest, read_info
from webcare.coherence import DraftChecker
from webcare.consensus import tiered_consensus_order
from webcare.grounding import check_grounding
from webcare.guard import draft_evidence
from webcare.prompting import build_messages, select_passages
from webcare.settings import Settings
from webcare.tone import _GREETING
from webcare.types import Draft, Source, Turn

log = logging.getLogger(__name__)


#: The retrieval draft a generator is compared with on its held-out split (``heldout.retrieval_baseline``):
#: the draft the pipeline itself shows without a generator, from the same search as the prompt's passages,
#: with the agent's signature. Artifacts measured against another (older ones: a search for the message
#: alone, drafted without the agent's signature, which made the generator look better) are re-measured.
PIPELINE_BASELINE = "the pipeline's first retrieval draft (the same search, the agent's signature)"


def quality_bar(
    metrics: dict[str, Any],
    *,
    min_dutch: float = 0.95,
    min_grounded: float = 0.95,
    candidates: int | None = None,
    source_agreement: float | None = None,
    source_pooling: str | None = None,
    copy_bias: float | None = None,
    dtype: str | None = None,
) -> str | None:
    """Why an artifact's held-out metrics do not earn it a place before the retrieval drafts (None: they do).
    ``candidates``: the drafts sampled per request when served; fewer than the metrics were measured with
    (``heldout.candidates``, 1 when absent) means the figures do not describe what agents would get.
    ``source_agreement``: the served ranking's weight of the sources; metrics measured with another
    (``heldout.source_agreement``, 0 when absent) do not describe it either, nor, where the sources are
    weighed, metrics whose agreement with them was pooled otherwise than ``source_pooling``
    (``heldout.source_pooling``, "mean" when absent). ``copy_bias`` and ``dtype``: the
    served decoding's copy bias and weight dtype; metrics measured with others (``heldout.copy_bias``,
    ``heldout.dtype``; not checked when the artifact did not record them) do not describe it either."""
    heldout = metrics.get("heldout") or {}
    chrf, baseline = heldout.get("chrf++"), heldout.get("retrieval_baseline_chrf++")
    if chrf is None or baseline is None:
        return "no held-out comparison with the retrieval draft in the artifact"
    if heldout.get("retrieval_baseline") != PIPELINE_BASELINE:
        return (
            "held-out figures compare with a retrieval draft other than the pipeline's (searched for the message alone, "
            "without the agent's signature): re-measure with `webcare train generator --brand B --remeasure`"
        )
    measured = int(heldout.get("candidates", 1))
    if candidates is not None and candidates < measured:
        return (
            f"held-out figures were measured choosing among {measured} sampled drafts, served with {candidates} "
            f"(WEBCARE_GENERATOR_CANDIDATES): raise it to {measured} or re-measure (`webcare train generator --brand B --remeasure`)"
        )
    weighed = float(heldout.get("source_agreement", 0.0))
    if source_agreement is not None and abs(source_agreement - weighed) > 1e-9:
        return (
            f"held-out figures were measured ranking drafts with the sources weighed {weighed:g}, served with {source_agreement:g} "
            "(WEBCARE_GENERATOR_SOURCE_AGREEMENT): re-measure with `webcare train generator --brand B --remeasure`"
        )
    pooled = str(heldout.get("source_pooling", "mean"))
    if source_pooling is not None and weighed > 0 and pooled != source_pooling:
        return (
            f"held-out figures were measured pooling the drafts' agreement with their sources by {pooled!r}, served with "
            f"{source_pooling!r} (WEBCARE_GENERATOR_SOURCE_POOLING): set it back or re-measure with "
            "`webcare train generator --brand B --remeasure`"
        )
    bias = heldout.get("copy_bias")
    if copy_bias is not None and bias is not None and abs(copy_bias - float(bias)) > 1e-9:
        return (
            f"held-out figures were measured with copy bias {float(bias):g}, served with {copy_bias:g} "
            "(WEBCARE_GENERATOR_COPY_BIAS): set it back or re-measure with `webcare train generator --brand B --remeasure`"
        )
    measured_dtype = heldout.get("dtype")
    if dtype is not None and measured_dtype is not None and dtype != measured_dtype:
        return (
            f"held-out figures were measured in {measured_dtype}, served in {dtype} (WEBCARE_GENERATOR_DTYPE): "
            "set it back or re-measure with `webcare train generator --brand B --remeasure`"
        )
    if chrf <= baseline:
        return f"held-out chrF++ {chrf} does not beat the retrieval draft's {baseline}"
    if heldout.get("dutch_rate", 0.0) < min_dutch:
        return f"Dutch rate {heldout.get('dutch_rate')} < {min_dutch}"
    if heldout.get("grounded_rate", 0.0) < min_grounded:
        return f"grounded rate {heldout.get('grounded_rate')} < {min_grounded}"
    return None


def gate_reason(path: Path, settings: Settings) -> str | None:
    """The quality gate's verdict on a generator artifact with the settings' bars (None: it may serve).
    Whether the gate is on (``generator_quality_gate``) is the caller's business."""
    return quality_bar(
        read_info(path).metrics, min_dutch=settings.generator_min_dutch_rate, min_grounded=settings.generator_min_grounded_rate,
        candidates=settings.generator_candidates, source_agreement=settings.generator_source_agreement,
        source_pooling=settings.generator_source_pooling, copy_bias=settings.generator_copy_bias, dtype=settings.generator_dtype,
    )


#: How sampled drafts are ranked, recorded in an artifact's held-out metrics (``heldout.ranking``); older
#: artifacts without it were measured with grounding alone deciding which drafts come last.
RANKING = "grounded, coherent and without unknown words first (webcare.coherence), then consensus"


def ranking_name(source_agreement: float, source_pooling: str = "mean") -> str:
    """How drafts were ranked, as an artifact's held-out metrics record it (``heldout.ranking``)."""
    if source_agreement <= 0:
        return RANKING
    pooled = " (by rank: the first passage most)" if source_pooling == "rank" else ""
    return f"{RANKING} with the sources weighed {source_agreement:g}{pooled}"


def rank_generations(
    texts: Sequence[str],
    evidence: Sequence[str],
    *,
    message: str = "",
    instructions: str = "",
    detector: LanguageDetector | None = None,
    language: str = "nl",
    vocabulary: Vocabulary | None = None,
    sources: Sequence[str] = (),
    source_agreement: float = 0.0,
    source_pooling: str = "rank",
) -> list[int]:
    """The order in which sampled drafts are offered: usable ones by consensus, then grounded ones with
    a defect by consensus, then ungrounded ones as sampled. ``sources``: the passages in the prompt;
    with ``source_agreement`` > 0 a draft's agreement with them counts in its consensus with that weight,
    pooled over the passages as ``source_pooling`` says ("rank": the first passage most; "mean")
    (``webcare.consensus.consensus_order``; served: ``Settings.generator_source_agreement`` and
    ``generator_source_pooling``). Usable: grounded (every fact in ``evidence``:
    the passages, the message, the thread, the brand's own facts) and free of the defects of
    ``webcare.coherence.DraftChecker`` (repeating ``message``, reciting ``instructions``: the system
    prompt, a sentence in another language when ``detector`` is given, a word that exists nowhere when
    ``vocabulary`` is given). The pipeline and the artifact's held-out evaluation both rank with this,
    so the gate judges what is served."""
    checker = DraftChecker(message, detector, language, instructions, vocabulary, evidence)
    tiers = [2 if not t.strip() or not check_grounding(t, evidence).grounded else 1 if checker.defects(t) else 0 for t in texts]
    return tiered_consensus_order(
        texts, tiers, as_given={2}, anchors=sources, anchor_weight=source_agreement, anchor_pooling=source_pooling
    )


def system_prompt(messages: Sequence[dict[str, str]]) -> str:
    """The generator's instructions in a chat prompt (its system message; empty when it has none)."""
    return next((m["content"] for m in messages if m.get("role") == "system"), "")


def merge_drafts(generated: Sequence[Draft], retrieved: Sequence[Draft]) -> list[Draft]:
    """The generator's first-ranked draft first, then the best retrieval draft, then the rest of each.
    The generator's drafts tie the retrieval drafts through the pipeline (chrF++ 27.10 vs 27.12, shop,
    README 'Generator quality') and a small model's Dutch can be broken where a past answer is not, so
    the best past answer stays in second place instead of after all the generated drafts."""
    return [*generated[:1], *retrieved[:1], *generated[1:], *retrieved[1:]]


class GenerationService:
    """Loads each brand's latest generator artifact on first use (and again when a newer one appears)."""

    def __init__(self, settings: Settings, language: LanguageDetector | None = None) -> None:
        self.settings = settings
        self.language = language or LanguageDetector()  # ranks drafts with a sentence in another language last
        self._loaded: dict[str, tuple[Path, ReplyGenerator]] = {}
        self._verdicts: dict[Path, str | None] = {}
        self._lock = threading.Lock()
        self._generating = threading.Lock()  # one generation at a time: it sets the process's torch threads

    @property
    def enabled(self) -> bool:
        return bool(getattr(self.settings, "generator_enabled", True))

    def held_back(self, brand: str) -> str | None:
        """Why the brand's latest artifact is not served (None: served, or there is none)."""
        path = latest(self.settings.artifacts_dir, brand, "generator")
        return self._verdict(path) if path is not None and self.enabled else None

    def _verdict(self, path: Path) -> str | None:
        if not self.settings.generator_quality_gate:
            return None
        if path not in self._verdicts:
            reason = gate_reason(path, self.settings)
            if reason:
                log.warning("generator artifact %s held back by the quality gate: %s", path.name, reason)
            self._verdicts[path] = reason
        return self._verdicts[path]

    def artifact(self, brand: str) -> Path | None:
        path = latest(self.settings.artifacts_dir, brand, "generator") if self.enabled else None
        return path if path is not None and self._verdict(path) is None else None

    def for_brand(self, brand: str) -> ReplyGenerator | None:
        path = self.artifact(brand)
        if path is None:
            return None
        with self._lock:
            current = self._loaded.get(brand)
            if current is None or current[0] != path:
                log.info("brand %s: loading generator artifact %s", brand, path)
                dtype = self.settings.generator_dtype
                generator = ReplyGenerator.from_artifact(
                    path, base_cache=self.settings.data_dir / "base_models", dtype=dtype, copy_bias=self.settings.generator_copy_bias
                )
                current = (path, generator)
                self._loaded[brand] = current
            return current[1]

    def version(self, brand: str) -> str | None:
        current = self._loaded.get(brand)
        return f"{brand}/generator/{current[0].name}" if current else None

    def drafts(
        self,
        brand: str,
        profile: BrandProfile,
        *,
        hits: Sequence[Hit],
        thread: Sequence[Turn],
        message: str,
        channel: str,
        agent: str | None,
        n: int,
        length_limit: int | None = None,
        prefix: str | None = None,
        concept: str | Callable[[], str | None] | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> list[Draft]:
        """``concept``: the first retrieval draft (without prefix), for an artifact trained to adapt it; a
        callable is only called when the served artifact takes one (it may cost a second retrieval draft)."""
        generator = self.for_brand(brand)
        if generator is None or n < 1:
            return []
        passages = select_passages(hits)
        messages = build_messages(
            profile,
            hits=passages,
            thread=thread,
            message=message,
            channel=channel,
            agent=profile.agent(agent),
            length_limit=length_limit,
            concept=((concept() if callable(concept) else concept) or "") if generator.concept else None,
        )
        cap = self.settings.generator_max_new_tokens
        threads = self.settings.generator_threads or os.cpu_count() or 1
        sampled = max(n, self.settings.generator_candidates)
        with self._generating:
            outputs = generator.generate(messages, n=sampled, max_new_tokens=max_new_tokens_for(length_limit, cap=cap), threads=threads)
        # the evidence the guard checks these drafts against (webcare.guard.guard_context)
        contents = [h.passage.content for h in passages]
        evidence = draft_evidence([*contents, *(h.passage.text for h in passages)], message, [t.text for t in thread], profile)
        order = rank_generations(
            [o.text for o in outputs], evidence, message=message, instructions=system_prompt(messages),
            detector=self.language, language=profile.language, vocabulary=vocabulary,
            sources=contents, source_agreement=self.settings.generator_source_agreement,
            source_pooling=self.settings.generator_source_pooling,
        )
        outputs = [outputs[i] for i in order]
        sources = [Source(id=h.passage.id, kind=h.passage.kind, score=round(h.score, 4), title=h.passage.title) for h in passages]
        confidence = round(passages[0].score, 4) if passages else 0.0
        drafts: list[Draft] = []
        seen: set[str] = set()
        for out in outputs:
            text = out.text.strip()
            if not text or text in seen:
                continue
            if len(drafts) == n:
                break
            seen.add(text)
            rank = len(drafts)
            if prefix:  # e.g. the privacy notice: right after the greeting
                m = _GREETING.match(text)
                cut = m.end() if m else 0
                text = f"{text[:cut]}{prefix} {text[cut:]}".strip()
            drafts.append(
                Draft(
                    text=text,
                    score=round(max(confidence - 0.01 * rank, 0.0), 4),
                    sources=list(sources),
                    method="generator",
                    notes=[
                        f"generated by {self.version(brand)} in {out.seconds:.1f} s ({out.tokens} tokens); "
                        f"{sampled} drafts sampled; grounded ones without a defect ranked first, by agreement (with each other and the sources)"
                    ],
                )
            )
        return drafts
