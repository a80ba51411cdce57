"""Flags for one message in its thread: sarcasm, sentiment and escalation (detectors + trained classifier).

Serving side only (never imports training/). A brand's classifier is the latest ``classifiers``
artifact (``<artifacts_dir>/<brand>/classifiers/<version>/``, written by ``webcare train
classifiers``): ``model.joblib`` holds a char n-gram TF-IDF, a scaler and logistic-regression
heads (sarcasm and sentiment calibrated, one per escalation reason, one for "any escalation").

Without an artifact :class:`FlagScorer` still gives escalation from the transparent detectors;
sarcasm and sentiment then stay ``None`` (never faked).

Escalation level rule (documented for agents):

* each reason has a base severity: safety, security, legal, media -> high; privacy, churn,
  repeated -> medium; heated -> low;
* the level is the highest base severity among the reasons, raised one step (up to high) when
  there are two or more reasons;
* the classifier names a reason only when no detector matched, and then exactly one: the reason
  head furthest above its threshold (with the "any escalation" head above its own);
* a reason found only by the classifier (no detector matched) with probability < 0.6 counts one
  step lower (never below low);
* a sarcastic reply (sarcasm score at or above the brand's threshold) in a thread where the customer
  already came back with the problem after an agent's answer, still not solved, counts as ``repeated`` even when no detector matched ("Goed
  bezig jongens!" after unanswered complaints): the explanation names the score and the thread;
* no reason -> ``none``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.embedder import Embedder
from models.escalation_rules import EscalationRules, RuleHit, ThreadState, thread_state
from models.flag_features import CUE_NAMES, REASONS, context_text, cue_features, dense_features
from webcare.types import EscalationFlag, SarcasmFlag, SentimentFlag

log = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
FORMAT_VERSION = 1
SENTIMENTS = ("negative", "neutral", "positive")
SEVERITY = {"safety": 3, "security": 3, "legal": 3, "media": 3, "privacy": 2, "churn": 2, "repeated": 2, "heated": 1}
LEVELS = ("none", "low", "medium", "high")
WEAK_CLASSIFIER_PROB = 0.6


class ClassifierArtifactError(RuntimeError):
    """The classifiers artifact is missing files, or was made for another embedder or feature set."""


def normalise(text: str) -> str:
    return " ".join(text.split())


RULE_COLUMNS = np.array([i for i, name in enumerate(CUE_NAMES) if name.startswith("rule_")])


HEADS = ("sarcasm", "sentiment", "escalation")


def embedding_heads(bundle: dict[str, Any]) -> frozenset[str]:
    """The heads whose input holds the sentence embeddings (artifacts from before this choice: all)."""
    return frozenset(bundle.get("embedding_heads", HEADS))


def feature_matrix(
    bundle: dict[str, Any], dense: np.ndarray, masked_messages: Sequence[str], *, escalation: bool = False, embeddings: bool = True
) -> Any:
    """The classifier input: scaled dense features next to the (weighted) char n-gram TF-IDF.
    ``escalation``: the detector-hit columns are blanked (the escalation heads never see them).
    ``embeddings``: keep the embedding blocks of ``dense`` (else only the cue features)."""
    from scipy import sparse

    scaled = bundle["scaler"].transform(dense)
    scaled[:, : len(CUE_NAMES)] *= bundle.get("cue_weight", 1.0)  # less regularised than the embedding dims
    if escalation:
        scaled[:, RULE_COLUMNS] = 0.0
    if not embeddings:
        scaled = scaled[:, : len(CUE_NAMES)]
    tfidf = bundle["tfidf"].transform(list(masked_messages)) * bundle["tfidf_weight"]
    return sparse.hstack([sparse.csr_matrix(scaled), tfidf], format="csr")


class PlattCalibrated:
    """A linear model whose decision values are mapped to probabilities by a second (Platt /
    multinomial) logistic model fitted on out-of-fold decision values of the training split."""

    def __init__(self, base: Any, calibrator: Any) -> None:
        self.base = base
        self.calibrator = calibrator
        self.classes_ = calibrator.classes_

    @staticmethod
    def _as_2d(values: np.ndarray) -> np.ndarray:
        return values[:, None] if values.ndim == 1 else values

    def predict_proba(self, x: Any) -> np.ndarray:
        return self.calibrator.predict_proba(self._as_2d(self.base.decision_function(x)))


@dataclass
class FlagScores:
    sarcasm: float
    sentiment: dict[str, float]
    escalation_any: float
    reasons: dict[str, float]


class FlagClassifier:
    """One brand's trained heads, loaded from an artifact directory."""

    def __init__(self, bundle: dict[str, Any], *, version: str, path: Path | None = None) -> None:
        if bundle.get("format") != FORMAT_VERSION or tuple(bundle.get("cue_names", ())) != CUE_NAMES:
            raise ClassifierArtifactError(
                f"classifiers artifact {path} was written for another feature set; retrain: webcare train classifiers --brand ..."
            )
        self.bundle = bundle
        self.version = version
        self.path = path
        self.embedder_name: str = bundle["embedder"]
        self.thresholds: dict[str, float] = dict(bundle["thresholds"])
        self.uses_embeddings = bool(embedding_heads(bundle))
        # dense = [cues | message | context | message*context]: the embedding width the scaler was fitted on
        self.embedding_dim = (int(bundle["scaler"].n_features_in_) - len(CUE_NAMES)) // 3

    @classmethod
    def load(cls, path: Path, *, expected_embedder: str | Sequence[str] | None = None) -> FlagClassifier:
        """``expected_embedder``: the embedder name(s) the service can run; another one is an error."""
        import joblib

        file = path / MODEL_FILE
        if not file.is_file():
            raise ClassifierArtifactError(f"{file} is missing")
        bundle = joblib.load(file)
        allowed = [expected_embedder] if isinstance(expected_embedder, str) else list(expected_embedder or [])
        if allowed and bundle.get("embedder") not in allowed:
            raise ClassifierArtifactError(
                f"classifiers artifact {path} was trained on embedder {bundle.get('embedder')!r}, the service uses "
                f"{' or '.join(map(repr, allowed))}; retrain it: webcare train classifiers --brand {path.parent.parent.name}"
            )
        version = json.loads((path / "artifact.json").read_text(encoding="utf-8")).get("version", path.name)
        return cls(bundle, version=version, path=path)

    def sarcasm_threshold(self, brand_threshold: float | None) -> float:
        """The brand's setting when given, else the threshold chosen at training (out-of-fold F1)."""
        return brand_threshold if brand_threshold is not None else self.thresholds.get("sarcasm", 0.5)

    def scores(self, dense: np.ndarray, masked_messages: Sequence[str]) -> list[FlagScores]:
        b = self.bundle
        with_embeddings = embedding_heads(b)
        x_esc = feature_matrix(b, dense, masked_messages, escalation=True, embeddings="escalation" in with_embeddings)
        sarcasm = b["sarcasm"].predict_proba(feature_matrix(b, dense, masked_messages, embeddings="sarcasm" in with_embeddings))[:, 1]
        sentiment = b["sentiment"].predict_proba(feature_matrix(b, dense, masked_messages, embeddings="sentiment" in with_embeddings))
        classes = list(b["sentiment"].classes_)
        any_p = b["escalation_any"].predict_proba(x_esc)[:, 1]
        n = x_esc.shape[0]
        reason_p = {r: (head.predict_proba(x_esc)[:, 1] if head is not None else np.zeros(n)) for r, head in b["reasons"].items()}
        out = []
        for i in range(n):
            out.append(
                FlagScores(
                    sarcasm=float(sarcasm[i]),
                    sentiment={c: float(sentiment[i, classes.index(c)]) for c in SENTIMENTS},
                    escalation_any=float(any_p[i]),
                    reasons={r: float(p[i]) for r, p in reason_p.items()},
                )
            )
        return out


