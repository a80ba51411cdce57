"""Flag classifiers: artifact round-trip (small subset) and sarcasm that reads the thread."""

from __future__ import annotations

from pathlib import Path

from models.escalation_rules import EscalationRules
from models.flag_classifier import MODEL_FILE, FlagClassifier, FlagScorer, feature_matrix
from models.pii import PiiDetector
from training.classifiers import Hyper, train_classifiers
from webcare.artifacts import latest, read_info
from webcare.settings import REPO_ROOT

COMPLAINT_THREAD = [
    ("customer", "@BiebLindeveld de inleverautomaat in Oosterwijk is al 3 dagen kapot, boeken moeten in een doos op de grond"),
    ("agent", "Hoi! Dank voor je melding, ik zet het door naar de vestiging en de monteur. ^MK"),
    ("customer", "Vandaag weer kapot. Doos staat er nog steeds. Niemand die iets doet"),
]
SOLVED_THREAD = [
    ("customer", "@BiebLindeveld de inleverautomaat in Oosterwijk is kapot, kan iemand kijken?"),
    ("agent", "Hoi! De monteur is vanochtend geweest, de automaat is gerepareerd en werkt weer. ^MK"),
    ("customer", "Yes net geprobeerd, werkt!"),
]


def test_artifact_round_trip(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = train_classifiers(
        REPO_ROOT / "knowledge_base", tmp_path, "shop", embedder, hyper=Hyper(folds=3), progress=False, limit=45, limit_test=20
    )
    assert latest(tmp_path, "shop", "classifiers") == path
    assert (path / MODEL_FILE).is_file()
    info = read_info(path)
    assert info.kind == "classifiers" and info.brand == "shop" and len(info.data_hash) == 16
    assert info.hyperparameters["seed"] and "thresholds" in info.hyperparameters
    alarms = info.hyperparameters["ordinary_alarms"]  # the gate was checked on the brand's ordinary (past-answer) questions
    assert alarms["messages"] > 0 and alarms["rate_after"] <= 0.01 and alarms["rate_after"] <= alarms["rate_before"]
    for key in ("sarcasm", "sentiment", "escalation", "escalation_rules_only", "escalation_reasons", "sarcasm_vs_plain_negative"):
        assert key in info.metrics
    assert set(info.metrics["escalation_reasons"]) == {"privacy", "legal", "media", "churn", "safety", "security", "repeated", "heated"}
    clf = FlagClassifier.load(path, expected_embedder=embedder.name)
    scorer = FlagScorer(EscalationRules(PiiDetector()), clf)
    result = scorer.score("Waar blijft mijn pakket nou", [], public=True, embedder=embedder)
    assert result.sarcasm is not None and 0.0 <= result.sarcasm.score <= 1.0
    assert result.sentiment is not None and abs(sum(result.sentiment.scores.values()) - 1.0) < 1e-3


def test_sarcasm_uses_the_thread(bieb_flag_classifier, embedder) -> None:  # type: ignore[no-untyped-def]
    scorer = FlagScorer(EscalationRules(PiiDetector()), bieb_flag_classifier)
    after_complaints = scorer.score("Goed bezig jongens!", COMPLAINT_THREAD, public=True, embedder=embedder)
    after_solution = scorer.score("Goed bezig jongens!", SOLVED_THREAD, public=True, embedder=embedder)
    assert after_complaints.sarcasm is not None and after_solution.sarcasm is not None
    assert after_complaints.sarcasm.score > after_solution.sarcasm.score + 0.2
    assert after_complaints.sarcasm.value and not after_solution.sarcasm.value
    assert after_complaints.sentiment.label == "negative" and after_solution.sentiment.label == "positive"  # type: ignore[union-attr]
    assert "repeated" in after_complaints.escalation.reasons and not after_solution.escalation.value


def test_tuning_chooses_c_per_head_from_the_grid(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # --tune cross-validates C for the 3-class sentiment head too (liblinear alone is binary only)
    grid = (0.1, 1.0)
    path = train_classifiers(
        REPO_ROOT / "knowledge_base", tmp_path, "bieb", embedder, hyper=Hyper(folds=3, tune=True, c_grid=grid),
        progress=False, limit=45, limit_test=15,
    )
    chosen = read_info(path).hyperparameters
    assert chosen["tune"] is True and chosen["c_sarcasm"] in grid and chosen["c_sentiment"] in grid


def test_plateau_threshold_is_the_middle_of_the_best_f1_thresholds() -> None:
    import numpy as np

    from training.classifiers import _plateau_threshold

    # candidate thresholds are the scores; F1 is 1.0 only where the positives are cut off exactly
    p = np.array([0.2, 0.3, 0.4, 0.6, 0.7, 0.8])
    y = np.array([False, False, True, True, True, True])
    assert _plateau_threshold(p, y, tolerance=0.0) == 0.4  # only 0.4 reaches F1 1.0
    y = np.array([False, False, False, True, True, True])
    assert _plateau_threshold(p, y, tolerance=0.0) == 0.6
    assert 0.4 <= _plateau_threshold(p, y, tolerance=0.2) <= 0.6  # near-best thresholds widen the plateau


def test_targeted_messages_train_but_do_not_choose_thresholds(embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from retrieval.kb_loader import load_brand
    from retrieval.kb_schema import LabelledMessage
    from training.classifiers import fit, prepare, rules_for

    kb = load_brand(REPO_ROOT / "knowledge_base", "bieb")
    assert {m.sample for m in kb.labelled} >= {"traffic", "targeted"}
    assert LabelledMessage.model_validate({**kb.labelled[0].model_dump(), "sample": "traffic"}).sample == "traffic"
    items = [m for m in kb.labelled if m.split == "train" and m.sample == "traffic"][:60]
    prepared = prepare(items, kb, rules_for(kb), embedder, progress=False)
    _, as_traffic = fit(prepared, Hyper(folds=3, tune=False))
    all_targeted = dataclasses.replace(prepared, items=[m.model_copy(update={"sample": "targeted"}) for m in items])
    _, as_targeted = fit(all_targeted, Hyper(folds=3, tune=False))
    assert as_targeted["thresholds"] == as_traffic["thresholds"]  # nothing looks like traffic: all of it chooses
    half = dataclasses.replace(prepared, items=[m.model_copy(update={"sample": "targeted" if m.sarcasm else "traffic"}) for m in items])
    _, no_sarcastic_traffic = fit(half, Hyper(folds=3, tune=False))
    # without a sarcastic traffic message no threshold catches one: the F1 plateau is every threshold
    assert no_sarcastic_traffic["thresholds"]["sarcasm"] != as_traffic["thresholds"]["sarcasm"]


def test_the_any_gate_is_raised_until_ordinary_questions_rarely_escalate() -> None:
    import numpy as np

    from training.classifiers import cap_ordinary_alarms

    p_any = np.array([0.2, 0.5, 0.6, 0.7, 0.9, 0.95, 0.1, 0.3, 0.4, 0.8])
    speaks = np.array([True, True, True, True, True, True, False, False, False, False])  # a reason head would speak
    # at 0.5: five of ten ordinary messages escalate on the classifier alone
    assert cap_ordinary_alarms(p_any, speaks, 0.5, rate=0.5) == 0.5
    t = cap_ordinary_alarms(p_any, speaks, 0.5, rate=0.2)  # two of ten at most: only 0.9 and 0.95 stay above
    assert 0.7 < t <= 0.9 and np.mean(speaks & (p_any >= t)) == 0.2
    assert cap_ordinary_alarms(p_any, speaks, 0.5, rate=0.0) > 0.95  # none: above every speaking message
    assert cap_ordinary_alarms(np.array([]), np.array([], dtype=bool), 0.5, rate=0.0) == 0.5


def test_calibration_messages_choose_the_any_gate_and_train_like_traffic(embedder) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from retrieval.kb_loader import load_brand
    from training.classifiers import fit, prepare, rules_for

    kb = load_brand(REPO_ROOT / "knowledge_base", "bieb")
    items = [m for m in kb.labelled if m.split == "train" and m.sample == "traffic"][:90]
    prepared = prepare(items, kb, rules_for(kb), embedder, progress=False)
    hyper = Hyper(folds=3, tune=False, ordinary_alarm_rate=None, min_calibration=40)
    _, base = fit(prepared, hyper)
    assert base["any_gate_chosen_on"] == {"sample": "traffic", "messages": 90}
    marked = dataclasses.replace(
        prepared, items=[m.model_copy(update={"sample": "calibration"}) if i >= 45 else m for i, m in enumerate(items)]
    )
    _, chosen = fit(marked, hyper)
    assert chosen["any_gate_chosen_on"] == {"sample": "calibration", "messages": 45}
    # every other threshold is chosen as before: calibration messages count as traffic there
    assert {k: v for k, v in chosen["thresholds"].items() if k != "any"} == {k: v for k, v in base["thresholds"].items() if k != "any"}
    _, too_few = fit(marked, dataclasses.replace(hyper, min_calibration=46))
    assert too_few["any_gate_chosen_on"]["sample"] == "traffic" and too_few["thresholds"] == base["thresholds"]


class _CountingEmbedder:
    """Wraps the real embedder and counts the texts it encodes."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.name, self.encoded, self.dimension = inner, inner.name, 0, inner.dimension

    def encode(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        self.encoded += len(texts)
        return self.inner.encode(texts, **kwargs)


def _fitted(embedder, heads: tuple[str, ...]) -> FlagClassifier:  # type: ignore[no-untyped-def]
    from retrieval.kb_loader import load_brand
    from training.classifiers import fit, prepare, rules_for

    kb = load_brand(REPO_ROOT / "knowledge_base", "bieb")
    items = [m for m in kb.labelled if m.split == "train"][:80]
    bundle, _ = fit(prepare(items, kb, rules_for(kb), embedder, progress=False), Hyper(folds=3, tune=False, embedding_heads=heads))
    bundle["embedder"] = embedder.name
    return FlagClassifier(bundle, version="test")


def test_heads_without_embeddings_are_scored_without_encoding(embedder) -> None:  # type: ignore[no-untyped-def]
    text_only = _fitted(embedder, ())
    assert not text_only.uses_embeddings and text_only.embedding_dim == 384
    counting = _CountingEmbedder(embedder)
    scorer = FlagScorer(EscalationRules(PiiDetector()), text_only)
    result = scorer.score("Goed bezig jongens!", COMPLAINT_THREAD, public=True, embedder=counting)
    assert counting.encoded == 0 and result.sarcasm is not None and result.sentiment is not None
    # a head that reads the embeddings: the message and the thread are encoded
    with_sarcasm = _fitted(embedder, ("sarcasm",))
    FlagScorer(EscalationRules(PiiDetector()), with_sarcasm).score("Goed bezig jongens!", COMPLAINT_THREAD, public=True, embedder=counting)
    assert counting.encoded == 2
    assert with_sarcasm.bundle["sarcasm"].base.coef_.shape[1] > text_only.bundle["sarcasm"].base.coef_.shape[1] + 3 * 384 - 1


def test_an_artifact_without_the_choice_reads_embeddings_in_every_head() -> None:
    from models.flag_classifier import HEADS, embedding_heads

    assert embedding_heads({}) == frozenset(HEADS)
    assert embedding_heads({"embedding_heads": ()}) == frozenset()


def test_unknown_heads_are_refused(embedder) -> None:  # type: ignore[no-untyped-def]
    import pytest

    with pytest.raises(ValueError, match="unknown heads"):
        _fitted(embedder, ("sarcasm", "irony"))


def test_ordinary_questions_train_only_the_sarcasm_head(embedder) -> None:  # type: ignore[no-untyped-def]
    """Plain questions (past answers no detector fires on) are sarcasm negatives; escalation heads never see them."""
    import numpy as np

    from retrieval.kb_loader import load_brand
    from retrieval.splits import split_past_answers
    from training.classifiers import fit, prepare, rules_for, subset

    kb = load_brand(REPO_ROOT / "knowledge_base", "bieb")
    rules = rules_for(kb)
    train = prepare([m for m in kb.labelled if m.split == "train"][:80], kb, rules, embedder, progress=False)
    ordinary = prepare(split_past_answers(kb.past_answers)[0][:40], kb, rules, embedder, progress=False)  # type: ignore[arg-type]
    plain = [i for i, found in enumerate(ordinary.rule_reasons) if not found]
    negatives = subset(ordinary, plain)
    assert [m.message for m in negatives.items] == [ordinary.items[i].message for i in plain]
    assert np.array_equal(negatives.dense, ordinary.dense[plain])
    hyper = Hyper(folds=3, tune=False, ordinary_alarm_rate=None)
    without, _ = fit(train, hyper)
    with_negatives, chosen = fit(train, hyper, negatives=negatives)
    assert chosen["ordinary_negatives"] == len(plain) > 20
    assert not np.allclose(with_negatives["sarcasm"].base.coef_, without["sarcasm"].base.coef_)
    assert np.allclose(with_negatives["escalation_any"].coef_, without["escalation_any"].coef_)
    for reason, head in without["reasons"].items():
        if head is not None:
            assert np.allclose(with_negatives["reasons"][reason].coef_, head.coef_)
    # the plain questions themselves look less sarcastic to the head that saw them
    x_plain = feature_matrix(without, negatives.dense, negatives.masked, embeddings=False)
    assert with_negatives["sarcasm"].predict_proba(x_plain)[:, 1].mean() < without["sarcasm"].predict_proba(x_plain)[:, 1].mean()


def test_the_grid_search_chooses_the_same_c_in_parallel() -> None:
    import numpy as np

    from training.classifiers import _choose_c

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6))
    y = x[:, 0] + 0.8 * rng.normal(size=120) > 0
    grid = (0.001, 0.03, 1.0)
    assert _choose_c(x, y, grid, 3, "f1", jobs=2) == _choose_c(x, y, grid, 3, "f1", jobs=1)


def test_prepare_without_embeddings_encodes_nothing_and_keeps_the_cue_features(embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from retrieval.kb_loader import load_brand
    from training.classifiers import prepare, rules_for

    kb = load_brand(REPO_ROOT / "knowledge_base", "bieb")
    items = kb.labelled[:12]
    counting = _CountingEmbedder(embedder)
    without = prepare(items, kb, rules_for(kb), counting, progress=False, embeddings=False)
    assert counting.encoded == 0
    with_vectors = prepare(items, kb, rules_for(kb), embedder, progress=False)
    assert without.dense.shape == with_vectors.dense.shape and without.rule_reasons == with_vectors.rule_reasons
    assert np.count_nonzero(without.dense) < np.count_nonzero(with_vectors.dense)
