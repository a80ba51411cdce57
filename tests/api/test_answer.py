"""POST /v1/answer: the chatbot answers a clear FAQ above the brand's bar, else hands off with a reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth
from webcare.auto_answer import CONFIDENCE_SIGNAL, ConfidenceBar, answer_confidence, bar_path, decide, ranking_agreement
from webcare.settings import Settings
from webcare.types import EscalationFlag, Flags, PiiFlag, SarcasmFlag, Suggestion

FAQ = {"brand": "bieb", "channel": "chat", "message": "hoe kan ik mijn boeken verlengen in de app?"}


@pytest.fixture
def bar(settings: Settings) -> Iterator[callable]:  # type: ignore[valid-type]
    """Write the brand's eval bar file (what `webcare eval` writes); removed afterwards."""
    written: list[Path] = []

    def write(brand: str, threshold: float | None) -> None:
        path = bar_path(settings, brand)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"signal": CONFIDENCE_SIGNAL, "threshold": threshold, "target_precision": 0.95, "precision": 0.96, "coverage": 0.4}
        path.write_text(json.dumps(record))
        written.append(path)

    yield write
    for path in written:
        path.unlink(missing_ok=True)


def _post(client: TestClient, key: str, body: dict) -> dict:
    response = client.post("/v1/answer", json=body, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_clear_faq_is_answered(client: TestClient, api_keys: dict[str, str], bar) -> None:  # type: ignore[no-untyped-def]
    bar("bieb", 0.3)
    body = _post(client, api_keys["bieb"], FAQ)
    assert body["handoff"] is False and body["reason"] is None, body
    answer = body["answer"]
    assert answer["text"] and body["confidence"] >= 0.3
    assert answer["sources"][0]["kind"] in ("canned", "past_answer")
    assert body["bar"]["source"] == "eval" and body["bar"]["threshold"] == 0.3
    assert "verleng" in answer["text"].lower()


def test_low_confidence_hands_off(client: TestClient, api_keys: dict[str, str], bar) -> None:  # type: ignore[no-untyped-def]
    bar("bieb", 0.99)
    body = _post(client, api_keys["bieb"], FAQ)
    assert body["handoff"] is True and body["reason"] == "low_confidence" and body["answer"] is None
    assert "0.990" in body["detail"] and body["confidence"] < 0.99


def test_no_calibrated_bar_hands_off_everything(client: TestClient, api_keys: dict[str, str], bar) -> None:  # type: ignore[no-untyped-def]
    bar("bieb", None)
    body = _post(client, api_keys["bieb"], FAQ)
    assert body["handoff"] is True and body["reason"] == "low_confidence" and body["bar"]["threshold"] is None


def test_a_bar_measured_on_another_signal_is_not_used(client: TestClient, api_keys: dict[str, str], settings: Settings) -> None:
    path = bar_path(settings, "shop")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"threshold": 0.0, "target_precision": 0.95}))  # an old file: no "signal"
    try:
        body = _post(client, api_keys["shop"], {"brand": "shop", "channel": "chat", "message": "kan ik mijn bestelling retourneren?"})
    finally:
        path.unlink()
    assert body["bar"]["source"] == "settings" and body["bar"]["threshold"] == settings.auto_answer_threshold


def test_without_eval_file_the_settings_bar_is_used(client: TestClient, api_keys: dict[str, str], settings: Settings) -> None:
    assert not bar_path(settings, "shop").exists()
    body = _post(client, api_keys["shop"], {"brand": "shop", "channel": "chat", "message": "kan ik mijn bestelling retourneren?"})
    assert body["bar"] == {**body["bar"], "source": "settings", "threshold": settings.auto_answer_threshold}


def test_pii_hands_off(client: TestClient, api_keys: dict[str, str], bar) -> None:  # type: ignore[no-untyped-def]
    bar("bieb", 0.0)  # even with a bar that answers everything
    body = _post(client, api_keys["bieb"], {**FAQ, "message": "hoe kan ik verlengen? mijn nummer is 06 12345678"})
    assert body["handoff"] is True and body["reason"] == "pii" and "phone" in body["detail"]
    assert body["answer"] is None


def test_other_language_hands_off(client: TestClient, api_keys: dict[str, str], bar) -> None:  # type: ignore[no-untyped-def]
    bar("bieb", 0.0)
    body = _post(client, api_keys["bieb"], {**FAQ, "message": "Hello, how can I renew the books I borrowed through the app?"})
    assert body["handoff"] is True and body["reason"] == "language"


