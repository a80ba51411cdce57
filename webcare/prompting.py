"""The generator's prompt: tone profile summary + retrieved passages + thread + message.

One function builds it for training (training/generator_data.py) and for serving
(webcare/generation.py), so the model sees at serving time exactly the format it learned.
Customer text is quoted as evidence; nothing in it changes the instructions.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.kb_schema import Agent, BrandProfile
from retrieval.retriever import Hit
from webcare.tone import signature, strip_frame
from webcare.types import Turn

PROMPT_PASSAGES = 3
PASSAGE_CHARS = 320
TURN_CHARS = 240
CONCEPT_CHARS = 600
THREAD_TURNS = 2
_KIND_LABEL = {"article": "FAQ", "canned": "standaardantwoord", "past_answer": "eerder antwoord"}


def retrieval_query(message: str, thread: Sequence[Turn]) -> str:
    """What is searched for a message: the message, preceded by the previous customer turn when it is
    very short (same rule as the pipeline)."""
    text = " ".join(message.split())
    if len(text.split()) < 4:
        previous = [t.text for t in thread if t.role == "customer"][-1:]
        text = " ".join([*previous, text])
    return text


def select_passages(hits: Sequence[Hit], k: int = PROMPT_PASSAGES) -> list[Hit]:
    """The best ``k`` hits with distinct content."""
    chosen: list[Hit] = []
    seen: set[str] = set()
    for hit in hits:
        key = " ".join(hit.passage.content.lower().split())[:200]
        if key in seen:
            continue
        seen.add(key)
        chosen.append(hit)
        if len(chosen) == k:
            break
    return chosen


def passage_text(hit: Hit, chars: int = PASSAGE_CHARS) -> str:
    p = hit.passage
    body = strip_frame(p.content) if p.kind == "past_answer" else p.content
    body = " ".join(body.split())
    if len(body) > chars:
        body = body[:chars].rsplit(" ", 1)[0] + " …"
    title = f" {p.title}:" if p.title else ""
    return f"({_KIND_LABEL.get(p.kind, p.kind)}){title} {body}"


def _clip(text: str, chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def tone_summary(profile: BrandProfile) -> str:
    tone = profile.tone
    address = "je (informeel)" if tone.address_form == "je" else "u (formeel)"
    emoji = "spaarzaam emoji mag" if tone.emoji else "geen emoji"
    return (
        f"Je bent webcare-medewerker van {profile.name}. Schrijf in het Nederlands, spreek de klant aan met {address}, "
        f"{emoji}. Geef meteen het concrete antwoord uit de bronnen, verwijs niet door, verzin geen feiten. "
        f"Begin met een korte groet en eindig met de ondertekening."
    )


def build_messages(
    profile: BrandProfile,
    *,
    hits: Sequence[Hit],
    thread: Sequence[Turn],
    message: str,
    channel: str,
    agent: Agent,
    length_limit: int | None = None,
    concept: str | None = None,
) -> list[dict[str, str]]:
    """Chat messages (system + user) for the generator. ``concept``: the best retrieval draft, for a
    generator trained to adapt it to this message (an artifact trained with ``concept``)."""
    public = "openbaar" if profile.is_public(channel) else "privé"
    limit = f", max {length_limit} tekens" if length_limit else ""
    lines = [
        f"Kanaal: {channel} ({public}{limit}). Ondertekening: {signature(profile.tone, agent)}",
        "Bronnen:",
    ]
    passages = select_passages(hits)
    lines += [f"[{n}] {passage_text(h)}" for n, h in enumerate(passages, start=1)] or ["(geen)"]
    if concept is not None:
        lines.append(f"Concept-antwoord: {_clip(concept, CONCEPT_CHARS) or '(geen)'}")
    turns = list(thread)[-THREAD_TURNS:]
    if turns:
        lines.append("Gesprek:")
        lines += [f"{'Klant' if t.role == 'customer' else 'Wij'}: {_clip(t.text, TURN_CHARS)}" for t in turns]
    lines.append(f"Bericht van de klant: {_clip(message, 600)}")
    return [{"role": "system", "content": tone_summary(profile)}, {"role": "user", "content": "\n".join(lines)}]
