"""Offline evaluation: runs the SAME pipeline as the API (``SuggestionPipeline.suggest``) over a labelled
set and computes retrieval, generation, flag, auto-answer and latency metrics (see eval/README.md).

No leakage: the pipeline runs against an in-memory index of the brand built like the served one, minus
every past answer of the evaluated conversations (and any past answer whose message is an eval message),
so a held-out answer can never retrieve itself.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tqdm import tqdm

from eval import metrics as M
from models.language import LanguageDetector
from models.pii import PiiDetector
from retrieval.documents import brand_passages
from retrieval.kb_loader import BrandKB
from retrieval.kb_schema import ESCALATION_REASONS, PastAnswer
from retrieval.retriever import HybridRetriever, RetrievalMode
from retrieval.splits import split_past_answers
from retrieval.store import PassageStore
from retrieval.vector_index import VectorIndex
from webcare import artifacts
from webcare.auto_answer import CONFIDENCE_SIGNAL, candidate_score, top_answer
from webcare.brands import BrandRuntime
from webcare.grounding import check_grounding
from webcare.guard import GUARD_RULES, draft_violations, guard_context
from webcare.jsonl import Utf8Error, decode_utf8, describe_errors, json_lines
from webcare.services import Services
from webcare.types import Draft, Suggestion, SuggestionRequest

MODES: tuple[RetrievalMode, ...] = ("dense", "bm25", "hybrid")
TARGET_PRECISION = 0.95
MIN_ANSWERED = 10  # a bar chosen on fewer answered items is not trusted
TOP_WRONG = 8  # wrong automatic answers listed in the report, highest score first
SENTIMENTS = ("negative", "neutral", "positive")


class EvalSetError(ValueError):
    """The evaluation set file is malformed; the message names the line."""


@dataclass
class EvalItem:
    id: str
    request: SuggestionRequest
    reference: str | None = None
    article_id: str | None = None
    conversation_id: str | None = None
    # {"sarcasm": bool, "escalation": bool, "escalation_reasons": [str], "sentiment": str}
    labels: dict[str, Any] | None = None


@dataclass
class EvalRun:
    metrics: dict[str, Any]  # what metrics.json holds
    timings: dict[str, list[float]]  # raw per-stage latencies (ms) for the report's histogram


@dataclass
class EvalSet:
    name: str
    items: list[EvalItem]  # with a reference reply (retrieval / generation / auto-answer)
    labelled: list[EvalItem] = field(default_factory=list)  # with flag labels
    # chatbot questions: an article_id (null: no article answers it) and no reference; they add evidence
    # to the auto-answer curve only (the held-out default pools knowledge_base/<brand>/chatbot_questions.jsonl)
    questions: list[EvalItem] = field(default_factory=list)


CHATBOT_QUESTIONS = "chatbot_questions.jsonl"


# loading ------------------------------------------------------------------------------------------------


def past_answer_item(past: PastAnswer, brand: str) -> EvalItem:
    """A past answer as an eval item: its message and thread as the request, the agent's reply as reference."""
    return EvalItem(
        id=past.id,
        request=SuggestionRequest(brand=brand, channel=past.channel, message=past.message, thread=past.thread, agent=past.agent),
        reference=past.answer,
        article_id=past.article_id,
        conversation_id=past.conversation_id,
    )


def heldout_set(kb: BrandKB) -> EvalSet:
    """The brand's held-out past answers (retrieval/splits.py), its labelled test split and, when the
    brand has one, its chatbot question set (``chatbot_questions.jsonl``: written for evaluation only,
    never trained on), which adds evidence to the auto-answer curve."""
    _, test = split_past_answers(kb.past_answers)
    items = [past_answer_item(p, kb.brand) for p in test]
    labelled = [
        EvalItem(
            id=m.id,
            request=SuggestionRequest(brand=kb.brand, channel=m.channel, message=m.message, thread=m.thread),
            conversation_id=m.conversation_id,
            labels={
                "sarcasm": m.sarcasm, "escalation": m.escalation.value,
                "escalation_reasons": list(m.escalation.reasons), "sentiment": m.sentiment,
            },
        )
        for m in kb.labelled
        if m.split == "test"
    ]
    path = kb.root / CHATBOT_QUESTIONS
    questions = load_set(path, kb.brand).questions if path.is_file() else []
    unknown = sorted({q.article_id for q in questions if q.article_id and kb.article(q.article_id) is None})
    if unknown:
        raise EvalSetError(f"{path}: article_id not in faq.yaml: {', '.join(unknown)}")
    return EvalSet("heldout", items, labelled, questions)


