"""Tone-of-voice guard: every draft (generated or retrieval-based) is checked against the brand's
``brand.yaml`` before it is shown, then repaired where that is safe, else ranked down. Every finding
is written to ``Draft.notes`` (prefix ``guard:``), so the agent sees why.

| rule | action |
| --- | --- |
| personal data echoed on a public channel | repaired: masked |
| emoji where the brand uses none | repaired: removed |
| je/u inconsistent with the brand's register | repaired: converted (webcare/tone.py) |
| cliche opener (brand.yaml ``cliche_openers``) | repaired: opening sentence dropped; ranked down if nothing is left |
| forbidden phrase / sending the customer elsewhere | repaired: sentence dropped; ranked down if it was the answer |
| fact (number, time, price, URL, e-mail, phone) in neither sources, message, thread nor brand.yaml | ranked down |
| repeats 8+ consecutive words of the customer's message back | ranked down |
| a sentence in neither the brand's language nor the customer's (needs a language detector in the context) | repaired: sentence dropped; ranked down if it was the answer |
| a word that exists nowhere: in no lexicon, the brand's KB, the sources nor the message (needs a vocabulary) | ranked down |
| signature missing or another agent's | repaired: the signing agent's signature |
| longer than the channel limit | repaired: cut on a sentence boundary |

The fact check is webcare/grounding.py (shared with eval); the echo and language checks are
webcare/coherence.py (shared with the generator's ranking).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.language import LanguageDetector
from models.pii import PiiDetector
from models.vocabulary import Vocabulary
from retrieval.kb_schema import Agent, BrandProfile
from webcare.coherence import ECHO_MIN_WORDS, SENTENCE, clip, foreign_sentences, message_language, shared_run
from webcare.grounding import check_grounding
from webcare.handover import handover_texts
from webcare.tone import _EMOJI, _GREETING, fit_length, remove_emoji, signature, to_register
from webcare.types import Draft

# Sending the customer elsewhere instead of helping (always checked, on top of the brand's list).
REDIRECT_PHRASES: tuple[str, ...] = (
    "kijk op onze website",
    "kijk even op onze website",
    "kijk op de website",
    "zie onze website",
    "neem contact op met de klantenservice",
    "neem contact op met onze klantenservice",
    "neem dan contact op met de klantenservice",
    "bel de klantenservice",
    "bel onze klantenservice",
    "vul het formulier in",
    "vul het contactformulier in",
    "via het contactformulier",
    "neem contact op met een andere afdeling",
)
# Every rule code a finding can carry, in the order they are checked (eval counts them per code).
GUARD_RULES: tuple[str, ...] = (
    "pii_public",
    "emoji",
    "register",
    "cliche_opener",
    "forbidden_phrase",
    "redirect",
    "ungrounded",
    "echo",
    "language",
    "unknown_word",
    "signature",
    "over_limit",
)
PENALTY_UNREPAIRED = 0.25
PENALTY_UNGROUNDED = 0.5
_INFORMAL = re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE)
_FORMAL = re.compile(r"\b(u|uw)\b", re.IGNORECASE)
_SIGNATURE_AT_END = re.compile(r"\s*[-–—]?\s*\^[^\W\d_]{1,20}\s*$")


@dataclass
class GuardContext:
    profile: BrandProfile
    channel: str
    agent: Agent
    message: str
    thread: Sequence[str] = ()
    sources: Sequence[str] = ()
    pii: PiiDetector | None = None
    language: LanguageDetector | None = None
    vocabulary: Vocabulary | None = None

    @property
    def public(self) -> bool:
        return self.profile.is_public(self.channel)

    def evidence(self) -> list[str]:
        return draft_evidence(self.sources, self.message, self.thread, self.profile)


@dataclass
class GuardFinding:
    rule: str
    detail: str
    repaired: bool


@dataclass
class GuardResult:
    text: str
    findings: list[GuardFinding] = field(default_factory=list)

    @property
    def unrepaired(self) -> list[GuardFinding]:
        return [f for f in self.findings if not f.repaired]


def profile_evidence(profile: BrandProfile) -> list[str]:
    """Facts a brand states about itself in brand.yaml (opening hours, contacts, its hand-over texts):
    not invented."""
    hours = [f"{day} {value}" for day, value in profile.webcare_hours.items()]
    return [*hours, *profile.escalation_contacts.values(), *handover_texts(profile)]


def draft_evidence(sources: Sequence[str], message: str, thread: Sequence[str], profile: BrandProfile) -> list[str]:
    """What a draft's facts may come from: its sources, the message, the thread, the brand's own facts."""
    return [*sources, message, *thread, *profile_evidence(profile)]


def _split_frame(text: str, ctx: GuardContext) -> tuple[str, str, str]:
    """(greeting, body, signature) of a draft."""
    greeting = ""
    m = _GREETING.match(text)
    if m:
        greeting, text = text[: m.end()], text[m.end() :]
    sign = ""
    s = _SIGNATURE_AT_END.search(text)
    if s:
        sign, text = text[s.start() :], text[: s.start()]
    return greeting, text.strip(), sign.strip()


def _join(greeting: str, body: str, sign: str, ctx: GuardContext) -> str:
    limit = ctx.profile.channel_limits.get(ctx.channel)  # type: ignore[call-overload]
    joiner = " " if limit is not None and limit <= 300 else "\n"
    return joiner.join(part.strip() for part in (greeting, body, sign) if part.strip())


def _sentences(body: str) -> list[str]:
    return [s for s in (m.group(0) for m in SENTENCE.finditer(body)) if s.strip()]


def _drop_sentences(body: str, needle: str) -> tuple[str, bool]:
    """``body`` without the sentences containing ``needle``; False when nothing would be left."""
    kept = [s for s in _sentences(body) if needle not in s.lower()]
    rest = " ".join(s.strip() for s in kept).strip()
    return rest, len(rest.split()) >= 4


def check_draft(text: str, ctx: GuardContext) -> GuardResult:
    """Check and repair one draft text."""
    profile, tone = ctx.profile, ctx.profile.tone
    findings: list[GuardFinding] = []
    greeting, body, sign = _split_frame(text.strip(), ctx)

    # personal data on a public channel
    if ctx.public and ctx.pii is not None:
        masked = ctx.pii.mask(body)
        if masked != body:
            body = masked
            findings.append(GuardFinding("pii_public", "personal data removed: public channel", True))
    # emoji
    if not tone.emoji and (_EMOJI.search(body) or _EMOJI.search(greeting)):
        body, greeting = remove_emoji(body), remove_emoji(greeting)
        findings.append(GuardFinding("emoji", "emoji removed (brand uses none)", True))
    # je/u
    wrong = _FORMAL if tone.address_form == "je" else _INFORMAL
    if wrong.search(body):
        body = to_register(body, tone.address_form)
        findings.append(GuardFinding("register", f"je/u inconsistent: converted to '{tone.address_form}'", True))
    # cliche openers
    low = body.lower()
    for opener in tone.cliche_openers:
        if low.startswith(opener.lower()):
            first = _sentences(body)[0] if _sentences(body) else body
            rest = body[len(first) :].strip() if body.startswith(first) else ""
            if len(rest.split()) >= 4:
                body = rest[:1].upper() + rest[1:]
                findings.append(GuardFinding("cliche_opener", f"cliche opener '{opener}' removed", True))
            else:
                findings.append(GuardFinding("cliche_opener", f"starts with the cliche '{opener}'", False))
            break
    # forbidden phrases / sending the customer elsewhere
    for phrase in dict.fromkeys(p.lower() for p in (*tone.forbidden_phrases, *REDIRECT_PHRASES)):
        if phrase in body.lower():
            rest, ok = _drop_sentences(body, phrase)
            rule = "redirect" if phrase in REDIRECT_PHRASES else "forbidden_phrase"
            if ok:
                body = rest
                findings.append(GuardFinding(rule, f"removed '{phrase}'", True))
            else:
                findings.append(GuardFinding(rule, f"contains '{phrase}'", False))
    # facts that nothing supports
    evidence = ctx.evidence()
    grounding = check_grounding(body, evidence)
    if grounding.invented:
        facts = ", ".join(dict.fromkeys(f.raw for f in grounding.invented))
        findings.append(GuardFinding("ungrounded", f"facts in neither sources nor message: {facts}", False))
    # the customer's own words back
    echoed = shared_run(body, ctx.message, ECHO_MIN_WORDS)
    if echoed:
        findings.append(GuardFinding("echo", f"repeats the customer's message: '{clip(echoed)}'", False))
    # sentences in another language
    if ctx.language is not None:
        customer = message_language(ctx.message, ctx.language, ctx.thread)
        for sentence in foreign_sentences(body, ctx.language, profile.language, also=[customer] if customer else []):
            rest, ok = _drop_sentences(body, sentence.lower())
            if ok:
                body = rest
                findings.append(GuardFinding("language", f"removed a sentence not in the brand's language: '{clip(sentence)}'", True))
            else:
                findings.append(GuardFinding("language", f"not in the brand's language: '{clip(sentence)}'", False))
    # words that exist nowhere
    if ctx.vocabulary is not None:
        unknown = ctx.vocabulary.unknown(body, evidence)
        if unknown:
            findings.append(GuardFinding("unknown_word", f"words that exist nowhere: {', '.join(unknown[:5])}", False))
    # signature
    wanted = signature(tone, ctx.agent)
    if sign != wanted:
        detail = "signature added" if not sign else f"signature {sign!r} replaced by {wanted!r}"
        findings.append(GuardFinding("signature", detail, True))
        sign = wanted
    # channel length
    limit = profile.channel_limits.get(ctx.channel)  # type: ignore[call-overload]
    text_out = _join(greeting, body, sign, ctx)
    if limit is not None and len(text_out) > limit:
        room = limit - len(_join(greeting, "", sign, ctx)) - 1
        body = fit_length(body, max(room, 20))
        text_out = _join(greeting, body, sign, ctx)
        findings.append(GuardFinding("over_limit", f"shortened to the channel limit of {limit} characters", True))
    if not any(f.repaired for f in findings):  # nothing repaired: keep the draft's own layout
        text_out = text.strip()
    return GuardResult(text_out, findings)


def draft_violations(text: str, ctx: GuardContext) -> list[str]:
    """The guard rules that a finished (shown) draft still breaks, each once, in ``GUARD_RULES`` order.

    Eval calls this on the drafts the pipeline returned, so QA figures and the serving guard can
    never disagree: a repaired draft passes, a ranked-down one keeps its rule."""
    found = {f.rule for f in check_draft(text, ctx).findings}
    return [rule for rule in GUARD_RULES if rule in found]


def guard_drafts(drafts: Sequence[Draft], ctx_for: GuardContext | Sequence[GuardContext]) -> list[Draft]:
    """Apply the guard to every draft; drafts with unrepaired findings are ranked down (stable order
    otherwise: generator drafts stay ahead of the retrieval fallback)."""
    contexts = [ctx_for] * len(drafts) if isinstance(ctx_for, GuardContext) else list(ctx_for)
    ranked: list[tuple[int, int, Draft]] = []
    for position, (draft, ctx) in enumerate(zip(drafts, contexts, strict=True)):
        result = check_draft(draft.text, ctx)
        draft.text = result.text
        penalty = 0.0
        for finding in result.findings:
            state = "repaired" if finding.repaired else "ranked down"
            draft.notes.append(f"guard: {finding.detail} ({state})")
            if not finding.repaired:
                penalty += PENALTY_UNGROUNDED if finding.rule == "ungrounded" else PENALTY_UNREPAIRED
        draft.score = round(max(draft.score - penalty, 0.0), 4)
        ranked.append((len(result.unrepaired), position, draft))
    ranked.sort(key=lambda item: (item[0] > 0, item[0], item[1]))
    return [d for _, _, d in ranked]


def guard_context(draft: Draft, runtime: object, request: object, language: LanguageDetector | None = None) -> GuardContext:
    """The guard context of one pipeline draft: its sources' text from the brand's index; ``language``
    enables the checks for sentences in another language and for words that exist nowhere."""
    store = runtime.store  # type: ignore[attr-defined]
    profile = runtime.kb.profile  # type: ignore[attr-defined]
    sources = [p.content for s in draft.sources if (p := store.get(s.id)) is not None]
    sources += [p.text for s in draft.sources if (p := store.get(s.id)) is not None]
    return GuardContext(
        profile=profile,
        channel=str(request.channel),  # type: ignore[attr-defined]
        agent=profile.agent(request.agent),  # type: ignore[attr-defined]
        message=request.message,  # type: ignore[attr-defined]
        thread=[t.text for t in request.thread],  # type: ignore[attr-defined]
        sources=sources,
        pii=runtime.pii,  # type: ignore[attr-defined]
        language=language,
        vocabulary=runtime.vocabulary if language is not None else None,  # type: ignore[attr-defined]
    )