def test_auth_and_brand_isolation(client: TestClient, api_keys: dict[str, str]) -> None:
    assert client.post("/v1/answer", json=FAQ).status_code == 401
    response = client.post("/v1/answer", json=FAQ, headers=auth(api_keys["shop"]))
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert client.post("/v1/answer", json={**FAQ, "message": "  "}, headers=auth(api_keys["bieb"])).status_code == 422


def _suggestion(**flags: object) -> Suggestion:
    from webcare.types import Draft, Source

    draft = Draft(
        text="Hoi! Verlengen kan in de app. ^AB",
        score=0.9,
        sources=[
            Source(id="canned:c-1", kind="canned", score=0.9, article_id="verlengen"),
            Source(id="article:verlengen#0", kind="article", score=0.8, article_id="verlengen"),
        ],
    )
    return Suggestion(
        brand="bieb",
        drafts=[draft],
        flags=Flags(language="nl", pii=PiiFlag(found=False), move_to_private=False, **flags),
        auto_answerable=True,
        answer_confidence=0.98,
        timings_ms={},
    )


def test_escalation_and_sarcasm_flags_hand_off() -> None:
    bar = ConfidenceBar(threshold=0.5, source="eval")
    assert decide(_suggestion(), bar, "nl").handoff is False
    assert decide(_suggestion(), bar, "nl").unchecked == ["escalation", "sarcasm"]
    escalated = decide(_suggestion(escalation=EscalationFlag(value=True, level="high", reasons=["legal"])), bar, "nl")
    assert escalated.handoff and escalated.reason == "escalation" and "legal" in escalated.detail
    sarcastic = decide(_suggestion(sarcasm=SarcasmFlag(value=True, score=0.9)), bar, "nl")
    assert sarcastic.handoff and sarcastic.reason == "sarcasm"
    calm = decide(
        _suggestion(escalation=EscalationFlag(value=False, level="none"), sarcasm=SarcasmFlag(value=False, score=0.1)), bar, "nl"
    )
    assert calm.handoff is False and calm.unchecked == []


def test_article_only_match_hands_off() -> None:
    from webcare.types import Draft, Source

    suggestion = _suggestion()
    suggestion.drafts = [Draft(text="x ^AB", score=0.95, sources=[Source(id="article:a#0", kind="article", score=0.95)])]
    result = decide(suggestion, ConfidenceBar(threshold=0.5, source="eval"), "nl")
    assert result.handoff and result.reason == "no_faq_match"


def test_answer_and_article_must_agree() -> None:
    suggestion = _suggestion()
    suggestion.drafts[0].sources[1] = suggestion.drafts[0].sources[1].model_copy(update={"article_id": "openingstijden"})
    result = decide(suggestion, ConfidenceBar(threshold=0.5, source="eval"), "nl")
    assert result.handoff and result.reason == "no_faq_match" and "disagree" in result.detail


def _hit(pid: str, kind: str, article: str, dense: float, lexical: float):  # type: ignore[no-untyped-def]
    from retrieval.documents import Passage
    from retrieval.retriever import Hit

    passage = Passage(id=pid, kind=kind, item_id=pid.split(":")[1], text="t", content="t", article_id=article)
    return Hit(passage, 0.5, dense, lexical)


def test_confidence_counts_the_rankings_that_agree() -> None:
    from webcare.types import Draft, Source

    candidates = [
        _hit("canned:a", "canned", "verlengen", 0.9, 2.0),  # best answer by dense and by BM25
        _hit("past_answer:b", "past_answer", "boetes", 0.5, 9.0),  # ... except BM25 prefers this one
        _hit("article:verlengen#0", "article", "verlengen", 0.8, 5.0),
        _hit("article:boetes#0", "article", "boetes", 0.7, 1.0),
    ]
    assert ranking_agreement(candidates, "verlengen") == 3 and ranking_agreement(candidates, "boetes") == 1
    draft = Draft(text="x", score=0.6, sources=[Source(id="canned:a", kind="canned", score=0.6, article_id="verlengen")])
    assert answer_confidence([draft], candidates) == round((3 + 0.6) / 5, 4)
    generated = Draft(text="x", score=0.9, sources=[Source(id="past_answer:b", kind="past_answer", score=0.9)], method="generator")
    # the chatbot only ever sends the team's own text: its confidence is the retrieval draft's
    assert answer_confidence([generated, draft], candidates) == round((3 + 0.6) / 5, 4)
    assert answer_confidence([generated], candidates) is None