_REQUEST_FIELDS = set(SuggestionRequest.model_fields)
_LABELLED_FIELDS = {"sarcasm", "escalation", "sentiment"}


def load_set(path: Path, brand: str) -> EvalSet:
    """A QA team's JSONL set (format: eval/README.md)."""
    if not path.is_file():
        raise EvalSetError(f"{path}: file does not exist")
    try:
        text = decode_utf8(path.read_bytes(), path)
    except Utf8Error as exc:
        raise EvalSetError(str(exc)) from exc
    items: list[EvalItem] = []
    labelled: list[EvalItem] = []
    questions: list[EvalItem] = []
    for line in json_lines(text):
        number, data = line.number, line.data
        if line.error is not None:
            raise EvalSetError(f"{path}:{number}: {line.error}")
        if not isinstance(data, dict):
            raise EvalSetError(f"{path}:{number}: each line must be a JSON object")
        data.setdefault("brand", brand)
        if "labels" not in data and _LABELLED_FIELDS & set(data):  # a knowledge_base labelled.jsonl line
            data["labels"] = {k: data.pop(k) for k in sorted(_LABELLED_FIELDS & set(data))}
            data.pop("split", None)
            data.pop("sample", None)  # traffic | targeted | calibration: how the line was written, not a label
        if data["brand"] != brand:
            raise EvalSetError(f"{path}:{number}: brand {data['brand']!r} but evaluating {brand!r}")
        unknown = set(data) - _REQUEST_FIELDS - {"id", "reference", "article_id", "conversation_id", "labels"}
        if unknown:
            raise EvalSetError(f"{path}:{number}: unknown fields {sorted(unknown)}")
        try:
            request = SuggestionRequest.model_validate({k: v for k, v in data.items() if k in _REQUEST_FIELDS})
        except ValidationError as exc:
            raise EvalSetError(f"{path}:{number}: {describe_errors(exc.errors())}") from exc
        labels = data.get("labels")
        if labels is not None:
            labels = _check_labels(labels, f"{path}:{number}")
        item = EvalItem(
            id=str(data.get("id", number)),
            request=request,
            reference=data.get("reference"),
            article_id=data.get("article_id"),
            conversation_id=data.get("conversation_id"),
            labels=labels,
        )
        if item.reference:
            items.append(item)
        elif "article_id" in data:  # a chatbot question: only the auto-answer curve reads it
            questions.append(item)
        if labels:
            labelled.append(item)
        if not item.reference and not labels and "article_id" not in data:
            raise EvalSetError(
                f"{path}:{number}: give a 'reference' reply, 'labels', or an 'article_id' (null: no article answers it)"
            )
    if not items and not labelled and not questions:
        raise EvalSetError(f"{path}: no items")
    return EvalSet(path.name, items, labelled, questions)


def _check_labels(labels: Any, where: str) -> dict[str, Any]:
    if not isinstance(labels, dict):
        raise EvalSetError(f"{where}: 'labels' must be an object")
    out: dict[str, Any] = {}
    for name in ("sarcasm", "escalation"):
        if name in labels:
            value = labels[name]
            if isinstance(value, dict):  # the labelled.jsonl form {"value": ..., "reasons": [...]}
                if name == "escalation" and "reasons" in value:
                    out["escalation_reasons"] = _check_reasons(value["reasons"], value.get("value"), where)
                value = value.get("value")
            if not isinstance(value, bool):
                raise EvalSetError(f"{where}: labels.{name} must be true or false")
            out[name] = value
    if "sentiment" in labels:
        if labels["sentiment"] not in SENTIMENTS:
            raise EvalSetError(f"{where}: labels.sentiment must be one of {list(SENTIMENTS)}")
        out["sentiment"] = labels["sentiment"]
    return out


