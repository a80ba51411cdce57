"""Adapt an answer text to a brand's tone profile: greeting, register (je/u), emoji, signature, length."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from retrieval.kb_schema import Agent, ToneProfile

# An agent's reply as stored usually starts with a greeting line and ends with a signature; both are
# replaced by the ones of the brand and agent who send the new draft.
_GREETING = re.compile(
    r"^\s*(hoi|hallo|hey|hi|hee|hoii+|goedemorgen|goedemiddag|goedenavond|beste|dag|hello|hé|he)"
    r"((\s+[A-Z][\w'-]*){0,2}\s*[,!.]+|\s*\n|\s*$)\s*",
    re.IGNORECASE,
)
_SIGNATURE_TAIL = re.compile(
    r"(\s*[-–—]?\s*\^[^\W\d_]{1,20}\s*$)"  # ^AB
    r"|(\s*\n?\s*(groetjes|groet|gr|liefs|fijne dag|met vriendelijke groet|mvg|cheers)\b[ ,!.]*[A-Z][a-z]+[ \W]*$)"  # Groetjes, Sanne
    r"|(\s*[-–—/]\s*[A-Z][a-z]{1,12}\s*[^\w\s]{0,3}\s*$)",  # - Sanne
    re.IGNORECASE,
)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b50\u2b06\u2934\u2935\u3030\u303d\u3297\u3299\ufe0f\u200d]+"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

# Register conversion (a heuristic; the fine-tuned generator learns the register properly).
# Inverted verb + pronoun pairs first (kunt u / kun je), then the pronouns themselves.
_VERB_PAIRS = [
    ("kunt", "kun"), ("heeft", "heb"), ("bent", "ben"), ("wilt", "wil"), ("zou", "zou"), ("mag", "mag"),
    ("moet", "moet"), ("ziet", "zie"), ("ontvangt", "ontvang"), ("weet", "weet"), ("vindt", "vind"),
    ("krijgt", "krijg"), ("hoeft", "hoef"), ("zult", "zal"), ("gaat", "ga"), ("doet", "doe"),
]
_VERBS_AFTER_PRONOUN = {
    "kunt", "kan", "hebt", "heeft", "bent", "wilt", "wil", "zou", "mag", "moet", "ziet", "ontvangt", "weet",
    "vindt", "krijgt", "hoeft", "zult", "gaat", "doet", "krijgt", "betaalt", "leent", "bestelt", "staat",
}
_OBJECT_CONTEXT = {
    "een", "de", "het", "dit", "dat", "graag", "ook", "nog", "wel", "niet", "even", "zo", "morgen", "vandaag",
    "direct", "meteen", "verder", "binnen", "voor", "met", "op", "in", "door", "daar", "hier", "dan", "snel",
    "gelijk", "terug", "toe", "mee", "aan", "bij", "zsm", "per", "zelf",
}
_NEXT_WORD = re.compile(r"\b(je|jij|jou|jouw|u|uw)\b(?=\s*(\w*))", re.IGNORECASE)


def _keep_case(source: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if source[:1].isupper() else replacement


def to_register(text: str, register: str) -> str:
    """Rewrite the address form of ``text`` to ``register`` ('je' or 'u')."""
    for formal, informal in _VERB_PAIRS:
        src, dst = (rf"\b{formal} u\b", f"{informal} je") if register == "je" else (rf"\b{informal} je\b", f"{formal} u")
        text = re.sub(src, lambda m, d=dst: _keep_case(m.group(0), d), text, flags=re.IGNORECASE)

    def pronoun(m: re.Match[str]) -> str:
        word, following = m.group(1), m.group(2)
        low = word.lower()
        if register == "je":
            new = {"u": "je", "uw": "je"}.get(low, low)
        elif low in ("jouw",):
            new = "uw"
        elif low in ("jij", "jou"):
            new = "u"
        elif low == "je":
            nxt = following.lower()
            new = "u" if (not nxt or nxt in _VERBS_AFTER_PRONOUN or nxt in _OBJECT_CONTEXT) else "uw"
        else:
            new = low
        return _keep_case(word, new)

    return _NEXT_WORD.sub(pronoun, text)


DEFAULT_PRIVACY_NOTICE = {
    "je": "Deel je gegevens liever niet openbaar: haal je bericht weg en stuur ons een DM of WhatsApp, dan helpen we je daar verder.",
    "u": "Deel uw gegevens liever niet openbaar: verwijder uw bericht en stuur ons een DM of WhatsApp, dan helpen wij u daar verder.",
}


@dataclass
class ToneResult:
    text: str
    notes: list[str] = field(default_factory=list)


def strip_frame(text: str) -> str:
    """Remove a leading greeting and a trailing signature from an agent's reply."""
    body = text.strip()
    body = _GREETING.sub("", body, count=1).strip()
    body = body[:1].upper() + body[1:]
    previous = None
    while previous != body:
        previous = body
        body = _SIGNATURE_TAIL.sub("", body).strip()
    return body



