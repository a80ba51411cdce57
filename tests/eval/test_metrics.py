"""Metric functions, grounding and tone rules against hand-computed values (no models)."""

from __future__ import annotations

import math

import pytest

from eval import metrics as M
from retrieval.kb_loader import load_brand
from webcare.grounding import check_grounding, extract_facts
from webcare.guard import GuardContext, check_draft, draft_violations
from webcare.settings import REPO_ROOT

RELEVANCE = [[False, True, False], [False, False, False], [True]]


def test_recall_at_k_and_mrr() -> None:
    assert M.recall_at_k(RELEVANCE, 1) == pytest.approx(1 / 3)
    assert M.recall_at_k(RELEVANCE, 2) == pytest.approx(2 / 3)
    assert M.recall_at_k(RELEVANCE, 5) == pytest.approx(2 / 3)
    assert M.mrr(RELEVANCE) == pytest.approx((1 / 2 + 0 + 1) / 3)
    assert M.recall_at_k([], 5) is None and M.mrr([]) is None


def test_precision_recall_f1() -> None:
    out = M.precision_recall_f1([True, True, False, False, True], [True, False, True, False, True])
    assert (out["tp"], out["fp"], out["fn"], out["tn"]) == (2, 1, 1, 1)
    assert out["precision"] == pytest.approx(2 / 3)
    assert out["recall"] == pytest.approx(2 / 3)
    assert out["f1"] == pytest.approx(2 / 3)
    none_predicted = M.precision_recall_f1([True, False], [False, False])
    assert none_predicted["precision"] is None and none_predicted["recall"] == 0.0 and none_predicted["f1"] is None


def test_confusion_and_per_class() -> None:
    truth = ["negative", "negative", "neutral", "positive"]
    pred = ["negative", "neutral", "neutral", "negative"]
    assert M.confusion_matrix(truth, pred, ["negative", "neutral", "positive"]) == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    scores = M.per_class_prf(truth, pred, ["negative", "neutral", "positive"])
    assert scores["per_class"]["negative"]["precision"] == pytest.approx(0.5)
    assert scores["per_class"]["neutral"]["f1"] == pytest.approx(2 / 3)  # p 1/2, r 1
    assert scores["per_class"]["positive"]["f1"] is None  # never predicted: precision undefined
    assert scores["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)


def test_precision_coverage_curve_and_threshold() -> None:
    curve = M.precision_coverage_curve([0.9, 0.8, 0.8, 0.5, None], [True, True, False, True, False])
    assert curve == [
        {"threshold": 0.9, "answered": 1, "coverage": 0.2, "precision": 1.0},
        {"threshold": 0.8, "answered": 3, "coverage": 0.6, "precision": pytest.approx(2 / 3)},
        {"threshold": 0.5, "answered": 4, "coverage": 0.8, "precision": 0.75},
    ]
    assert M.pick_threshold(curve, 0.7)["threshold"] == 0.5
    assert M.pick_threshold(curve, 0.95)["threshold"] == 0.9
    assert M.pick_threshold(curve, 0.95, min_answered=2) is None


def test_percentiles_match_numpy_linear() -> None:
    assert M.percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert M.percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)  # rank 0.95 * 3 = 2.85
    assert M.percentile([7], 99) == 7
    assert M.percentile([], 50) is None
    summary = M.latency_summary([10, 20, 30, 40, 50])
    assert summary["p50"] == 30 and summary["max"] == 50 and summary["mean"] == 30


def test_text_metrics() -> None:
    assert M.chrf(["de bieb is open"], ["de bieb is open"]) == pytest.approx(100.0)
    assert M.bleu(["de bieb is vandaag open tot vijf uur"], ["de bieb is vandaag open tot vijf uur"]) == pytest.approx(100.0)
    assert M.chrf(["xyz"], ["de bieb is open"]) < 5
    assert M.chrf([], []) is None
    assert M.cosine([1.0, 0.0], [0.0, 1.0]) == 0.0
    assert M.cosine([1.0, 1.0], [1.0, 0.0]) == pytest.approx(1 / math.sqrt(2))
    assert M.rate([True, False, True, True]) == 0.75


def test_wilson_lower_bound() -> None:
    assert M.wilson_lower(19, 20) == pytest.approx(0.7639, abs=1e-4)
    assert M.wilson_lower(0, 0) is None


def test_grounding_normalises_and_flags_invented_facts() -> None:
    evidence = ["De bieb is open vanaf 09.00 uur. Een pas kost 4.50 euro, zie https://www.bieb.nl/pas/."]
    ok = check_grounding("Hoi! We zijn er vanaf 9:00 en de pas kost € 4,50 (bieb.nl/pas). ^AB", evidence)
    assert ok.grounded, ok.invented
    bad = check_grounding("Kom om 10:30 langs, het kost €5,- en bel 06 1234 5678 of kijk op www.foo.nl", evidence)
    assert {f.kind for f in bad.invented} == {"time", "price", "phone", "url"}
    assert [f.kind for f in extract_facts("Elk boek 3 weken, 2 keer")] == ["number", "number"]
    assert check_grounding("Je kunt 2 keer verlengen", ["Verlengen kan 2 keer"]).grounded
    assert not check_grounding("Je kunt 3 keer verlengen", ["Verlengen kan 2 keer"]).grounded


def test_eval_counts_the_serving_guards_rules_on_the_bieb_profile() -> None:
    profile = load_brand(REPO_ROOT / "knowledge_base", "bieb").profile
    agent = profile.agents[0]

    def ctx(message: str = "hoe verleng ik?") -> GuardContext:
        return GuardContext(profile=profile, channel="x", agent=agent, message=message)

    sign = profile.tone.signature_template.format(initials=agent.initials, first_name=agent.first_name)
    assert draft_violations(f"Hoi! Je kunt verlengen in de app. {sign}", ctx()) == []
    raw = "Bedankt voor je bericht! Kijk op onze website 😀 " + "x" * 300
    assert draft_violations(raw, ctx()) == ["emoji", "cliche_opener", "redirect", "signature", "over_limit"]
    # what the guard repaired passes; what it could only rank down stays a violation
    repaired = check_draft("Bedankt voor je bericht! U kunt uw boeken verlengen in de app 😀", ctx()).text
    assert draft_violations(repaired, ctx()) == []
    assert draft_violations(f"Kom om 10:30 langs, dan kost het €5. {sign}", ctx()) == ["ungrounded"]


def test_chrf_beta_2_rewards_length_and_beta_1_does_not_as_much() -> None:
    ref = ["Je kunt je boeken drie keer verlengen via de app."]
    exact = ["Je kunt je boeken drie keer verlengen via de app."]
    padded = ["Je kunt je boeken drie keer verlengen via de app. Ook kun je langskomen bij de balie van elke vestiging in de stad."]
    assert M.chrf(exact, ref) == pytest.approx(100.0) == M.chrf(exact, ref, beta=1)
    # the padded draft loses far more under beta 1 (precision counts as much as recall)
    assert M.chrf(padded, ref, beta=1) < M.chrf(padded, ref) - 10  # type: ignore[operator]
    assert M.length_ratio(padded, ref) == pytest.approx(len(padded[0]) / len(ref[0]))
    assert M.length_ratio([], ref) is None and M.chrf([], ref, beta=1) is None