def _check_reasons(reasons: Any, value: Any, where: str) -> list[str]:
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise EvalSetError(f"{where}: labels.escalation.reasons must be a list of strings")
    unknown = sorted(set(reasons) - set(ESCALATION_REASONS))
    if unknown:
        raise EvalSetError(f"{where}: unknown escalation reasons {unknown}; allowed: {list(ESCALATION_REASONS)}")
    if reasons and not value:
        raise EvalSetError(f"{where}: labels.escalation has reasons but value false; give reasons only for an escalation")
    return list(reasons)


def sample(items: list[EvalItem], limit: int | None, seed: int) -> list[EvalItem]:
    """A seeded sample of ``limit`` items, kept in file order (all items without a limit)."""
    if limit is None or limit >= len(items):
        return list(items)
    keep = set(random.Random(seed).sample(range(len(items)), limit))
    return [item for n, item in enumerate(items) if n in keep]


# the eval index (no leakage) ------------------------------------------------------------------------------


class _MemoRetriever(HybridRetriever):
    """Remembers the last query's vector, so the dense / hybrid comparison runs after ``suggest`` do not
    embed the same query again (``suggest`` runs first and pays, so its timings stay honest)."""

    _last: tuple[str, Any] | None = None

    def embed_query(self, query: str) -> Any:
        if self._last is None or self._last[0] != query:
            self._last = (query, super().embed_query(query))
        return self._last[1]


def eval_runtime(services: Services, brand: str, evaluated: list[EvalItem]) -> tuple[BrandRuntime, dict[str, Any]]:
    """The brand's runtime with an in-memory index that holds none of the evaluated conversations.

    The result equals ``build_store`` over ``brand_passages(kb, past_answers=kept)`` with the served
    embedder; vectors of unchanged passages are copied from the served index instead of re-embedded
    (the served index is loaded, or built, and synced with the KB by the registry first).
    """
    s = services.settings
    served = services.registry.get(brand, progress=True)
    kb = served.kb
    conversations = {i.conversation_id for i in evaluated if i.conversation_id}
    messages = {" ".join(i.request.message.split()).lower() for i in evaluated}
    kept = [
        p for p in kb.past_answers if p.conversation_id not in conversations and " ".join(p.message.split()).lower() not in messages
    ]
    wanted = {p.id: p for p in brand_passages(kb, chunk_words=s.chunk_words, overlap=s.chunk_overlap_words, past_answers=kept)}
    with served.lock:
        source = served.store
        vectors = VectorIndex.from_bytes(source.vectors.to_bytes(), source.vectors.kind, s.ivf_nprobe)
        store = PassageStore(brand, source.embedder, vectors, {p.id: p for p in source.passages()}, source.meta.model_copy())
    store.remove([pid for pid in (p.id for p in store.passages()) if pid not in wanted])
    changed = [p for pid, p in wanted.items() if store.get(pid) != p]
    embedder = served.retriever.embedder  # the brand's serving embedder (a fine-tuned one when it has it)
    if changed:
        store.upsert(changed, embedder.encode([p.text for p in changed]))
    leaked = [p.id for p in store.passages() if p.meta.get("conversation_id") in conversations]
    if leaked or len(store) != len(wanted):  # cannot happen; a guard against future changes
        raise RuntimeError(f"eval index does not match the wanted passages (leaked: {leaked[:3]})")
    retriever = _MemoRetriever(store, embedder, alpha=s.hybrid_alpha, k1=s.bm25_k1, b=s.bm25_b, saturation=s.bm25_saturation)
    eval_kb = BrandKB(kb.root, kb.profile, list(kb.articles), list(kb.canned), kept, [])
    runtime = BrandRuntime(eval_kb, retriever, PiiDetector(kb.profile.pii_patterns), Path(os.devnull))
    info = {
        "passages": len(store),
        "past_answers_indexed": len(kept),
        "past_answers_excluded": len(kb.past_answers) - len(kept),
        "conversations_excluded": len(conversations),
        "passages_embedded": len(changed),
    }
    return runtime, info


