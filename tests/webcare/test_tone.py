"""Tone adaptation: frames stripped, register converted, emoji policy, signature, channel length."""

from __future__ import annotations

import pytest

from retrieval.kb_schema import Agent, ToneProfile
from webcare.tone import apply_tone, drop_context_interjection, fit_length, strip_frame, to_register, unwrap

BIEB = ToneProfile(register="je", emoji=False, signature="initials", signature_template="^{initials}", greetings=["Hoi!"])
FORMAL = ToneProfile(register="u", emoji=False, signature="first_name", signature_template="Met vriendelijke groet, {first_name}", greetings=["Goedemiddag,"])
ANOUK = Agent(first_name="Anouk", initials="AB")


@pytest.mark.parametrize(
    ("reply", "body"),
    [
        ("Hoi Sanne, je kunt je boeken verlengen in de app. ^AB", "Je kunt je boeken verlengen in de app."),
        ("Hallo! Dat kan via de app 🙂 Groetjes, Mo", "Dat kan via de app 🙂"),
        ("Hey!\nDat kan.\n^Fatima", "Dat kan."),
        ("Goedemorgen, kunt u uw pas meenemen? ^KL", "Kunt u uw pas meenemen?"),
        ("Dat kan in de app.", "Dat kan in de app."),
    ],
)
def test_strip_frame(reply: str, body: str) -> None:
    assert strip_frame(reply) == body


def test_register_both_ways() -> None:
    assert to_register("Kunt u uw pas meenemen? Dan helpen we u. U kunt ook bellen.", "je") == (
        "Kun je je pas meenemen? Dan helpen we je. Je kunt ook bellen."
    )
    assert to_register("Kun je je pas meenemen? Dan helpen we je graag. Jij kunt ook bellen met jouw telefoon.", "u") == (
        "Kunt u uw pas meenemen? Dan helpen we u graag. U kunt ook bellen met uw telefoon."
    )


def test_apply_tone_uses_brand_frame_and_drops_emoji() -> None:
    result = apply_tone("Hallo! Verlengen kan in de app 🙂 Groetjes, Mo", BIEB, ANOUK)
    assert result.text == "Hoi!\nVerlengen kan in de app\n^AB"
    assert "emoji removed (brand uses none)" in result.notes


def test_apply_tone_formal_brand() -> None:
    result = apply_tone("Hoi! Je kunt je pas ophalen aan de balie. ^AB", FORMAL, ANOUK)
    assert result.text.startswith("Goedemiddag,\nU kunt uw pas ophalen aan de balie.")
    assert result.text.endswith("Met vriendelijke groet, Anouk")


def test_channel_limit_is_respected_on_sentence_boundaries() -> None:
    body = " ".join(f"Dit is zin nummer {i} met wat uitleg erbij." for i in range(30))
    result = apply_tone(body, BIEB, ANOUK, length_limit=280)
    assert len(result.text) <= 280 and result.text.endswith("^AB")
    assert "." in result.text and any("shortened" in n for n in result.notes)
    assert fit_length("kort", 100) == "kort"
    assert len(fit_length("x" * 500, 50)) <= 50


def test_a_past_answers_greeting_with_another_customers_name_is_stripped() -> None:
    assert strip_frame("Hé Kim, laten we daar meteen naar kijken. ^AB") == "Laten we daar meteen naar kijken."
    assert strip_frame("Heel goed dat je het meldt!") == "Heel goed dat je het meldt!"


def test_hard_wrapped_lines_are_joined_but_lists_and_paragraphs_stay() -> None:
    assert unwrap("tik op Geleend en tik op\nVerlengen. Op de website\ngaat het ook.") == (
        "tik op Geleend en tik op Verlengen. Op de website gaat het ook."
    )
    assert unwrap("Zo werkt het:\n- open de app\n- tik op Verlengen") == "Zo werkt het:\n- open de app\n- tik op Verlengen"
    assert unwrap("Eerste alinea.\n\nTweede alinea.") == "Eerste alinea.\n\nTweede alinea."
    assert unwrap("Stappen:\n1. inloggen\n2. verlengen") == "Stappen:\n1. inloggen\n2. verlengen"


def test_another_customers_exclamation_is_dropped_from_a_reused_answer() -> None:
    assert drop_context_interjection("Gefeliciteerd! Ja, ze kan vanaf de geboorte lid worden.") == "Ja, ze kan vanaf de geboorte lid worden."
    assert drop_context_interjection("Beterschap! Na 7 dagen stuurt PostNL het terug.") == "Na 7 dagen stuurt PostNL het terug."
    assert drop_context_interjection("Wat leuk om te horen! dat kan zeker.") == "Dat kan zeker."
    for kept in ("Nee, juist niet openen: laat hem dicht.", "Top, dat kan.", "Jammer genoeg kan dat niet, want de termijn is voorbij.", "Bedankt!"):
        assert drop_context_interjection(kept) == kept
