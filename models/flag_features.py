"""Features for the flag classifiers, shared by training and serving (so both compute them identically).

A message is always read *with its thread*: besides the message's own sentence embedding there is
an embedding of the preceding turns, their element-wise product (does the message agree with the
thread?), and cheap cue features about the thread (earlier complaints, unanswered follow-ups, did
the agent's last reply solve the problem) and the message (praise words, #not, ironic emoji,
hyperbole, mock thanks, capitals, exclamation marks). The transparent escalation detectors' hits
are features too, so the escalation classifier learns on top of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from models.escalation_rules import _COMPLAINT, _IRONY_MARK, _REPEAT_MARK, _RESOLVED, ThreadState, thread_state
from models.lexicon import rx

# keep this order stable: it is stored with every artifact and checked when one is loaded
REASONS: tuple[str, ...] = ("privacy", "legal", "media", "churn", "safety", "security", "repeated", "heated")
CONTEXT_TURNS = 4


_PRAISE = rx(
    r"goed bezig", r"lekker bezig", r"top", r"toppers?", r"topteam", r"super\w*", r"geweldig\w*", r"fantastisch\w*", r"prachtig",
    r"fijn\w*", r"heerlijk", r"gezellig", r"leuk\w*", r"mooi\w*", r"chapeau", r"petje af", r"hulde", r"wauw", r"briljant\w*",
    r"love(?: it)?", r"bedankt", r"dank\w*", r"hartelijk dank", r"geregeld", r"behulpzaam", r"klantvriendelijk\w*", r"service",
    r"wat een", r"echt (?:top|fijn|super|lief|geweldig)", r"lief", r"knap", r"handig", r"goed geregeld", r"thanks?", r"great",
)
_HOOR = rx(r"hoor", r"zeker", r"natuurlijk", r"vast", r"echt")
_IRONY_TAG = re.compile(r"#(?:not|sarcasme|ironie|sarcasm|irony|vooruitgang)\b", re.IGNORECASE)
_IRONIC_EMOJI = re.compile("[🙄🙃😒😏👏🙌🥱🎩🚀]")
_POSITIVE_EMOJI = re.compile("[😊🙂😍🤩😄😁💐👍🎉❤🥰🙏👌☕]")
_SCARE_QUOTES = re.compile(r"['‘\"“][^'’\"”]{2,30}['’\"”]")
_DURATION = rx(r"(?:pas |al |slechts |na )?\d+ (?:dagen|weken|maanden|uur|minuten|werkdagen|herinneringen)", r"dag \d+", r"\d+ (?:dagen|weken) later")
_HYPERBOLE = rx(
    r"eeuwigheid", r"steentijd", r"pensioen\w*", r"kleinkinderen", r"postduif", r"wereldklasse", r"jarig", r"verouderd", r"sahara",
    r"noordpool", r"feestje", r"oh wacht", r"geoliede machine", r"bodem van de noordzee", r"nooit", r"altijd", r"elke keer", r"heel nederland",
    r"testament", r"wereld ?reis", r"de wereld (?:rond|over)", r"verkiezingen", r"paspoort", r"ooit", r"volgend jaar", r"volgende eeuw", r"dinosaur\w*",
    r"ganzenveer", r"met pensioen", r"gutenberg", r"aquarium", r"ijstijd", r"in welk jaar", r"which year", r"meer van (?:nederland|de wereld) gezien",
)
# something went wrong: events customers complain about (broader than _COMPLAINT; for the incongruity cues)
_TROUBLE = rx(
    r"wacht\w*", r"wachtrij", r"\w*annule\w*", r"cancel\w*", r"kwijt\w*", r"te laat", r"dicht", r"gesloten", r"boete\w*", r"vertraa?gd?\w*",
    r"verkeerde?", r"lek\w*", r"crash\w*", r"offline", r"storing", r"weggegooid", r"zonder (?:iets|het|te|bericht|melding)", r"uitgelogd", r"logt \w+ uit",
    r"\d+ (?:dagen|weken|maanden|uur|minuten|kwartier)", r"kapot\w*", r"defect", r"lege doos", r"in de regen", r"(?:opnieuw|weer) (?:\w+ )?(?:vrij|wachten|bellen)",
    r"(?:kan|kon|lukt|lukte) (?:\w+ ){0,3}niet (?:meer )?(?:inloggen|betalen|bestellen|bellen|openen|verlengen|lenen)", r"niet meer (?:inloggen|werken|werkt)",
)
# set phrases that carry the irony themselves ("Logisch!", "klassiek", "op z'n best", "zal wel")
_IRONIC_PHRASE = rx(
    r"logisch!*", r"klassiek\w*", r"op z['’]n best", r"staaltje", r"zal wel", r"wat een verrassing", r"wie had dat gedacht", r"hou van verrassingen",
    r"lekker (?:dan|hoor|bezig)", r"goed bezig", r"knap (?:hoor|gedaan|staaltje)", r"gefeliciteerd", r"applaus\w*", r"houdt het (?:leven )?spannend",
    r"scherp", r"consistent\w*", r"helemaal (?:top|goed|prima)", r"ik voel me (?:echt )?(?:gehoord|gezien|gewaardeerd)", r"10/10", r"vooruitgang",
    # a claim taken back ("'vandaag bezorgd'. Niet dus."), mock agreement
    r"niet dus", r"ja hoor[,.!]", r"ja ja", r"yeah right", r"tuurlijk",
)
_LAUGH = re.compile("[😂🤣]|\\b(?:haha+|hihi|lol)\\b", re.IGNORECASE)
_MOCK_THANKS = rx(r"(?:bedankt|dank\w*) (?:\w+ ){0,3}voor (?:niks|niets|helemaal niks)", r"voor niks", r"dankzij jullie", r"ik voel me (?:echt )?gehoord")
_NEGATIVE = rx(
    r"jammer", r"balen", r"vervelend", r"teleurgesteld", r"slecht\w*", r"waardeloo\w*", r"belachelijk", r"schandalig", r"boos", r"klaar mee",
    r"zat", r"irritant", r"frustrerend", r"onacceptabel", r"helaas",
)


def context_text(thread: Sequence[tuple[str, str]]) -> str:
    """The last turns of the thread as one text for the context embedding ('' when there is none)."""
    turns = thread[-CONTEXT_TURNS:]
    return " | ".join(f"{'klant' if role == 'customer' else 'medewerker'}: {' '.join(text.split())}" for role, text in turns)


def _count(pattern: re.Pattern[str], text: str) -> float:
    return float(len(pattern.findall(text)))


def cue_features(message: str, thread: Sequence[tuple[str, str]], rule_reasons: Sequence[str], state: ThreadState | None) -> np.ndarray:
    """Cheap, readable features of the message and its thread (float32 vector, see CUE_NAMES)."""
    state = state or thread_state(thread, message)
    letters = [c for c in message if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
    praise = _count(_PRAISE, message)
    complaint = _count(_COMPLAINT, message)
    trouble = _count(_TROUBLE, message)
    has_thread = float(bool(thread))
    unresolved = float(has_thread and state.earlier_complaints > 0 and not state.last_agent_resolves)
    resolved = float(has_thread and state.last_agent_resolves)
    values = [
        min(praise, 4.0),
        float(bool(_IRONY_TAG.search(message))),
        _count(_IRONIC_EMOJI, message),
        _count(_POSITIVE_EMOJI, message),
        float(bool(_HOOR.search(message))),
        float(bool(_SCARE_QUOTES.search(message))),
        float(bool(_DURATION.search(message))),
        min(complaint, 4.0),
        float(bool(_RESOLVED.search(message))),
        float(bool(_HYPERBOLE.search(message))),
        float(bool(_MOCK_THANKS.search(message))),
        float(bool(_NEGATIVE.search(message))),
        float(bool(_REPEAT_MARK.search(message))),
        float(bool(_IRONY_MARK.search(message))),
        float(np.log1p(message.count("!"))),
        float(np.log1p(message.count("?"))),
        caps,
        float(np.log1p(len(message.split()))),
        has_thread,
        float(np.log1p(state.earlier_customer)) if thread else 0.0,
        float(np.log1p(state.agent_turns)) if thread else 0.0,
        float(state.earlier_complaints > 0) if thread else 0.0,
        float(np.log1p(state.unanswered_followups)) if thread else 0.0,
        resolved,
        float(has_thread and state.last_agent_defers),
        float(bool(thread and state.followup_repeat)),
        state.overlap if thread else 0.0,
        unresolved * min(praise, 2.0),
        resolved * min(praise, 2.0),
        float(praise > 0 and complaint > 0),
        float(praise > 0 and not thread and complaint == 0),
        min(trouble, 3.0),
        float(praise > 0 and trouble > 0),
        float(bool(_IRONIC_PHRASE.search(message))),
        float(bool(_LAUGH.search(message)) and (trouble > 0 or complaint > 0)),
    ]
    values += [float(r in rule_reasons) for r in REASONS]
    return np.asarray(values, dtype=np.float32)


CUE_NAMES: tuple[str, ...] = (
    "praise", "irony_tag", "ironic_emoji", "positive_emoji", "hoor", "scare_quotes", "duration", "complaint", "resolved_words",
    "hyperbole", "mock_thanks", "negative_words", "repeat_mark", "irony_mark", "exclamations", "questions", "caps_ratio", "log_words",
    "has_thread", "earlier_customer", "agent_turns", "earlier_complaint", "unanswered_followups", "agent_resolved", "agent_deferred",
    "followup_repeat", "overlap", "praise_x_unresolved", "praise_x_resolved", "praise_and_complaint", "praise_alone",
    "trouble", "praise_and_trouble", "ironic_phrase", "laugh_over_trouble",
) + tuple(f"rule_{r}" for r in REASONS)


def dense_features(cues: np.ndarray, message_vec: np.ndarray, context_vec: np.ndarray | None) -> np.ndarray:
    """[cues | message embedding | context embedding | message*context] (context zero without a thread)."""
    ctx = context_vec if context_vec is not None else np.zeros_like(message_vec)
    return np.concatenate([cues, message_vec, ctx, message_vec * ctx]).astype(np.float32)