# the run ----------------------------------------------------------------------------------------------------


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:  # pragma: no cover
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover
        pass


def _draft_of(suggestion: Suggestion, method: str) -> Draft | None:
    return next((d for d in suggestion.drafts if d.method == method), None)


def _sources_view(runtime: BrandRuntime, draft: Draft | None) -> list[dict[str, Any]]:
    if draft is None:
        return []
    out = []
    for s in draft.sources:
        passage = runtime.store.get(s.id)
        out.append(
            {"id": s.id, "kind": s.kind, "score": s.score, "title": s.title, "article_id": passage.article_id if passage else None}
        )
    return out


def run_eval(
    services: Services,
    brand: str,
    *,
    set_path: Path | None = None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = True,
    worst: int = 10,
) -> EvalRun:
    """Evaluate ``brand``: the metrics (written as metrics.json by the CLI) and the raw latencies."""
    _seed_everything(seed)
    pipeline = services.pipeline
    kb = services.registry.get(brand, progress=progress).kb
    profile = kb.profile
    eval_set = load_set(set_path, brand) if set_path else heldout_set(kb)
    items = sample(eval_set.items, limit, seed)
    labelled = sample(eval_set.labelled, limit, seed)
    questions = sample(eval_set.questions, limit, seed)
    # the whole set, limit or not
    runtime, index_info = eval_runtime(services, brand, eval_set.items + eval_set.labelled + eval_set.questions)

    timings: dict[str, list[float]] = defaultdict(list)
    relevance: dict[str, list[list[bool]]] = {m: [] for m in MODES}
    served_versions: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    bar = tqdm(total=len(items) + len(labelled) + len(questions), desc=f"eval {brand}", unit="msg", disable=not progress)
    for item in items:
        suggestion = pipeline.suggest(item.request, runtime=runtime)
        for stage, ms in suggestion.timings_ms.items():
            timings[stage].append(ms)
        analysis = pipeline.analyse(runtime, item.request)
        query = pipeline.retrieval_query(item.request, analysis)
        if item.article_id:
            for mode in MODES:
                hits = pipeline.retrieve(runtime, query, mode=mode)
                relevance[mode].append([h.passage.article_id == item.article_id for h in hits])
        served_versions = suggestion.versions
        row = _item_row(item, suggestion, runtime, profile.language, pipeline.language)
        rows.append(row)
        bar.update()
    flag_rows = []
    for item in labelled:
        suggestion = pipeline.suggest(item.request, runtime=runtime, generate=False)  # only its flags are read
        for stage, ms in suggestion.timings_ms.items():
            if stage != "generate":  # without the generator: not comparable with the drafted items' stage
                timings[stage].append(ms)
        flag_rows.append({"id": item.id, "labels": item.labels, "flags": suggestion.flags})
        bar.update()
    question_rows = []
    for item in questions:  # the chatbot's view: flags and retrieval drafts, no generation
        suggestion = pipeline.suggest(item.request, runtime=runtime, generate=False)
        question_rows.append(_item_row(item, suggestion, runtime, profile.language, pipeline.language))
        bar.update()
    bar.close()

    generation = _generation(services, rows, brand)
    result: dict[str, Any] = {
        "brand": brand,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "set": {
            "name": eval_set.name,
            "path": str(set_path) if set_path else None,
            "items": len(items),
            "items_with_article": sum(1 for i in items if i.article_id),
            "labelled_items": len(labelled),
            "chatbot_questions": len(questions),
            "seed": seed,
            "limit": limit,
        },
        "index": index_info,
        "retrieval": _retrieval(relevance),
        "generation": generation,
        "flags": _flags(flag_rows),
        "auto_answer": _auto_answer(rows, question_rows),
        "latency_ms": {stage: M.latency_summary(values) for stage, values in timings.items()},
        "versions": {**served_versions, "index": "eval (in memory, held-out excluded)"},
    }
    result["worst_cases"] = _worst(rows, worst)
    return EvalRun(result, dict(timings))


