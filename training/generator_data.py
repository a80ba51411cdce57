"""Training set of the reply generator, built from a brand's past answers.

One example per past answer: input = tone profile summary + the passages the REAL retriever returns
for that message + thread + message; target = the agent's real reply.

No leakage: retrieval runs over the KB plus the TRAIN split's past answers, and for every example
the past answers of its own conversation are excluded, so an example never sees its own answer (nor
a follow-up of its own conversation). Held-out conversations are never in the index at all. The
split is stable and by conversation (retrieval/splits.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from models.embedder import Embedder
from models.pii import PiiDetector
from retrieval.kb_loader import BrandKB
from retrieval.kb_schema import PastAnswer
from retrieval.retriever import HybridRetriever
from retrieval.splits import split_of, split_past_answers
from training.generator_example import GenExample, examples_hash
from training.retrieval_eval import heldout_retriever
from webcare.prompting import build_messages, retrieval_query, select_passages
from webcare.settings import Settings


def own_passage_ids(past: PastAnswer, conversation_of: dict[str, list[str]]) -> set[str]:
    return {f"past_answer:{pid}" for pid in conversation_of.get(past.conversation_id, [])}


def build_example(
    past: PastAnswer,
    kb: BrandKB,
    retriever: HybridRetriever,
    pii: PiiDetector,
    exclude: set[str],
    *,
    k: int,
) -> GenExample:
    profile = kb.profile
    query = pii.mask(retrieval_query(past.message, past.thread))
    hits = retriever.search(query, k=k * 3, exclude_ids=exclude)
    passages = select_passages(hits, k)
    limit = profile.channel_limits.get(past.channel)
    messages = build_messages(
        profile,
        hits=passages,
        thread=past.thread,
        message=past.message,
        channel=str(past.channel),
        agent=profile.agent(past.agent),
        length_limit=limit,
    )
    return GenExample(
        id=past.id,
        conversation_id=past.conversation_id,
        split=split_of(past.conversation_id),
        channel=str(past.channel),
        messages=messages,
        target=past.answer.strip(),
        source_ids=[h.passage.id for h in passages],
        source_texts=[h.passage.content for h in passages],
        message=past.message,
        length_limit=limit,
        thread_text="\n".join(t.text for t in past.thread),
    )


def build_examples(
    kb: BrandKB,
    settings: Settings,
    embedder: Embedder,
    *,
    k: int = 3,
    limit: int | None = None,
    retriever: HybridRetriever | None = None,
) -> tuple[list[GenExample], list[GenExample]]:
    """(train, held-out) examples; retrieval over KB + train past answers, own conversation excluded."""
    train, test = split_past_answers(kb.past_answers)
    retriever = retriever or heldout_retriever(kb, embedder, settings, train)
    pii = PiiDetector(kb.profile.pii_patterns)
    conversation_of: dict[str, list[str]] = {}
    for past in kb.past_answers:
        conversation_of.setdefault(past.conversation_id, []).append(past.id)

    def make(items: Sequence[PastAnswer]) -> list[GenExample]:
        chosen = list(items)[:limit] if limit else list(items)
        return [build_example(p, kb, retriever, pii, own_passage_ids(p, conversation_of), k=k) for p in chosen]

    return make(train), make(test)
