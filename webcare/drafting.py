"""Retrieval-based drafts: the best retrieved answers, re-framed in the brand's tone for this channel."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.kb_schema import BrandProfile
from retrieval.retriever import Hit
from webcare.consensus import consensus_order
from webcare.tone import apply_tone, strip_frame
from webcare.types import Draft, Source

ANSWER_KINDS = ("past_answer", "canned")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# The answer itself already moves the customer to a private channel: the privacy notice would say it twice.
_ASKS_PRIVATE = re.compile(r"\bDM\b|\bpriv[ée]\s?bericht|\bwhatsapp\b", re.IGNORECASE)


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", strip_frame(text).lower()).strip()


def _source(hit: Hit) -> Source:
    return Source(
        id=hit.passage.id,
        kind=hit.passage.kind,
        score=round(hit.score, 4),
        title=hit.passage.title,
        article_id=hit.passage.article_id,
    )


def supported(draft: Draft) -> bool:
    """The draft's answer is backed by the knowledge base: the best retrieved article is the very
    article the vetted answer is based on. A second, independent signal that it answers this question
    (held-out past answers: true for 70-79% of right top answers, 11-15% of wrong ones)."""
    if not draft.sources:
        return False
    answer, articles = draft.sources[0], [s for s in draft.sources[1:] if s.kind == "article"]
    return answer.article_id is not None and bool(articles) and articles[0].article_id == answer.article_id


class RetrievalDrafter:
    """Turns retrieval hits into up to ``n`` distinct drafts, best first.

    ``candidates``: how many distinct answers are gathered before the ``n`` shown are chosen; with 3
    or more they are ordered by consensus (webcare/consensus.py: the answer the others agree with
    most comes first), else by retrieval score."""

    def __init__(self, n_drafts: int = 3, article_sentences: int = 3, candidates: int = 5) -> None:
        self.n_drafts = n_drafts
        self.article_sentences = article_sentences
        self.candidates = candidates

    def draft(
        self,
        hits: Sequence[Hit],
        profile: BrandProfile,
        *,
        agent: str | None = None,
        length_limit: int | None = None,
        prefix: str | None = None,
        n: int | None = None,
    ) -> list[Draft]:
        wanted = n or self.n_drafts
        pool = max(wanted, self.candidates)
        signer = profile.agent(agent)
        answers = [h for h in hits if h.passage.kind in ANSWER_KINDS]
        articles = [h for h in hits if h.passage.kind == "article"]
        chosen: list[tuple[Hit, str]] = []
        seen: set[str] = set()
        for hit in answers:
            key = _key(hit.passage.content)
            if key and key not in seen:
                seen.add(key)
                chosen.append((hit, hit.passage.content))
            if len(chosen) == pool:
                break
        for hit in articles:  # too few answers: fall back to the best article passages
            if len(chosen) >= wanted:
                break
            body = " ".join(_SENTENCE.split(hit.passage.content)[: self.article_sentences])
            key = _key(body)
            if key and key not in seen:
                seen.add(key)
                chosen.append((hit, body))

        if self.candidates >= 3:
            chosen = [chosen[i] for i in consensus_order([strip_frame(body) for _, body in chosen])]
        chosen = chosen[:wanted]
        drafts: list[Draft] = []
        for rank, (hit, body) in enumerate(chosen):
            notice = None if prefix and _ASKS_PRIVATE.search(body) else prefix
            toned = apply_tone(body, profile.tone, signer, greeting_index=rank, length_limit=length_limit, prefix=notice)
            if prefix and notice is None and not _ASKS_PRIVATE.search(toned.text):  # the channel limit cut that part
                toned = apply_tone(body, profile.tone, signer, greeting_index=rank, length_limit=length_limit, prefix=prefix)
            support = [_source(h) for h in articles[:2] if h.passage.id != hit.passage.id]
            drafts.append(
                Draft(
                    text=toned.text,
                    score=round(hit.score, 4),
                    sources=[_source(hit), *support],
                    method="retrieval",
                    notes=toned.notes,
                )
            )
        return drafts
