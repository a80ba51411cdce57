"""The tone-of-voice guard on crafted drafts (brand.yaml of the demo brands)."""

from __future__ import annotations

import pytest

from models.pii import PiiDetector
from retrieval.kb_loader import load_brand
from webcare.guard import GuardContext, check_draft, guard_drafts
from webcare.settings import REPO_ROOT
from webcare.types import Draft

KB = REPO_ROOT / "knowledge_base"


@pytest.fixture(scope="module")
def bieb():  # type: ignore[no-untyped-def]
    return load_brand(KB, "bieb").profile


def ctx(profile, channel="whatsapp", message="Hoe kan ik mijn boeken verlengen?", sources=(), agent="AB"):  # type: ignore[no-untyped-def]
    return GuardContext(
        profile=profile,
        channel=channel,
        agent=profile.agent(agent),
        message=message,
        sources=list(sources),
        pii=PiiDetector(profile.pii_patterns),
    )


SOURCE = "Je kunt je boeken 3 keer verlengen via de app of Mijn Bibliotheek. Verlengen kost niets."


def rules(result):  # type: ignore[no-untyped-def]
    return {f.rule: f.repaired for f in result.findings}


def test_clean_draft_passes_untouched(bieb) -> None:  # type: ignore[no-untyped-def]
    text = "Hoi! Je kunt je boeken 3 keer verlengen via de app. Verlengen kost niets.\n^AB"
    result = check_draft(text, ctx(bieb, sources=[SOURCE]))
    assert result.findings == [] and result.text == text


def test_missing_or_wrong_signature_is_repaired(bieb) -> None:  # type: ignore[no-untyped-def]
    result = check_draft("Hoi! Je kunt je boeken verlengen via de app.", ctx(bieb, sources=[SOURCE]))
    assert rules(result) == {"signature": True} and result.text.endswith("^AB")
    result = check_draft("Hoi! Je kunt je boeken verlengen via de app.\n^SV", ctx(bieb, sources=[SOURCE], agent="JV"))
    assert result.text.endswith("^JV") and "^SV" not in result.text


def test_u_in_a_je_brand_is_converted(bieb) -> None:  # type: ignore[no-untyped-def]
    result = check_draft("Hoi! U kunt uw boeken verlengen via de app.\n^AB", ctx(bieb, sources=[SOURCE]))
    assert rules(result) == {"register": True}
    assert "Je kunt je boeken" in result.text and " uw " not in result.text


def test_cliche_opener_is_removed_or_ranked_down(bieb) -> None:  # type: ignore[no-untyped-def]
    result = check_draft(
        "Hoi! Wat vervelend dat het niet lukt. Je kunt je boeken verlengen via de app.\n^AB", ctx(bieb, sources=[SOURCE])
    )
    assert rules(result) == {"cliche_opener": True}
    assert "vervelend" not in result.text and "Je kunt je boeken verlengen" in result.text
    alone = check_draft("Hoi! Wat vervelend dat het niet lukt.\n^AB", ctx(bieb))
    assert rules(alone) == {"cliche_opener": False}


@pytest.mark.parametrize(
    "phrase",
    ["Kijk op onze website voor meer info.", "Neem contact op met de klantenservice.", "Vul het formulier in op de site."],
)
def test_sending_the_customer_elsewhere(bieb, phrase) -> None:  # type: ignore[no-untyped-def]
    helped = check_draft(f"Hoi! Je kunt je boeken verlengen via de app. {phrase}\n^AB", ctx(bieb, sources=[SOURCE]))
    assert list(rules(helped).values()) == [True] and phrase not in helped.text
    only = check_draft(f"Hoi! {phrase}\n^AB", ctx(bieb))
    assert list(rules(only).values()) == [False]


def test_pii_is_not_echoed_on_a_public_channel(bieb) -> None:  # type: ignore[no-untyped-def]
    text = "Hoi! Ik zie pas 21234567890123 en 06-12345678 in je bericht, stuur ons even een DM.\n^AB"
    public = check_draft(text, ctx(bieb, channel="x", message="pas 21234567890123 tel 06-12345678"))
    assert "pii_public" in rules(public) and "21234567890123" not in public.text and "06-12345678" not in public.text
    private = check_draft(text, ctx(bieb, channel="whatsapp", message="pas 21234567890123 tel 06-12345678"))
    assert "pii_public" not in rules(private)


def test_invented_facts_are_ranked_down(bieb) -> None:  # type: ignore[no-untyped-def]
    invented = check_draft("Hoi! Je kunt je boeken 5 keer verlengen, dat kost € 2,50.\n^AB", ctx(bieb, sources=[SOURCE]))
    assert rules(invented) == {"ungrounded": False}
    assert "5" in next(f.detail for f in invented.findings) and "2,50" in next(f.detail for f in invented.findings)
    grounded = check_draft("Hoi! Je kunt je boeken 3 keer verlengen.\n^AB", ctx(bieb, sources=[SOURCE]))
    assert grounded.findings == []
    hours = check_draft("Hoi! We zijn er op zaterdag van 10:00 tot 16:00.\n^AB", ctx(bieb))  # brand.yaml hours
    assert hours.findings == []


def test_channel_limit(bieb) -> None:  # type: ignore[no-untyped-def]
    long = "Hoi! " + " ".join(["Je kunt je boeken verlengen via de app."] * 12) + "\n^AB"
    result = check_draft(long, ctx(bieb, channel="x", sources=[SOURCE]))
    assert len(result.text) <= 280 and result.text.endswith("^AB") and rules(result) == {"over_limit": True}


def test_ranking_and_notes(bieb) -> None:  # type: ignore[no-untyped-def]
    bad = Draft(text="Hoi! Je kunt je boeken 9 keer verlengen.\n^AB", score=0.9, sources=[], method="generator")
    good = Draft(text="Hoi! Je kunt je boeken 3 keer verlengen.", score=0.6, sources=[], method="retrieval")
    out = guard_drafts([bad, good], ctx(bieb, sources=[SOURCE]))
    assert out[0] is good and out[1] is bad
    assert any(n.startswith("guard: signature added") for n in good.notes)
    assert any("ranked down" in n and "9" in n for n in bad.notes) and bad.score < 0.9