def _item_row(
    item: EvalItem, suggestion: Suggestion, runtime: BrandRuntime, language: str, detector: LanguageDetector
) -> dict[str, Any]:
    best = top_answer(suggestion)
    top_article = None
    if best is not None:
        passage = runtime.store.get(best.sources[0].id)
        top_article = passage.article_id if passage else None
    drafts: dict[str, Any] = {}
    for method in ("retrieval", "generator"):
        draft = _draft_of(suggestion, method)
        if draft is None:
            continue
        ctx = guard_context(draft, runtime, item.request, detector)  # the serving guard's own evidence and rules
        grounding = check_grounding(draft.text, ctx.evidence())
        drafts[method] = {
            "text": draft.text,
            "invented": [f.raw for f in grounding.invented],
            "violations": draft_violations(draft.text, ctx),
            "sources": _sources_view(runtime, draft),
        }
    return {
        "id": item.id,
        "message": item.request.message,
        "channel": str(item.request.channel),
        "reference": item.reference,
        "article_id": item.article_id,
        "drafts": drafts,
        "auto_score": candidate_score(suggestion, language),
        "auto_correct": bool(item.article_id) and top_article == item.article_id,
        "top_article": top_article,
    }


def _retrieval(relevance: dict[str, list[list[bool]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(relevance["hybrid"]), "relevant": "any passage whose article_id is the gold article_id"}
    for mode in MODES:
        out[mode] = {
            "recall@1": M.recall_at_k(relevance[mode], 1),
            "recall@5": M.recall_at_k(relevance[mode], 5),
            "mrr": M.mrr(relevance[mode]),
        }
    return out


def _generation(services: Services, rows: list[dict[str, Any]], brand: str) -> dict[str, Any]:
    language = services.pipeline.language
    profile_language = services.registry.get(brand).kb.profile.language
    embedder = services.registry.embedder  # the base embedder as a neutral judge of similarity
    out: dict[str, Any] = {}
    for key, method in (("retrieval_baseline", "retrieval"), ("generator", "generator")):
        pairs = [(r, r["drafts"][method]) for r in rows if method in r["drafts"] and r["reference"]]
        if not pairs:
            out[key] = None
            continue
        hyps = [d["text"] for _, d in pairs]
        refs = [r["reference"] for r, _ in pairs]
        vectors = embedder.encode(hyps + refs)
        cosines = [M.cosine(vectors[n].tolist(), vectors[len(hyps) + n].tolist()) for n in range(len(hyps))]
        for (row, draft), cos, hyp, ref in zip(pairs, cosines, hyps, refs, strict=True):
            draft["chrf"] = round(M.sentence_chrf(hyp, ref), 2)
            draft["cosine"] = round(cos, 4)
        violations = Counter(v for _, d in pairs for v in d["violations"])
        out[key] = {
            "n": len(pairs),
            "chrf": M.chrf(hyps, refs),
            "chrf_balanced": M.chrf(hyps, refs, beta=1),  # chrF++ rewards length (recall x2): read both
            "length_ratio": M.length_ratio(hyps, refs),
            "bleu": M.bleu(hyps, refs),
            "embedding_cosine": sum(cosines) / len(cosines),
            "dutch_rate": M.rate([language.detect(h).language == profile_language for h in hyps]),
            "grounded_rate": M.rate([not d["invented"] for _, d in pairs]),
            "tone_violation_rate": M.rate([bool(d["violations"]) for _, d in pairs]),
            "tone_violations": {rule: violations.get(rule, 0) for rule in GUARD_RULES},
        }
    latest = artifacts.latest(services.settings.artifacts_dir, brand, "generator")
    if latest is not None:
        from webcare.generation import gate_reason

        reason = gate_reason(latest, services.settings)
        out["generator_gate"] = {"artifact": latest.name, "served": reason is None, "reason": reason}
    if out["generator"] is None:
        if latest and not services.settings.generator_enabled:
            out["generator_note"] = f"generator artifact {latest.name} not measured (generator disabled: --no-generator)"
        elif latest:
            out["generator_note"] = f"generator artifact {latest.name} exists but the pipeline produced no generator drafts"
        else:
            out["generator_note"] = "no generator artifact for this brand: only retrieval drafts are measured"
    return out


def _flags(flag_rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(flag_rows)}
    for name in ("sarcasm", "escalation", "sentiment"):
        labelled = [r for r in flag_rows if r["labels"] and name in r["labels"]]
        predicted = [r for r in labelled if getattr(r["flags"], name) is not None]
        if not labelled:
            out[name] = {"available": False, "why": "no labels for this flag in the set"}
            continue
        if not predicted:
            out[name] = {"available": False, "why": "the pipeline does not return this flag yet", "labelled": len(labelled)}
            continue
        truth = [r["labels"][name] for r in predicted]
        if name == "sentiment":
            pred = [getattr(r["flags"], name).label for r in predicted]
            scores = M.per_class_prf(truth, pred, SENTIMENTS)
            out[name] = {
                "available": True,
                "n": len(predicted),
                **scores,
                "labels": list(SENTIMENTS),
                "confusion": M.confusion_matrix(truth, pred, SENTIMENTS),
            }
        else:
            pred = [bool(getattr(r["flags"], name).value) for r in predicted]
            out[name] = {
                "available": True,
                "n": len(predicted),
                **M.precision_recall_f1(truth, pred),
                "labels": [False, True],
                "confusion": M.confusion_matrix(truth, pred, [False, True]),
            }
    if out["sarcasm"].get("available"):
        confusion = _sarcasm_vs_plain_negative(flag_rows)
        if confusion:
            out["sarcasm"]["vs_plain_negative"] = confusion
    if out["escalation"].get("available"):
        by_reason = _escalation_by_reason(flag_rows)
        if by_reason:
            out["escalation"]["by_reason"] = by_reason
    return out


def _sarcasm_vs_plain_negative(flag_rows: list[dict[str, Any]]) -> dict[str, int]:
    """Is sarcasm told apart from a plain complaint? Over rows labelled for sarcasm and sentiment:
    sarcastic messages flagged / missed, plain negative (not sarcastic) messages flagged / clear, and
    neutral or positive messages flagged."""
    rows = [
        r for r in flag_rows
        if r["labels"] and "sarcasm" in r["labels"] and "sentiment" in r["labels"] and r["flags"].sarcasm is not None
    ]
    if not rows:
        return {}
    out = dict.fromkeys(("sarcastic_flagged", "sarcastic_missed", "plain_negative_flagged", "plain_negative_clear", "non_negative_flagged"), 0)
    for r in rows:
        flagged = bool(r["flags"].sarcasm.value)
        if r["labels"]["sarcasm"]:
            out["sarcastic_flagged" if flagged else "sarcastic_missed"] += 1
        elif r["labels"]["sentiment"] == "negative":
            out["plain_negative_flagged" if flagged else "plain_negative_clear"] += 1
        elif flagged:
            out["non_negative_flagged"] += 1
    return out


def _escalation_by_reason(flag_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per labelled reason: how many such messages raise an escalation at all (``recall``) and how
    many name that reason (``named``); per reason the pipeline names: how often the message is
    labelled with it (``precision``). Only over rows whose labels give the reasons."""
    rows = [r for r in flag_rows if r["labels"] and "escalation_reasons" in r["labels"] and r["flags"].escalation is not None]
    if not rows:
        return {}
    out: dict[str, Any] = {}
    for reason in ESCALATION_REASONS:
        labelled = [r for r in rows if reason in r["labels"]["escalation_reasons"]]
        named = [r for r in rows if reason in r["flags"].escalation.reasons]
        if not labelled and not named:
            continue
        out[reason] = {
            "labelled": len(labelled),
            "recall": M.rate([bool(r["flags"].escalation.value) for r in labelled]),
            "named": M.rate([reason in r["flags"].escalation.reasons for r in labelled]),
            "predicted": len(named),
            "precision": M.rate([reason in r["labels"]["escalation_reasons"] for r in named]),
        }
    return out


def _auto_answer(rows: list[dict[str, Any]], question_rows: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The curve over the reference items and the chatbot questions together (one rule, more evidence)."""
    pooled = [*rows, *question_rows]
    scores = [r["auto_score"] for r in pooled]
    correct = [r["auto_correct"] for r in pooled]
    curve = M.precision_coverage_curve(scores, correct)
    chosen = M.pick_threshold(curve, TARGET_PRECISION, MIN_ANSWERED)
    sources = (("reference_items", list(rows)), ("chatbot_questions", list(question_rows)))

    def at_bar(r: dict[str, Any]) -> bool:  # the chatbot would answer it at the chosen bar
        return chosen is not None and r["auto_score"] is not None and r["auto_score"] >= chosen["threshold"]

    out: dict[str, Any] = {
        "items": len(pooled),
        "by_source": {
            name: {
                "items": len(part),
                "eligible": sum(1 for r in part if r["auto_score"] is not None),
                "answered_at_bar": sum(1 for r in part if at_bar(r)),
                "correct_at_bar": sum(1 for r in part if at_bar(r) and r["auto_correct"]),
            }
            for name, part in sources
        },
        "eligible": sum(1 for s in scores if s is not None),
        "correct_if": "the best vetted answer's article_id equals the gold article_id",
        "target_precision": TARGET_PRECISION,
        "min_answered": MIN_ANSWERED,
        "curve": curve,
        "threshold": chosen["threshold"] if chosen else None,
        "precision": chosen["precision"] if chosen else None,
        "coverage": chosen["coverage"] if chosen else None,
        "answered": int(chosen["answered"]) if chosen else 0,
    }
    if chosen:
        out["precision_lower95"] = M.wilson_lower(round(chosen["precision"] * chosen["answered"]), int(chosen["answered"]))
    # the wrong answers with the highest scores: they decide where the bar can go, so QA reads them first
    wrong = [(r, name) for name, part in sources for r in part if r["auto_score"] is not None and not r["auto_correct"]]
    wrong.sort(key=lambda x: (-x[0]["auto_score"], x[0]["id"]))
    out["top_wrong"] = [
        {
            "id": r["id"], "source": name, "message": r["message"], "score": r["auto_score"],
            "answered_article": r["top_article"], "gold_article": r["article_id"], "above_bar": at_bar(r),
        }
        for r, name in wrong[:TOP_WRONG]
    ]
    return out


def _worst(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    scored = [r for r in rows if "retrieval" in r["drafts"] and "chrf" in r["drafts"]["retrieval"]]
    scored.sort(key=lambda r: (r["drafts"]["retrieval"]["chrf"], r["id"]))
    return [
        {
            "id": r["id"],
            "channel": r["channel"],
            "message": r["message"],
            "draft": r["drafts"]["retrieval"]["text"],
            "reference": r["reference"],
            "chrf": r["drafts"]["retrieval"]["chrf"],
            "cosine": r["drafts"]["retrieval"].get("cosine"),
            "gold_article": r["article_id"],
            "top_article": r["top_article"],
            "invented": r["drafts"]["retrieval"]["invented"],
            "violations": r["drafts"]["retrieval"]["violations"],
            "sources": r["drafts"]["retrieval"]["sources"],
        }
        for r in scored[:n]
    ]


def bar_record(result: dict[str, Any]) -> dict[str, Any]:
    """What /v1/answer reads (webcare/auto_answer.py) from the eval's auto-answer section."""
    auto = result["auto_answer"]
    return {
        "signal": CONFIDENCE_SIGNAL,
        "threshold": auto["threshold"],
        "target_precision": auto["target_precision"],
        "precision": auto["precision"],
        "precision_lower95": auto.get("precision_lower95"),
        "coverage": auto["coverage"],
        "items": auto["items"],
        "set": result["set"]["name"],
        "seed": result["set"]["seed"],
    }
