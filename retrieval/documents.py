"""Passages: the unit that is embedded, indexed and retrieved, built from a brand's KB items."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from retrieval.chunking import chunk_text
from retrieval.kb_loader import BrandKB
from retrieval.kb_schema import Article, CannedAnswer, PastAnswer

PassageKind = Literal["article", "canned", "past_answer"]


class Passage(BaseModel):
    """One retrievable item. ``text`` is what is matched; ``content`` is what a draft may reuse."""

    id: str  # stable: "<kind>:<item id>[#chunk]"
    kind: PassageKind
    item_id: str  # the KB item it came from
    title: str | None = None
    text: str
    content: str
    article_id: str | None = None
    channel: str | None = None
    meta: dict[str, str] = Field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the embedded text changes (used to skip unchanged items on update)."""
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()[:16]


def article_passages(article: Article, *, chunk_words: int = 120, overlap: int = 30) -> list[Passage]:
    chunks = chunk_text(article.body, max_words=chunk_words, overlap=overlap)
    return [
        Passage(
            id=f"article:{article.id}#{n}",
            kind="article",
            item_id=article.id,
            title=article.title,
            text=f"{article.title}\n{chunk}",
            content=chunk,
            article_id=article.id,
            meta={"category": article.category},
        )
        for n, chunk in enumerate(chunks)
    ]


def canned_passage(canned: CannedAnswer) -> Passage:
    return Passage(
        id=f"canned:{canned.id}",
        kind="canned",
        item_id=canned.id,
        title=canned.title,
        text=f"{canned.title}\n{canned.intent}\n{canned.text}",
        content=canned.text.strip(),
        article_id=canned.article_id,
    )


def past_answer_passage(past: PastAnswer) -> Passage:
    # Matched on the customer's question (that is what a new message resembles); the answer is reused.
    return Passage(
        id=f"past_answer:{past.id}",
        kind="past_answer",
        item_id=past.id,
        title=None,
        text=past.message,
        content=past.answer,
        article_id=past.article_id,
        channel=str(past.channel),
        meta={"conversation_id": past.conversation_id, **({"agent": past.agent} if past.agent else {})},
    )


def brand_passages(
    kb: BrandKB,
    *,
    chunk_words: int = 120,
    overlap: int = 30,
    past_answers: list[PastAnswer] | None = None,
) -> list[Passage]:
    """All passages of a brand. ``past_answers`` overrides which past answers are indexed (eval splits)."""
    passages: list[Passage] = []
    for article in kb.articles:
        passages.extend(article_passages(article, chunk_words=chunk_words, overlap=overlap))
    passages.extend(canned_passage(c) for c in kb.canned)
    passages.extend(past_answer_passage(p) for p in (kb.past_answers if past_answers is None else past_answers))
    return passages
