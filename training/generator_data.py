"""Training set of the reply generator, built from a brand's past answers and canned answers.

One example per past answer: input = tone profile summary + the passages the REAL retriever returns
for that message + thread + message; target = the agent's real reply.

Canned answers (the team's vetted texts) add TRAIN examples: each canned answer that belongs to an
article is paired with up to ``canned_pairs`` train past-answer messages about that same article
(the customer's question); the target is the canned text framed in the brand's tone for that channel
(greeting, register, signature, length), as the pipeline would frame it. Retrieval for such an example
excludes the canned answer itself as well as the message's own conversation.

No leakage: retrieval runs over the KB plus the TRAIN split's past answers, and for every example
the past answers of its own conversation are excluded, so an example never sees its own answer (nor
a follow-up of its own conversation). Held-out conversations are never in the index at all. The
split is stable and by conversation (retrieval/splits.py).

``concept=True`` also puts the best retrieval draft (webcare/drafting.py, drafted from the same
leak-free hits, as the pipeline drafts it) in the prompt, so the model learns to adapt that draft to
the message instead of writing from scratch; the pipeline then passes its own first retrieval draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from models.embedder import Embedder
from models.pii import PiiDetector
from retrieval.kb_loader import BrandKB
from retrieval.kb_schema import PastAnswer
from retrieval.retriever import Hit, HybridRetriever
from retrieval.splits import split_of, split_past_answers
from training.generator_example import GenExample
from training.retrieval_eval import heldout_retriever
from webcare.drafting import RetrievalDrafter
from webcare.prompting import build_messages, retrieval_query, select_passages
from webcare.settings import Settings
from webcare.tone import apply_tone


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
    drafter: RetrievalDrafter | None = None,
    draft_hits: int = 10,
    concept: bool = False,
) -> GenExample:
    """``drafter``: its first draft from the best ``draft_hits`` hits (as the pipeline drafts, with the
    agent's signature) is the example's ``baseline``; with ``concept`` it is also in the prompt."""
    if concept and drafter is None:
        raise ValueError("a concept draft needs a drafter")
    profile = kb.profile
    query = pii.mask(retrieval_query(past.message, past.thread))
    limit = profile.channel_limits.get(past.channel)

    def first_draft(hits: Sequence[Hit]) -> str:
        assert drafter is not None
        drafts = drafter.draft(hits, profile, agent=past.agent, length_limit=limit, n=1)
        return drafts[0].text if drafts else ""

    baseline: str | None = None
    if concept:  # one search, as serving does: the prompt's passages and the concept draft both come from the
        # same best ``draft_hits`` hits (the pipeline's top_k * 2)
        hits = retriever.search(query, k=max(k * 3, draft_hits), exclude_ids=exclude)[:draft_hits]
        baseline = first_draft(hits)
    else:
        hits = retriever.search(query, k=k * 3, exclude_ids=exclude)
        if drafter is not None:
            baseline = first_draft(retriever.search(query, k=draft_hits, exclude_ids=exclude))
    passages = select_passages(hits, k)
    messages = build_messages(
        profile,
        hits=passages,
        thread=past.thread,
        message=past.message,
        channel=str(past.channel),
        agent=profile.agent(past.agent),
        length_limit=limit,
        concept=baseline if concept else None,
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
        concept=baseline if concept else None,
        baseline=baseline,
    )


def build_canned_examples(
    kb: BrandKB,
    retriever: HybridRetriever,
    pii: PiiDetector,
    train: Sequence[PastAnswer],
    conversation_of: dict[str, list[str]],
    *,
    k: int,
    pairs: int,
    limit: int | None = None,
    drafter: RetrievalDrafter | None = None,
    draft_hits: int = 10,
    concept: bool = False,
) -> list[GenExample]:
    """Canned answers as extra train examples (see the module doc); deterministic (messages by id)."""
    if pairs < 1 or limit == 0:
        return []
    by_article: dict[str, list[PastAnswer]] = {}
    for past in sorted(train, key=lambda p: p.id):
        if past.article_id:
            by_article.setdefault(past.article_id, []).append(past)
    out: list[GenExample] = []
    for canned in kb.canned:
        for past in by_article.get(canned.article_id or "", [])[:pairs]:
            exclude = own_passage_ids(past, conversation_of) | {f"canned:{canned.id}"}
            example = build_example(past, kb, retriever, pii, exclude, k=k, drafter=drafter, draft_hits=draft_hits, concept=concept)
            target = apply_tone(canned.text, kb.profile.tone, kb.profile.agent(past.agent), length_limit=example.length_limit).text
            out.append(replace(example, id=f"canned:{canned.id}:{past.id}", target=target))
            if limit is not None and len(out) >= limit:
                return out
    return out


def build_examples(
    kb: BrandKB,
    settings: Settings,
    embedder: Embedder,
    *,
    k: int = 3,
    limit: int | None = None,
    retriever: HybridRetriever | None = None,
    canned_pairs: int = 2,
    concept: bool = False,
) -> tuple[list[GenExample], list[GenExample]]:
    """(train, held-out) examples; retrieval over KB + train past answers, own conversation excluded.
    ``canned_pairs``: messages paired with each canned answer as extra train examples (0: none).
    ``concept``: the prompt also holds the best retrieval draft (see the module doc). Held-out examples
    carry the pipeline's first retrieval draft as their ``baseline`` either way."""
    train, test = split_past_answers(kb.past_answers)
    retriever = retriever or heldout_retriever(kb, embedder, settings, train)
    pii = PiiDetector(kb.profile.pii_patterns)
    conversation_of: dict[str, list[str]] = {}
    for past in kb.past_answers:
        conversation_of.setdefault(past.conversation_id, []).append(past.id)
    drafter = RetrievalDrafter(n_drafts=1, candidates=settings.draft_candidates)
    draft_hits = settings.top_k * 2  # as many hits as the pipeline's drafter sees (Pipeline.hit_count)

    def make(items: Sequence[PastAnswer], baseline: bool) -> list[GenExample]:
        chosen = list(items)[:limit] if limit else list(items)
        return [
            build_example(
                p, kb, retriever, pii, own_passage_ids(p, conversation_of), k=k, drafter=drafter if concept or baseline else None,
                draft_hits=draft_hits, concept=concept,
            )
            for p in chosen
        ]

    extra = build_canned_examples(
        kb, retriever, pii, train, conversation_of, k=k, pairs=canned_pairs, limit=limit, drafter=drafter if concept else None,
        draft_hits=draft_hits, concept=concept,
    )
    return make(train, baseline=False) + extra, make(test, baseline=True)
