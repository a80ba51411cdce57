"""Hand-over drafts for escalated messages: unit rules on crafted flags and drafts, and the real pipeline."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from retrieval.kb_loader import load_brand
from retrieval.kb_schema import BrandProfile
from webcare.guard import GuardContext, draft_violations
from webcare.handover import DEFAULT_HANDOVER, HandoverDrafter, handover_reason
from webcare.services import Services
from webcare.settings import REPO_ROOT
from webcare.types import Draft, EscalationFlag, Source, SuggestionRequest

KB = REPO_ROOT / "knowledge_base"


@pytest.fixture(scope="module")
def shop() -> BrandProfile:
    return load_brand(KB, "shop").profile


def flag(*reasons: str) -> EscalationFlag:
    return EscalationFlag(value=bool(reasons), level="high" if reasons else "none", reasons=list(reasons))


def retrieval_draft(answer_article: str, top_article: str) -> Draft:
    return Draft(
        text="Hoi! Je retour is binnen 5 werkdagen terugbetaald. ^Sanne",
        score=0.6,
        sources=[
            Source(id="pa-1", kind="past_answer", score=0.6, title="", article_id=answer_article),
            Source(id="art-1#0", kind="article", score=0.5, title="", article_id=top_article),
        ],
    )


def test_reason_priority_and_no_flag() -> None:
    assert handover_reason(flag()) is None and handover_reason(None) is None
    assert handover_reason(flag("heated", "legal")) == "legal"  # the most serious reason picks the text
    assert handover_reason(flag("privacy")) is None  # privacy has its own notice (move to private)


def test_standalone_reason_drops_unrelated_drafts_but_keeps_fitting_ones(shop: BrandProfile) -> None:
    fits, unrelated = retrieval_draft("retour", "retour"), retrieval_draft("retour", "bezorging")
    out = HandoverDrafter().apply([unrelated, fits], flag("legal"), shop, public=True, length_limit=1500)
    assert [d.method for d in out] == ["handover", "retrieval"] and out[1] is fits
    assert "juridische zaken" in out[0].text and "privébericht" in out[0].text
    assert any("1 retrieval draft(s) left out" in n for n in out[0].notes)


def test_other_reasons_keep_the_retrieval_drafts_behind(shop: BrandProfile) -> None:
    unrelated = retrieval_draft("retour", "bezorging")
    out = HandoverDrafter().apply([unrelated], flag("churn"), shop, public=False)
    assert [d.method for d in out] == ["handover", "retrieval"]
    assert "privébericht" not in out[0].text  # already a private channel


def test_brand_template_and_formal_register(shop: BrandProfile) -> None:
    custom = shop.model_copy(update={"handover_templates": {"media": "Onze persvoorlichter belt je vandaag nog."}})
    out = HandoverDrafter().apply([], flag("media"), custom, public=False)
    assert "Onze persvoorlichter belt je vandaag nog." in out[0].text
    formal = shop.model_copy(update={"tone": shop.tone.model_copy(update={"address_form": "u"})})
    text = HandoverDrafter().apply([], flag("repeated"), formal, public=False)[0].text
    assert " u " in text and " je " not in text


def test_unknown_template_reason_is_refused(shop: BrandProfile) -> None:
    data = shop.model_dump(by_alias=True)
    data["handover_templates"] = {"boos": "tekst"}
    with pytest.raises(ValidationError, match="unknown reasons"):
        BrandProfile.model_validate(data)


@pytest.mark.parametrize("reason", sorted(DEFAULT_HANDOVER))
def test_every_default_passes_the_brands_guard_on_x(shop: BrandProfile, reason: str) -> None:
    draft = HandoverDrafter().apply([], flag(reason), shop, public=True, length_limit=280)[0]
    ctx = GuardContext(profile=shop, channel="x", agent=shop.agent(None), message="...")
    assert len(draft.text) <= 280 and draft_violations(draft.text, ctx) == []


def test_pipeline_answers_a_legal_threat_with_a_handover(services: Services) -> None:
    request = SuggestionRequest(
        brand="shop", channel="facebook", message="Als dit niet vandaag opgelost is stap ik naar de Geschillencommissie"
    )
    suggestion = services.pipeline.suggest(request)
    assert suggestion.flags.escalation.reasons == ["legal"]
    first = suggestion.drafts[0]
    assert first.method == "handover" and not first.sources and first.text.rstrip().endswith("^Sanne")
    assert not any("ranked down" in n for n in first.notes)
    assert all(d.method == "handover" or d.sources for d in suggestion.drafts)
    assert suggestion.auto_answerable is False
