"""Hand-over drafts for escalated messages.

A legal threat, a press question, a safety or security report, a repeated complaint, a customer about
to leave or a heated thread rarely wants an FAQ answer: the agent needs a reply that takes the matter
on and says who picks it up. When the escalation flag is raised for one of ``HANDOVER_REASONS`` the
pipeline puts such a draft first, written in the brand's tone (greeting, je/u, signature, channel
length) from ``brand.yaml`` ``handover_templates`` or the defaults below. The internal contact the
agent hands over to (``escalation_contacts``) stays in the draft's notes, never in the text.

For ``STANDALONE_REASONS`` (safety, security, legal, media) the retrieval drafts are kept only when
they fit: the best vetted answer and the best knowledge-base article agree (``drafting.supported``).
An unrelated FAQ answer to a legal threat is worse than none. For the other reasons the customer's
actual problem still matters, so the retrieval drafts stay behind the hand-over draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from retrieval.kb_schema import BrandProfile
from webcare.drafting import supported
from webcare.tone import apply_tone, to_register
from webcare.types import Draft, EscalationFlag

# Most serious first: a message with several reasons gets the template of the first one.
HANDOVER_REASONS: tuple[str, ...] = ("safety", "security", "legal", "media", "repeated", "churn", "heated")
STANDALONE_REASONS: frozenset[str] = frozenset({"safety", "security", "legal", "media"})

# Written in the "je" form; brands that say "u" get them converted (tone.to_register).
DEFAULT_HANDOVER: dict[str, str] = {
    "safety": (
        "Dit pakken we meteen op. Is er iemand gewond of is er direct gevaar, bel dan eerst 112. "
        "Ik geef je melding nu door aan de collega die hierover gaat; die neemt vandaag nog contact met je op."
    ),
    "security": (
        "Goed dat je dit meteen meldt. Wijzig voor de zekerheid nu je wachtwoord en klik niet op links uit "
        "verdachte berichten. Ik zet je melding direct door naar onze beveiligingscollega's; zij zoeken het "
        "vandaag uit en laten je weten wat er is gebeurd."
    ),
    "legal": (
        "Dit nemen we serieus. Ik leg je bericht vandaag nog voor aan onze collega's van juridische zaken en "
        "zorg dat er iemand persoonlijk op terugkomt. Wil je me de details sturen? Dan zoeken we meteen uit "
        "waar het misging."
    ),
    "media": (
        "Dank dat je ons dit laat weten. Ik breng je bericht meteen onder de aandacht van onze woordvoerder, "
        "die vandaag nog persoonlijk contact met je opneemt."
    ),
    "repeated": (
        "Je hebt dit al eerder gemeld en het is nog steeds niet opgelost; dat had niet zo mogen lopen. "
        "Ik neem het vanaf nu persoonlijk over en kom vandaag bij je terug met een concrete stand van zaken."
    ),
    "churn": (
        "Jammer dat je erover denkt om weg te gaan. Voor je een besluit neemt: ik zoek graag met je uit wat "
        "er misging en wat we eraan kunnen doen. Wil je me vertellen waar het precies om gaat?"
    ),
    "heated": (
        "Ik merk dat je er helemaal klaar mee bent, en dat snap ik. Ik wil het graag voor je oplossen: "
        "vertel je me waar het precies misging?"
    ),
}
# Public channels: continue in private. After a template that already asks something, only say where.
_PRIVATE_FOLLOW_UP = "Zullen we verder gaan via een privébericht?"
_PRIVATE_WHERE = "Dat kan via een privébericht."


def handover_text(profile: BrandProfile, reason: str) -> str:
    """The brand's template for ``reason`` (its own, else the default), in the brand's register."""
    return _brand_texts(profile)[HANDOVER_REASONS.index(reason)]


def handover_texts(profile: BrandProfile) -> list[str]:
    """Every hand-over text this brand can send: what the brand itself states (guard evidence)."""
    return list(_brand_texts(profile))


def _brand_texts(profile: BrandProfile) -> tuple[str, ...]:
    # the guard asks for every draft: the converted texts are cached per register and templates
    return _handover_texts(profile.tone.address_form, tuple(sorted(profile.handover_templates.items())))


@lru_cache(maxsize=64)
def _handover_texts(address_form: str, templates: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    own = dict(templates)
    texts = [own.get(r) or DEFAULT_HANDOVER[r] for r in HANDOVER_REASONS] + [_PRIVATE_FOLLOW_UP, _PRIVATE_WHERE]
    return tuple(to_register(t, address_form) for t in texts)


def handover_reason(escalation: EscalationFlag | None) -> str | None:
    if escalation is None or not escalation.value:
        return None
    return next((r for r in HANDOVER_REASONS if r in escalation.reasons), None)


class HandoverDrafter:
    """Puts a hand-over draft first for escalated messages and drops unrelated drafts where they would hurt."""

    def apply(
        self,
        drafts: Sequence[Draft],
        escalation: EscalationFlag | None,
        profile: BrandProfile,
        *,
        agent: str | None = None,
        public: bool = False,
        length_limit: int | None = None,
        prefix: str | None = None,
    ) -> list[Draft]:
        reason = handover_reason(escalation)
        if reason is None:
            return list(drafts)
        body = handover_text(profile, reason)
        if public and prefix is None:  # the privacy notice already asks for a private channel
            follow_up = _PRIVATE_WHERE if "?" in body else _PRIVATE_FOLLOW_UP
            body = f"{body} {to_register(follow_up, profile.tone.address_form)}"
        toned = apply_tone(body, profile.tone, profile.agent(agent), length_limit=length_limit, prefix=prefix)
        note = f"hand-over draft ({reason}): takes the matter on; the escalation note names who picks it up"
        handover = Draft(text=toned.text, score=1.0, sources=[], method="handover", notes=[note, *toned.notes])
        kept = list(drafts)
        if reason in STANDALONE_REASONS:
            kept = [d for d in drafts if d.sources and supported(d)]
            dropped = len(drafts) - len(kept)
            if dropped:
                handover.notes.append(f"{dropped} retrieval draft(s) left out: no knowledge-base answer fits this message")
        return [handover, *kept]
