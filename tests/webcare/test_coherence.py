"""Drafts that repeat the customer, recite the generator's instructions or slip into another language:
the checks (webcare/coherence.py), the guard rules built on them and the generator's ranking."""

from __future__ import annotations

import pytest

from models.language import LanguageDetector
from retrieval.kb_loader import load_brand
from webcare.coherence import draft_defects, foreign_sentences, shared_run
from webcare.generation import rank_generations
from webcare.guard import GuardContext, check_draft
from webcare.settings import REPO_ROOT

MESSAGE = "Kunnen jullie een wasmachine voor me apart leggen in de winkel in Eindhoven? Kom hem zaterdag halen"
INSTRUCTIONS = "Geef meteen het concrete antwoord uit de bronnen, verwijs niet door, verzin geen feiten."


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_shared_run_finds_the_longest_copied_run_case_and_punctuation_blind() -> None:
    draft = "Hoi! Dag dat je een wasmachine voor me apart leggen in de winkel is. Stuur ons een DM."
    assert shared_run(draft, MESSAGE, 8) == "een wasmachine voor me apart leggen in de winkel"
    assert shared_run(draft, MESSAGE, 10) is None  # the run is 9 words
    # an order number and a product name are not an echo
    assert shared_run("Hoi! Je wasmachine in Eindhoven ligt klaar.", MESSAGE, 8) is None
    assert shared_run("", MESSAGE, 8) is None and shared_run(draft, "", 8) is None


def test_foreign_sentences_need_the_detector_and_the_function_words_to_agree(detector: LanguageDetector) -> None:
    text = "Hallo! I agree with the marketing team! Je krijgt het geld binnen 5 werkdagen terug. We want to ensure that the funds reach you."
    assert foreign_sentences(text, detector, "nl") == ["I agree with the marketing team!", "We want to ensure that the funds reach you."]
    # langdetect calls this English (0.88); no English function word backs it up
    assert foreign_sentences("In de PostNL- of DHL-app kost €2,95 extra.", detector, "nl") == []
    # too short to judge, and loan words in Dutch sentences are Dutch
    assert foreign_sentences("Top, thanks voor je bericht! Check dan of hij past bij het gewicht en VESA-formaat van je tv.", detector, "nl") == []
    # the customer's own language is allowed
    assert foreign_sentences("Sorry for the delay, we will check your order today.", detector, "nl", also=["en"]) == []


def test_draft_defects_names_each_defect(detector: LanguageDetector) -> None:
    assert draft_defects("Hoi! Je kunt hem tot 3 dagen laten reserveren in de winkel. ^Milan", message=MESSAGE, detector=detector) == []
    defects = draft_defects(
        "Hallo! Je kunt niet aanpassen, zoals meteen het concrete antwoord uit de bronnen, verwijs niet door. "
        "Kunnen jullie een wasmachine voor me apart leggen in de winkel? Sorry for the inconvenience, we will check your order.",
        message=MESSAGE, detector=detector, instructions=INSTRUCTIONS,
    )
    assert [d.split(" (")[0] for d in defects] == [
        "repeats the customer's message", "recites the generator's instructions", "sentence not in the brand's language"
    ]


def test_ranking_puts_defective_samples_last(detector: LanguageDetector) -> None:
    good = "Hoi! We leggen hem graag voor je apart in de winkel; je hebt 3 dagen om hem op te halen. ^Milan"
    echo = "Hoi! Kunnen jullie een wasmachine voor me apart leggen in de winkel in Eindhoven? ^Milan"
    english = "Hoi! We leggen hem graag voor je apart. We look forward to your visit and thank you for waiting. ^Milan"
    texts = [echo, echo, english, good]  # the defective ones agree with each other most
    evidence = [MESSAGE, "Reserveren in de winkel: je hebt 3 dagen om hem op te halen."]
    assert rank_generations(texts, evidence)[0] != 3  # grounding alone: consensus favours the echoes
    order = rank_generations(texts, evidence, message=MESSAGE, detector=detector)
    assert order[0] == 3 and sorted(order[1:]) == [0, 1, 2]