def blocked_reasons(thread: Sequence[tuple[str, str]], state: ThreadState | None) -> frozenset[str]:
    """Reasons the classifier may not add on its own: ``repeated`` needs a thread with an earlier
    complaint whose last agent reply did not solve it."""
    if not thread or state is None or state.earlier_complaints == 0 or state.last_agent_resolves:
        return frozenset({"repeated"})
    return frozenset()


def open_problem(thread: Sequence[tuple[str, str]], state: ThreadState | None) -> bool:
    """The customer reported a problem, the agent answered, the customer came back with it, and the
    agent's last answer did not solve it."""
    return bool(thread) and state is not None and state.complaint_after_reply and not state.last_agent_resolves


def combine_escalation(
    rule_hits: Sequence[RuleHit],
    scores: FlagScores | None,
    thresholds: dict[str, float] | None,
    blocked: frozenset[str] = frozenset(),
    *,
    sarcasm_threshold: float | None = None,
    unsolved_thread: bool = False,
) -> tuple[list[str], list[str], str]:
    """Reasons (vocabulary order), one explanation per reason, and the level (see module doc).
    ``unsolved_thread``: :func:`open_problem` of the message's thread; with ``sarcasm_threshold`` a
    sarcastic reply there counts as ``repeated``."""
    found: dict[str, tuple[str, int]] = {}
    for hit in rule_hits:
        found.setdefault(hit.reason, (f"{hit.reason}: {hit.explanation} (rule)", SEVERITY[hit.reason]))
    if scores is not None and sarcasm_threshold is not None and unsolved_thread and scores.sarcasm >= sarcasm_threshold:
        found.setdefault(
            "repeated",
            (f"repeated: sarcastic reply (sarcasm score {scores.sarcasm:.2f}) to a problem reported earlier in the thread and not solved", SEVERITY["repeated"]),
        )
    # The classifier speaks only where no detector explains the message, when the "any escalation"
    # head agrees, and then names ONE reason: the head furthest above its threshold. Its reason
    # heads fire together on any angry message (on 140 fresh shop messages, every reason the
    # classifier added: reason precision .46; one reason where no rule matched: .80, same recall).
    if not found and scores is not None and thresholds and scores.escalation_any >= thresholds.get("any", 1.01):
        margins = {
            reason: scores.reasons.get(reason, 0.0) - thresholds.get(reason, 1.01)
            for reason in REASONS
            if reason not in blocked and scores.reasons.get(reason, 0.0) >= thresholds.get(reason, 1.01)
        }
        if margins:
            reason = max(margins, key=lambda r: margins[r])
            p = scores.reasons[reason]
            severity = SEVERITY[reason] - (1 if p < WEAK_CLASSIFIER_PROB else 0)
            found[reason] = (f"{reason}: classifier probability {p:.2f} (no rule matched)", max(severity, 1))
    reasons = [r for r in REASONS if r in found]
    if not reasons:
        return [], [], "none"
    level = max(found[r][1] for r in reasons)
    if len(reasons) >= 2:
        level = min(level + 1, 3)
    return reasons, [found[r][0] for r in reasons], LEVELS[level]


