"""Abuse aimed at a group of people, group slurs and counter-speech (models/abuse_rules.py), and how
the ``heated`` detector uses them. Cases written for these tests, not taken from HateCheck-NL."""

from __future__ import annotations

import pytest

from models.abuse_rules import counter_speech, group_abuse, normalise_spelling
from models.escalation_rules import EscalationRules
from models.pii import PiiDetector


@pytest.mark.parametrize(
    "message",
    [
        "Asielzoekers zijn gewoon ongedierte, stuur ze terug.",
        "Alle Marokkanen zijn walgelijk",
        "Een moslim is voor mij minder waard dan vuilnis, echt afval",
        "Ik veracht joden",
        "Gehandicapten horen hier niet thuis",
        "Die vluchtelingen moeten allemaal uitgeroeid worden",
        "Vrouwen zijn dom, klaar.",
        "Ik heb zoveel minachting voor zigeuners",
        "Homo's maken me echt misselijk",
        "Dat is typisch voor Turken. Ze zijn de ergste.",
    ],
)
def test_abuse_aimed_at_a_group_is_found(message: str) -> None:
    assert group_abuse(message) is not None, message


@pytest.mark.parametrize(
    "message",
    [
        "Immigranten zijn v e r a c h t e l i j k",  # spelled out
        "Een buitenlander is niets anders dan afv4l",  # leetspeak
        "Alle vluchtelingen zijn zulke enormeschoften",  # glued to the word before
        "Er zijn te veel roetmoppen hier",  # a slur on its own
        "te veelkamelenneukers in de winkel vandaag",
    ],
)
def test_written_variants_and_slurs_are_found(message: str) -> None:
    assert group_abuse(message) is not None, message


@pytest.mark.parametrize(
    "message",
    [
        "Moslims zijn niet dom.",
        "Ik haat vrouwen niet, waarom zou ik?",
        "We mogen geen enkele vluchteling laten lijden.",
        'Als je zegt "homo\'s zijn walgelijk", dan discrimineer je gewoon.',
        "Je moet ophouden met mensen negers te noemen.",
        "Wij flikkers laten ons niet wegzetten, we zijn er trots op.",
        "Ik viel bijna van mijn fiets flikker, maar het ging goed.",
        "Ik voel me zo dom, als buitenlander snap ik dit formulier niet.",
        "Hebben jullie boeken over vrouwen die lijden aan kanker?",
        "Ik haat het dat vluchtelingen zo lang op een pas moeten wachten.",
        "Is er een taalcursus voor statushouders en nieuwkomers?",
        "Mijn bestelling van 3x 4,99 komt om 12u, 2e verdieping",
    ],
)
def test_negation_counter_speech_and_ordinary_messages_are_left_alone(message: str) -> None:
    assert group_abuse(message) is None, message


def test_spelling_is_normalised_without_touching_numbers() -> None:
    assert normalise_spelling("v e r a c h t e l i j k, afv4l, 3x, 12u, 4e, 4,99") == "verachtelijk, afval, 3x, 12u, 4e, 4,99"


def test_counter_speech_needs_a_rejection_and_a_quote_or_report() -> None:
    quoted = 'Hij schreef "sukkels zijn het", dat is kwetsend.'
    start = quoted.index("sukkels")
    assert counter_speech(quoted, start, start + 7)
    plain = "Sukkels zijn het, allemaal."
    assert not counter_speech(plain, 0, 7)


def test_the_heated_detector_explains_group_abuse_and_skips_quoted_insults() -> None:
    rules = EscalationRules(PiiDetector())
    assert "abuse aimed at a group" in (rules.heated("Marokkanen zijn walgelijk") or "")
    assert "group slur" in (rules.heated("Wat een roetmoppen werken daar") or "")
    assert rules.heated('Mensen die berichten sturen als "jij bent een idioot" worden geblokkeerd.') is None
    assert rules.heated("Jullie zijn idioten") is not None  # an insult not quoted to reject it stays heated
    assert rules.heated("We mogen geen enkele klant laten lijden onder deze storing") is None
    assert "threat of violence" in (rules.heated("Ik zal de kelen van die medewerkers doorsnijden") or "")
