"""`webcare eval` end to end on a tiny sample, custom sets, determinism and the no-leakage index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.runner import EvalSetError, eval_runtime, heldout_set, load_set, run_eval
from retrieval.splits import split_past_answers
from tests.conftest import KB_DIR
from webcare.auto_answer import bar_path
from webcare.services import Services
from webcare.settings import Settings


@pytest.fixture(scope="module")
def loaded(services: Services) -> Services:
    services.registry.get("bieb")  # build the session's index once; the CLI below loads it from data_dir
    return services


def test_eval_command_end_to_end(loaded: Services, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from webcare.cli import app

    monkeypatch.setenv("WEBCARE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("WEBCARE_KB_DIR", str(KB_DIR))
    out, report = tmp_path / "metrics.json", tmp_path / "report.html"
    args = ["eval", "--brand", "bieb", "--limit", "12", "--seed", "1", "--output", str(out), "--report", str(report), "--save-bar"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())
    assert metrics["set"] == {**metrics["set"], "name": "heldout", "items": 12, "labelled_items": 12, "seed": 1}
    for mode in ("dense", "bm25", "hybrid"):
        assert set(metrics["retrieval"][mode]) == {"recall@1", "recall@5", "mrr"}
    baseline = metrics["generation"]["retrieval_baseline"]
    assert 0 < baseline["chrf"] <= 100 and baseline["n"] == 12
    assert {"bleu", "embedding_cosine", "dutch_rate", "grounded_rate", "tone_violations"} <= set(baseline)
    assert metrics["generation"].get("generator") is None and metrics["generation"]["generator_note"]
    assert set(metrics["flags"]) >= {"sarcasm", "escalation", "sentiment"}
    assert metrics["auto_answer"]["curve"] and metrics["auto_answer"]["target_precision"] == 0.95
    assert {"analyse", "retrieve", "total"} <= set(metrics["latency_ms"])
    assert metrics["worst_cases"] and {"message", "draft", "reference", "sources"} <= set(metrics["worst_cases"][0])
    html = report.read_text()
    assert html.startswith("<!doctype html>") and html.count("data:image/png;base64,") >= 3 and "Worst cases" in html
    assert json.loads(bar_path(settings, "bieb").read_text())["target_precision"] == 0.95
    bar_path(settings, "bieb").unlink()
    assert "auto-answer" in result.output and "retrieval hybrid" in result.output and "escalation precision" in result.output


def test_unknown_brand_is_a_clear_error(tmp_path: Path) -> None:
    from webcare.cli import app

    result = CliRunner().invoke(app, ["eval", "--brand", "nope", "--output", str(tmp_path / "m.json")])
    assert result.exit_code == 1 and "unknown brand" in result.output


def test_heldout_conversations_are_not_retrievable(loaded: Services) -> None:
    kb = loaded.registry.get("bieb").kb
    eval_set = heldout_set(kb)
    runtime, info = eval_runtime(loaded, "bieb", eval_set.items)
    _, test = split_past_answers(kb.past_answers)
    held = {p.conversation_id for p in test}
    ids = {p.id for p in runtime.store.passages()}
    assert not any(f"past_answer:{p.id}" in ids for p in test)
    assert not any(p.meta.get("conversation_id") in held for p in runtime.store.passages())
    assert info["past_answers_excluded"] == len(test) and info["passages"] == len(runtime.store)
    assert len(loaded.registry.get("bieb").store) > len(runtime.store)  # the served index is untouched


def test_custom_set_and_determinism(loaded: Services, tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    lines = [
        {"id": "q1", "channel": "chat", "message": "hoe kan ik mijn boeken verlengen?", "reference": "Hoi! Dat kan in de app. ^AB",
         "article_id": "verlengen", "labels": {"sarcasm": False, "escalation": {"value": False, "reasons": []}, "sentiment": "neutral"}},
        {"id": "q2", "channel": "x", "message": "Goed bezig jongens, alweer dicht!", "labels": {"sarcasm": True, "sentiment": "negative"}},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    first = run_eval(loaded, "bieb", set_path=path, seed=3, progress=False).metrics
    second = run_eval(loaded, "bieb", set_path=path, seed=3, progress=False).metrics
    assert first["set"]["items"] == 1 and first["set"]["labelled_items"] == 2
    for key in ("retrieval", "generation", "auto_answer", "worst_cases"):
        assert first[key] == second[key]
    assert first["flags"]["sarcasm"].get("available") in (True, False)


def test_bad_set_lines_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"message": "hoi", "reference": "hallo"}\n{"message": "x", "oops": 1, "reference": "y"}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match=r"bad.jsonl:2: unknown fields \['oops'\]"):
        load_set(path, "bieb")
    path.write_text('{"brand": "shop", "message": "hoi", "reference": "hallo"}\n', encoding="utf-8")
    with pytest.raises(EvalSetError, match="bad.jsonl:1: brand 'shop'"):
        load_set(path, "bieb")


def test_labelled_jsonl_lines_are_read_with_their_reasons(tmp_path: Path) -> None:
    path = tmp_path / "labelled.jsonl"
    line = {"id": "lb-1", "conversation_id": "lc-1", "channel": "x", "thread": [], "message": "Ik ga naar de Consumentenbond",
            "sarcasm": False, "sentiment": "negative", "escalation": {"value": True, "reasons": ["legal"]}, "split": "test",
            "sample": "targeted"}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    eval_set = load_set(path, "bieb")
    assert eval_set.items == [] and eval_set.labelled[0].labels == {
        "sarcasm": False, "escalation": True, "escalation_reasons": ["legal"], "sentiment": "negative"
    }
    for reasons, value, error in ((["lawsuit"], True, "unknown escalation reasons"), (["legal"], False, "reasons but value false")):
        path.write_text(json.dumps({**line, "escalation": {"value": value, "reasons": reasons}}) + "\n", encoding="utf-8")
        with pytest.raises(EvalSetError, match=f"labelled.jsonl:1: .*{error}"):
            load_set(path, "bieb")


def test_escalation_by_reason_is_hand_countable() -> None:
    from eval.runner import _escalation_by_reason
    from webcare.types import EscalationFlag

    def row(gold: list[str], pred: list[str]) -> dict:  # type: ignore[type-arg]
        flags = type("F", (), {"escalation": EscalationFlag(value=bool(pred), level="high" if pred else "none", reasons=pred)})()
        return {"labels": {"escalation": bool(gold), "escalation_reasons": gold}, "flags": flags}

    rows = [row(["legal"], ["legal"]), row(["legal"], ["media"]), row(["legal", "churn"], []), row([], ["legal"]), row(["media"], ["media"])]
    by = _escalation_by_reason(rows)
    # legal: 3 labelled, 2 raise an escalation, 1 names legal; named twice, once rightly
    assert by["legal"] == {"labelled": 3, "recall": 2 / 3, "named": 1 / 3, "predicted": 2, "precision": 0.5}
    assert by["media"] == {"labelled": 1, "recall": 1.0, "named": 1.0, "predicted": 2, "precision": 0.5}
    assert by["churn"]["recall"] == 0.0 and "safety" not in by


def test_sarcasm_against_plain_negative_is_hand_countable() -> None:
    from eval.runner import _sarcasm_vs_plain_negative
    from webcare.types import SarcasmFlag

    def row(sarcastic: bool, sentiment: str, flagged: bool) -> dict:  # type: ignore[type-arg]
        flags = type("F", (), {"sarcasm": SarcasmFlag(value=flagged, score=0.9 if flagged else 0.1)})()
        return {"labels": {"sarcasm": sarcastic, "sentiment": sentiment}, "flags": flags}

    rows = [row(True, "negative", True), row(True, "negative", False), row(False, "negative", True),
            row(False, "negative", False), row(False, "negative", False), row(False, "positive", True), row(False, "neutral", False)]
    assert _sarcasm_vs_plain_negative(rows) == {
        "sarcastic_flagged": 1, "sarcastic_missed": 1, "plain_negative_flagged": 1, "plain_negative_clear": 2, "non_negative_flagged": 1,
    }
    assert _sarcasm_vs_plain_negative([{"labels": {"sarcasm": True}, "flags": rows[0]["flags"]}]) == {}  # no sentiment label


def test_no_generator_measures_retrieval_drafts_only(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from webcare.artifacts import ArtifactInfo, ArtifactWriter, new_version
    from webcare.cli import app

    data = tmp_path / "data"
    monkeypatch.setenv("WEBCARE_DATA_DIR", str(data))
    monkeypatch.setenv("WEBCARE_KB_DIR", str(KB_DIR))
    version = new_version()  # an artifact without weights: loading it would fail, so it must not be loaded
    with ArtifactWriter(data / "artifacts", ArtifactInfo(kind="generator", brand="bieb", version=version, created_at=version, data_hash="0" * 16)):
        pass
    result = CliRunner().invoke(app, ["eval", "--brand", "bieb", "--limit", "3", "--no-generator"])
    assert result.exit_code == 0, result.output
    out = data / "eval" / "bieb" / "metrics.json"  # the default place, with its report next to it
    assert (data / "eval" / "bieb" / "report.html").is_file()
    generation = json.loads(out.read_text())["generation"]
    assert generation["generator"] is None and "not measured" in generation["generator_note"] and version in generation["generator_note"]
    assert generation["retrieval_baseline"]["n"] == 3


def test_an_escalation_label_may_leave_its_reasons_out(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps({"message": "Ik ben er klaar mee", "labels": {"escalation": {"value": True, "reasons": []}}}) + "\n", encoding="utf-8")
    assert load_set(path, "bieb").labelled[0].labels == {"escalation": True, "escalation_reasons": []}


def test_chatbot_questions_need_only_an_article_id(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    lines = [
        {"id": "cq-1", "channel": "chat", "message": "tot hoe laat open op zaterdag?", "thread": [], "article_id": "openingstijden"},
        {"id": "cq-2", "channel": "chat", "message": "verkopen jullie ook postzegels?", "thread": [], "article_id": None},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    eval_set = load_set(path, "bieb")
    assert eval_set.items == [] and eval_set.labelled == []
    assert [(q.id, q.article_id) for q in eval_set.questions] == [("cq-1", "openingstijden"), ("cq-2", None)]
    path.write_text(json.dumps({"message": "hoi"}) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="questions.jsonl:1: give a 'reference' reply, 'labels', or an 'article_id'"):
        load_set(path, "bieb")


def test_auto_answer_curve_pools_reference_items_and_chatbot_questions() -> None:
    from eval.runner import _auto_answer

    def row(score: float | None, correct: bool) -> dict:  # type: ignore[type-arg]
        return {"id": f"{score}-{correct}", "message": "m", "top_article": "a", "article_id": "a" if correct else "b",
                "auto_score": score, "auto_correct": correct}

    reference = [row(0.9, True)] * 6 + [row(0.5, False), row(None, False)]
    questions = [row(0.85, True)] * 5 + [row(0.8, False), row(None, False)]
    auto = _auto_answer(reference, questions)
    # 11 right answers at >= 0.85 (6 + 5): a bar on >= 10 answers at precision 1.0; alone, neither part has 10
    assert auto["items"] == 15 and auto["threshold"] == 0.85 and auto["precision"] == 1.0 and auto["answered"] == 11
    assert auto["by_source"]["reference_items"] == {"items": 8, "eligible": 7, "answered_at_bar": 6, "correct_at_bar": 6}
    assert auto["by_source"]["chatbot_questions"] == {"items": 7, "eligible": 6, "answered_at_bar": 5, "correct_at_bar": 5}
    assert _auto_answer(reference)["threshold"] is None
    # the wrong answers with the highest scores, listed for QA: 0.8 (a question, under the bar), then 0.5
    assert [(w["source"], w["score"], w["above_bar"]) for w in auto["top_wrong"]] == [
        ("chatbot_questions", 0.8, False), ("reference_items", 0.5, False)
    ]


def test_heldout_set_pools_the_brands_chatbot_questions(tmp_path: Path) -> None:
    import shutil

    from retrieval.kb_loader import load_brand

    shutil.copytree(KB_DIR / "bieb", tmp_path / "bieb")
    (tmp_path / "bieb" / "chatbot_questions.jsonl").write_text(
        json.dumps({"id": "cq-1", "channel": "chat", "message": "hoe lang mag ik lenen?", "article_id": None}) + "\n", encoding="utf-8"
    )
    eval_set = heldout_set(load_brand(tmp_path, "bieb"))
    assert [q.id for q in eval_set.questions] == ["cq-1"] and eval_set.items and eval_set.labelled
    (tmp_path / "bieb" / "chatbot_questions.jsonl").write_text(
        json.dumps({"id": "cq-2", "channel": "chat", "message": "hoe lang mag ik lenen?", "article_id": "bestaat-niet"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(EvalSetError, match="article_id not in faq.yaml: bestaat-niet"):
        heldout_set(load_brand(tmp_path, "bieb"))
