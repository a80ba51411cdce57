"""Tests for models.language: real langdetect, cleaning and fallbacks."""

from __future__ import annotations

import langdetect.detector_factory as langdetect_factory
import pytest

from models.language import LanguageDetector, LanguageResult, clean_text


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    """One detector for the module (loading the profiles takes ~0.3 s)."""
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ff vragen waar mn pakket blijft", "nl"),
        ("hoe lang mag ik boeken lenen?", "nl"),
        ("jullie zijn echt waardeloos", "nl"),
        ("wanneer gaan jullie open morgen", "nl"),
        ("WAAR IS MIJN PAKKET NOU", "nl"),
        ("where is my parcel, it's been a week", "en"),
        ("Wo ist mein Paket? Ich warte seit einer Woche", "de"),
        ("Où est mon colis? J'attends depuis une semaine", "fr"),
    ],
)
def test_detects_message_language(detector: LanguageDetector, text: str, language: str) -> None:
    result = detector.detect(text)
    assert result.language == language
    assert result.method == "langdetect"
    assert 0.5 <= result.confidence <= 1.0


def test_noise_is_stripped_before_detection(detector: LanguageDetector) -> None:
    text = "@KPN waarom doet mijn internet het niet?? https://t.co/abc123 #storing 😡 ^AB"
    assert detector.detect(text).language == "nl"
    assert clean_text(text) == "waarom doet mijn internet het niet storing"
    assert clean_text("Bel 06-12345678 om 10:30, mail jan@x.nl of kijk op www.x.nl/help 👍") == (
        "Bel om mail of kijk op"
    )


def test_confident_unsupported_language_is_returned(detector: LanguageDetector) -> None:
    result = detector.detect("Hola, ¿dónde está mi paquete? Llevo una semana esperando")
    assert result.language == "es"
    assert result.method == "langdetect"
    assert result.confidence > 0.9


def test_dutch_function_words_overrule_an_unsupported_guess(detector: LanguageDetector) -> None:
    # langdetect says "da" at 0.99999 and "no" at 0.93 for these Dutch messages
    assert detector.detect("kan ik ff bellen").language == "nl"
    assert detector.detect("kan ik mijn bestelling nog annuleren?").language == "nl"
    # real Norwegian keeps its label: its function words are not Dutch ones
    assert detector.detect("Jeg har ikke fått pakken min ennå").language == "no"


def test_short_text_in_unsupported_language_falls_back(detector: LanguageDetector) -> None:
    result = detector.detect("fint vejr idag")  # Danish-looking, too short, no function words
    assert result == LanguageResult("nl", 0.0, "default")


@pytest.mark.parametrize("text", ["ok", "👍", "thx", "", "   ", "12345", "https://example.com"])
def test_short_messages_use_default(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == LanguageResult("nl", 0.0, "default")


@pytest.mark.parametrize("text", ["ok", "👍", "thx"])
def test_short_messages_use_thread_language(detector: LanguageDetector, text: str) -> None:
    thread = ["Hi, where is my parcel?", "I ordered it two weeks ago and it still has not arrived."]
    result = detector.detect(text, thread=thread)
    assert result.language == "en"
    assert result.method == "thread"
    assert result.confidence >= 0.5


def test_thread_is_cleaned_and_can_be_too_short(detector: LanguageDetector) -> None:
    result = detector.detect("thx", thread=["ok", "👍 https://example.com/a-very-long-english-url"])
    assert result == LanguageResult("nl", 0.0, "default")


def test_message_wins_over_thread(detector: LanguageDetector) -> None:
    thread = ["Where is my parcel? I ordered it two weeks ago."]
    result = detector.detect("ff vragen waar mn pakket blijft", thread=thread)
    assert (result.language, result.method) == ("nl", "langdetect")


def test_custom_default_and_min_letters() -> None:
    detector = LanguageDetector(default_language="en", supported=("nl", "en"), min_letters=100)
    assert detector.detect("ff vragen waar mn pakket blijft") == LanguageResult("en", 0.0, "default")


def test_deterministic_and_global_factory_untouched(detector: LanguageDetector) -> None:
    global_factory, global_seed = langdetect_factory._factory, langdetect_factory.DetectorFactory.seed
    texts = ["ff vragen waar mn pakket blijft", "wanneer gaan jullie open morgen", "hoe is het"]
    first = [detector.detect(text) for text in texts]
    for _ in range(20):
        assert [detector.detect(text) for text in texts] == first
    # langdetect's module-level factory and class seed stay untouched.
    assert langdetect_factory._factory is global_factory
    assert langdetect_factory.DetectorFactory.seed == global_seed


def test_same_seed_same_result_across_instances(detector: LanguageDetector) -> None:
    other = LanguageDetector(seed=0)
    text = "wanneer gaan jullie open morgen"
    assert other.detect(text) == detector.detect(text)


@pytest.mark.parametrize(
    "kwargs",
    [{"default_language": ""}, {"supported": ()}, {"supported": "nl"}, {"min_letters": -1}],
)
def test_invalid_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LanguageDetector(**kwargs)  # type: ignore[arg-type]
