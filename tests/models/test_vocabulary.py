"""Words that exist nowhere: the packaged lexicons plus a brand's own words (models/vocabulary.py)."""

from __future__ import annotations

import pytest

from models.vocabulary import Vocabulary, load_lexicon
from retrieval.kb_loader import load_brand
from webcare.coherence import brand_vocabulary
from webcare.settings import REPO_ROOT


@pytest.fixture(scope="module")
def shop() -> Vocabulary:
    return brand_vocabulary(load_brand(REPO_ROOT / "knowledge_base", "shop"))


def test_the_dutch_lexicon_is_packaged() -> None:
    nl = load_lexicon("nl")
    assert len(nl) > 300_000 and {"fornuis", "bezorgdag", "kantelen"} <= nl and "allevroemstapolitely" not in nl


def test_invented_words_are_found_and_real_ones_are_not(shop: Vocabulary) -> None:
    # words a 135M generator wrote in shop drafts
    draft = "Hoi! Dat kan allevroemstapolitely, geregistruik op de dag met je debitcardelijk. ^Daan"
    assert shop.unknown(draft) == ["allevroemstapolitely", "geregistruik", "debitcardelijk"]
    # a rare but well-formed compound passes ("nieuws" + "briefen"): this is no grammar check
    # an agent's own words: ordinary Dutch, English loan words, the brand's names, compounds
    reply = "Goedemiddag! De installateur sluit je fornuis aan; je track & trace staat in je mailbox. Studentenkorting via Mijn Voltera. ^Sanne"
    assert shop.unknown(reply) == []
    assert shop.unknown("Je krijgt een retourlabelmail van ons. Nieuwsbriefen ook.") == []  # compounds
    # what the customer or the sources say may be repeated, whatever it is
    assert shop.unknown("Je Zwiebelplop is onderweg.", ["bestelling Zwiebelplop"]) == []
    # a word cut off at the token limit is not an invented word
    assert shop.unknown("Veel gemeenten halen het op, veel geme…") == [] and shop.unknown("Dat kan ook bij de balie van de geme") == []


def test_vocabulary_is_the_brands_own(shop: Vocabulary) -> None:
    bieb = brand_vocabulary(load_brand(REPO_ROOT / "knowledge_base", "bieb"))
    assert "voltera" in shop and "voltera" not in bieb  # a brand name from shop's KB only
    assert len(Vocabulary(["een", "woord"])) == 2 and Vocabulary(["een"]).unknown("een plofwoord.") == ["plofwoord"]