def test_guard_ranks_an_echo_down_and_drops_a_foreign_sentence(detector: LanguageDetector) -> None:
    shop = load_brand(REPO_ROOT / "knowledge_base", "shop").profile
    ctx = GuardContext(profile=shop, channel="whatsapp", agent=shop.agent(None), message=MESSAGE, language=detector)
    echoed = check_draft("Hoi! Kunnen jullie een wasmachine voor me apart leggen in de winkel in Eindhoven? Dat kan.", ctx)
    assert [(f.rule, f.repaired) for f in echoed.findings if f.rule == "echo"] == [("echo", False)]
    mixed = check_draft("Hoi! We leggen hem graag voor je apart in de winkel. We look forward to your visit and thank you.", ctx)
    language = [f for f in mixed.findings if f.rule == "language"]
    assert [(f.rule, f.repaired) for f in language] == [("language", True)]
    assert "look forward" not in mixed.text and "We leggen hem graag voor je apart in de winkel." in mixed.text
    only_english = check_draft("Hoi! We look forward to your visit and thank you for waiting.", ctx)
    assert [(f.rule, f.repaired) for f in only_english.findings if f.rule == "language"] == [("language", False)]
    # without a detector in the context the language rule is off (older callers)
    ctx.language = None
    assert not [f for f in check_draft("Hoi! We look forward to your visit and thank you for waiting.", ctx).findings if f.rule == "language"]


def test_guard_allows_the_language_the_customer_wrote_in(detector: LanguageDetector) -> None:
    shop = load_brand(REPO_ROOT / "knowledge_base", "shop").profile
    english = "Hi, my order from last week still has not arrived, can you check where it is?"
    draft = "Hoi! Sorry for the delay, we will check where your order is today."
    for message, thread, kept in ((english, [], True), ("ok?", [english], True), (MESSAGE, [], False)):
        ctx = GuardContext(profile=shop, channel="whatsapp", agent=shop.agent(None), message=message, thread=thread, language=detector)
        assert (not [f for f in check_draft(draft, ctx).findings if f.rule == "language"]) is kept, message


def test_ranking_tiers_usable_then_defective_then_ungrounded(detector: LanguageDetector) -> None:
    from models.vocabulary import Vocabulary

    vocabulary = Vocabulary("hoi we leggen hem graag voor je apart in de winkel je hebt dagen om op te halen".split())
    evidence = [MESSAGE, "Reserveren in de winkel: je hebt 3 dagen om hem op te halen."]
    invented_fact = "Hoi! We leggen hem voor je apart in de winkel; je hebt 14 dagen om hem op te halen."
    invented_word = "Hoi! We leggen hem graag voor je apart in de winkel; je hebt 3 dagen om hem op te plofhalen."
    good = "Hoi! We leggen hem graag voor je apart in de winkel; je hebt 3 dagen om hem op te halen."
    order = rank_generations([invented_fact, invented_word, good], evidence, message=MESSAGE, detector=detector, vocabulary=vocabulary)
    assert order == [2, 1, 0]
    assert rank_generations([invented_fact, invented_word, good], evidence)[-1] == 0  # without the checks only facts count


def test_ranking_weighs_agreement_with_the_sources() -> None:
    source = "Reserveren in de winkel kan: we leggen hem 3 dagen voor je apart, ophalen met je bestelnummer."
    evidence = [source, MESSAGE]
    off_topic = "Hoi! Je kunt hem in de winkel bekijken en meteen meenemen. ^Milan"
    samples = [off_topic, off_topic, "Hoi! We leggen hem 3 dagen voor je apart, ophalen met je bestelnummer. ^Milan"]
    assert rank_generations(samples, evidence)[0] == 0  # the samples alone: the repeated one wins
    assert rank_generations(samples, evidence, sources=[source], source_agreement=1.0)[0] == 2
    assert rank_generations(samples, evidence, sources=[source])[0] == 0  # weight 0 (the default): sources ignored


def test_guard_ranks_down_words_that_exist_nowhere(detector: LanguageDetector) -> None:
    from webcare.coherence import brand_vocabulary

    kb = load_brand(REPO_ROOT / "knowledge_base", "shop")
    ctx = GuardContext(
        profile=kb.profile, channel="whatsapp", agent=kb.profile.agent(None), message=MESSAGE, language=detector,
        vocabulary=brand_vocabulary(kb),
    )
    found = [f for f in check_draft("Hoi! Dat kan geregistruik in de winkel, met je debitcardelijk.", ctx).findings if f.rule == "unknown_word"]
    assert [(f.repaired, f.detail) for f in found] == [(False, "words that exist nowhere: geregistruik, debitcardelijk")]
    assert not [f for f in check_draft("Hoi! We leggen hem graag voor je apart in de winkel in Eindhoven.", ctx).findings if f.rule == "unknown_word"]
