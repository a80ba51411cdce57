"""Tone-of-voice rule check of a finished draft against the brand's profile (eval; reusable by a guard).

Rules (codes): ``forbidden_phrase``, ``cliche_opener``, ``missing_signature``, ``emoji`` (brand uses
none), ``over_limit`` (longer than the channel's limit).
"""

from __future__ import annotations

from retrieval.kb_schema import BrandProfile
from webcare.tone import _EMOJI, strip_frame

RULES = ("forbidden_phrase", "cliche_opener", "missing_signature", "emoji", "over_limit")


def tone_violations(text: str, profile: BrandProfile, channel: str | None = None) -> list[str]:
    """The rule codes that ``text`` breaks (each at most once), in the order of ``RULES``."""
    found: list[str] = []
    low = text.lower()
    tone = profile.tone
    if any(p.lower() in low for p in tone.forbidden_phrases):
        found.append("forbidden_phrase")
    body = strip_frame(text).lower()
    if any(body.startswith(o.lower()) or low.startswith(o.lower()) for o in tone.cliche_openers):
        found.append("cliche_opener")
    tail = text.rstrip()[-60:]
    signatures = [tone.signature_template.format(initials=a.initials, first_name=a.first_name) for a in profile.agents]
    if not any(sig in tail for sig in signatures):
        found.append("missing_signature")
    if not tone.emoji and _EMOJI.search(text):
        found.append("emoji")
    limit = profile.channel_limits.get(channel) if channel else None  # type: ignore[call-overload]
    if limit is not None and len(text) > limit:
        found.append("over_limit")
    return found