# A line break inside a paragraph (canned answers are stored as wrapped YAML blocks), not before a
# blank line or a list item: it becomes a space, so "tik op\nVerlengen" reads as one sentence.
_HARD_WRAP = re.compile(r"(?<=\S)[ \t]*\n(?![ \t]*(?:\n|[-*•]\s|\d+[.)]\s))[ \t]*(?=\S)")


# A short exclamation that answered the other customer's situation ("Gefeliciteerd!", "Beterschap!",
# "Wat leuk!") makes no sense in a reply to someone else: dropped when a reused answer starts with it.
_CONTEXT_INTERJECTION = re.compile(
    r"^(?:gefeliciteerd|beterschap|gecondoleerd|sterkte|hoera|oei|oeps|balen|jammer|graag gedaan|dank je wel|dankjewel|"
    r"bedankt|wat (?:leuk|fijn|goed|sneu|naar|balen|jammer|een pech|stom|vervelend))(?:\s+[\w'-]+){0,3}\s*!+\s+(?=\S)",
    re.IGNORECASE,
)


def drop_context_interjection(text: str) -> str:
    """``text`` without a leading context-bound exclamation (see ``_CONTEXT_INTERJECTION``)."""
    rest = _CONTEXT_INTERJECTION.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest != text else text


def unwrap(text: str) -> str:
    """Join hard-wrapped lines; paragraphs and list items keep their line breaks."""
    return _HARD_WRAP.sub(" ", text)


def remove_emoji(text: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", _EMOJI.sub("", text)).strip()


def signature(profile: ToneProfile, agent: Agent) -> str:
    return profile.signature_template.format(initials=agent.initials, first_name=agent.first_name)


def fit_length(body: str, limit: int) -> str:
    """Cut ``body`` on a sentence boundary so that it fits ``limit`` characters."""
    if len(body) <= limit:
        return body
    kept = ""
    for sentence in _SENTENCE.split(body):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if not kept:  # one sentence longer than the limit: cut on a word boundary
        kept = body[: max(limit - 1, 1)].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return kept


def apply_tone(
    body: str,
    profile: ToneProfile,
    agent: Agent,
    *,
    greeting_index: int = 0,
    length_limit: int | None = None,
    prefix: str | None = None,
) -> ToneResult:
    """Compose greeting + body + signature in the brand's register, within the channel's limit."""
    notes: list[str] = []
    core = drop_context_interjection(unwrap(strip_frame(body)))
    converted = to_register(core, profile.address_form)
    if converted != core:
        notes.append(f"register converted to '{profile.address_form}'")
    core = converted
    if not profile.emoji:
        cleaned = remove_emoji(core)
        if cleaned != core:
            notes.append("emoji removed (brand uses none)")
        core = cleaned
    if prefix:
        core = f"{prefix} {core}".strip()
    greeting = profile.greetings[greeting_index % len(profile.greetings)]
    sign = signature(profile, agent)
    joiner = " " if length_limit is not None and length_limit <= 300 else "\n"
    if length_limit is not None:
        room = length_limit - len(greeting) - len(sign) - 2 * len(joiner)
        fitted = fit_length(core, max(room, 20))
        if fitted != core:
            notes.append(f"shortened to fit the channel limit of {length_limit} characters")
        core = fitted
    return ToneResult(text=f"{greeting}{joiner}{core}{joiner}{sign}".strip(), notes=notes)
