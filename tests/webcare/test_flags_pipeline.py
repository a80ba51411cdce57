"""The pipeline fills flags.sarcasm / escalation / sentiment (classifier when the brand has one)."""

from __future__ import annotations

from models.flag_classifier import FlagScorer
from webcare.types import SuggestionRequest, Turn


def _request(message: str, thread: list[tuple[str, str]] | None = None, channel: str = "x") -> SuggestionRequest:
    return SuggestionRequest(
        brand="bieb", channel=channel, message=message, thread=[Turn(role=r, text=t) for r, t in (thread or [])]  # type: ignore[arg-type]
    )


def test_rules_only_without_an_artifact(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    runtime = services.registry.get("bieb")
    monkeypatch.setattr(runtime, "flags", FlagScorer(runtime.flags.rules, None))
    s = services.pipeline.suggest(_request("@BiebLindeveld bel me even terug op 06-28374615, anders stap ik naar de ACM"))
    esc = s.flags.escalation
    assert esc is not None and esc.value and {"privacy", "legal"} <= set(esc.reasons)
    assert esc.level == "high" and len(esc.explanations) == len(esc.reasons)
    assert s.flags.move_to_private and s.flags.sarcasm is None and s.flags.sentiment is None  # never faked
    assert not s.auto_answerable and s.versions["classifiers"] == "rules-only"
    assert "classify" in s.timings_ms


def test_flags_filled_with_a_classifier(services, bieb_flag_classifier, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    runtime = services.registry.get("bieb")
    monkeypatch.setattr(runtime, "flags", FlagScorer(runtime.flags.rules, bieb_flag_classifier))
    thread = [
        ("customer", "wifi op de studieplekken in Centrum valt elke 10 min weg"),
        ("agent", "Hoi! Dank je, we hebben het doorgegeven aan ICT. ^MK"),
        ("customer", "Vandaag weer hetzelfde. Nog steeds niks opgelost"),
    ]
    s = services.pipeline.suggest(_request("Goed bezig jongens! 👏", thread))
    assert s.flags.sarcasm is not None and s.flags.sarcasm.value
    assert s.flags.sentiment is not None and s.flags.sentiment.label == "negative"
    assert s.flags.escalation is not None and "repeated" in s.flags.escalation.reasons
    calm = services.pipeline.suggest(_request("Hoe lang mag ik een e-book lenen?", channel="chat"))
    assert calm.flags.escalation is not None and not calm.flags.escalation.value and calm.flags.escalation.level == "none"
    assert calm.flags.sentiment is not None and calm.flags.sentiment.label == "neutral"
    assert s.versions["classifiers"] == "test"