@dataclass
class FlagResult:
    sarcasm: SarcasmFlag | None
    sentiment: SentimentFlag | None
    escalation: EscalationFlag


class FlagScorer:
    """Per-brand: detectors always, the trained classifier when the brand has an artifact."""

    def __init__(
        self,
        rules: EscalationRules,
        classifier: FlagClassifier | None = None,
        *,
        sarcasm_threshold: float | None = None,
    ) -> None:
        self.rules = rules
        self.classifier = classifier
        self.sarcasm_threshold = classifier.sarcasm_threshold(sarcasm_threshold) if classifier else None

    @property
    def version(self) -> str:
        return self.classifier.version if self.classifier else "rules-only"

    def score(
        self,
        message: str,
        thread: Sequence[tuple[str, str]],
        *,
        public: bool,
        embedder: Embedder | None,
        pii_types: Sequence[str] | None = None,
        message_vector: np.ndarray | None = None,
        move_to_private: bool = False,
    ) -> FlagResult:
        """``message_vector``: the embedding of the PII-masked, whitespace-normalised message when the
        caller already has it (the retriever's query vector); otherwise it is computed here."""
        text = normalise(message)
        state = thread_state(thread, text) if thread else None
        hits = self.rules.detect(text, thread=thread, public=public, pii_types=pii_types, state=state)
        if move_to_private and not any(h.reason == "privacy" for h in hits) and self.rules.privacy(text, public=public, pii_types=pii_types):
            hits.append(RuleHit("privacy", "personal data posted on a public channel: move to a private channel"))
        scores = None
        if self.classifier is not None and embedder is not None:
            scores = self._classify(text, thread, [h.reason for h in hits], state, embedder, message_vector)
        thresholds = self.classifier.thresholds if self.classifier else None
        reasons, explanations, level = combine_escalation(
            hits, scores, thresholds, blocked_reasons(thread, state), sarcasm_threshold=self.sarcasm_threshold, unsolved_thread=open_problem(thread, state)
        )
        escalation = EscalationFlag(value=bool(reasons), level=level, reasons=reasons, explanations=explanations)  # type: ignore[arg-type]
        if scores is None:
            return FlagResult(None, None, escalation)
        label = max(SENTIMENTS, key=lambda c: scores.sentiment[c])
        return FlagResult(
            SarcasmFlag(value=scores.sarcasm >= (self.sarcasm_threshold or 0.5), score=round(scores.sarcasm, 4)),
            SentimentFlag(label=label, scores={c: round(p, 4) for c, p in scores.sentiment.items()}),  # type: ignore[arg-type]
            escalation,
        )

    def _classify(self, text, thread, rule_reasons, state, embedder, message_vector) -> FlagScores:  # type: ignore[no-untyped-def]
        assert self.classifier is not None
        masked = self.rules.pii.mask(text)
        if not self.classifier.uses_embeddings:  # no head reads them: skip the encoding
            msg_vec, ctx_vec = np.zeros(self.classifier.embedding_dim, dtype=np.float32), None
        else:
            ctx = context_text(thread)
            wanted = ([masked] if message_vector is None else []) + ([ctx] if ctx else [])
            vectors = embedder.encode(wanted) if wanted else np.zeros((0, 0), dtype=np.float32)
            msg_vec = np.asarray(message_vector, dtype=np.float32).reshape(-1) if message_vector is not None else vectors[0]
            ctx_vec = vectors[-1] if ctx else None
        dense = dense_features(cue_features(text, thread, rule_reasons, state), msg_vec, ctx_vec)[None, :]
        return self.classifier.scores(dense, [masked])[0]
