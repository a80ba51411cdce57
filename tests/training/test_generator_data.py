"""The generator's training set: retrieval-grounded prompts, split by conversation, no leakage."""

from __future__ import annotations

import pytest

from retrieval.kb_loader import BrandKB
from retrieval.splits import split_of
from training.generator_data import build_examples
from training.generator_example import examples_hash


def test_split_is_by_conversation_and_stable(bieb_examples, bieb_kb) -> None:  # type: ignore[no-untyped-def]
    train, test = bieb_examples
    past_train = [e for e in train if not e.id.startswith("canned:")]
    assert len(past_train) + len(test) == len(bieb_kb.past_answers)
    train_convs = {e.conversation_id for e in train}
    test_convs = {e.conversation_id for e in test}
    assert train_convs and test_convs and not train_convs & test_convs
    assert all(e.split == split_of(e.conversation_id) for e in train + test)


@pytest.mark.parametrize("concept", [False, True])
def test_no_leakage_of_own_answer_or_conversation(bieb_kb, settings, hash_embedder, concept) -> None:  # type: ignore[no-untyped-def]
    # plant a unique marker at the start of every past answer, then look for it in the prompts
    planted = [p.model_copy(update={"answer": f"ZQ{p.id.replace('-', '')}Q {p.answer}"}) for p in bieb_kb.past_answers]
    canned = [c.model_copy(update={"text": f"ZC{c.id.replace('-', '')}C {c.text}"}) for c in bieb_kb.canned]
    kb = BrandKB(bieb_kb.root, bieb_kb.profile, bieb_kb.articles, canned, planted, bieb_kb.labelled)
    train, test = build_examples(kb, settings, hash_embedder, concept=concept)
    marker = {p.id: f"ZQ{p.id.replace('-', '')}Q" for p in planted}
    by_conversation: dict[str, list[str]] = {}
    for p in planted:
        by_conversation.setdefault(p.conversation_id, []).append(p.id)
    held_out = [marker[e.id] for e in test]
    from_canned = [e for e in train if e.id.startswith("canned:")]
    assert len(from_canned) > 20  # canned answers with an article, paired with train messages
    for example in from_canned:
        canned_id = example.id.split(":")[1]
        own = f"ZC{canned_id.replace('-', '')}C"
        prompt = "\n".join(m["content"] for m in example.messages)
        assert own not in prompt and own in example.target, example.id  # its own canned text is only the target
        signatures = tuple(f"^{a.initials}" for a in kb.profile.agents)  # framed like a served draft: the agent signs
        assert example.split == "train" and example.target.rstrip().endswith(signatures) and example.target.startswith("H")
    seen_other = 0
    for example in train + test:
        prompt = "\n".join(m["content"] for m in example.messages)
        for own in by_conversation[example.conversation_id]:  # its own answer and its conversation's
            assert marker[own] not in prompt, (example.id, own)
        for other in held_out:  # a held-out answer is never retrieved, for any example
            assert other not in prompt, (example.id, other)
        seen_other += "ZQpa" in prompt
        # the concept (the pipeline's first retrieval draft, from the same leak-free hits) is in the prompt
        assert (example.concept is not None) is concept and ("Concept-antwoord:" in prompt) is concept
    # retrieval really ran: most prompts quote past answers of other (train) conversations
    assert seen_other > len(train) // 2


def test_prompt_carries_tone_thread_and_message(bieb_examples) -> None:  # type: ignore[no-untyped-def]
    train, _ = bieb_examples
    example = next(e for e in train if e.thread_text)
    system, user = example.messages
    assert system["role"] == "system" and "je (informeel)" in system["content"]
    assert "Bronnen:" in user["content"] and "Gesprek:" in user["content"]
    assert user["content"].rstrip().endswith(" ".join(example.message.split())[-40:])


def test_concept_is_the_first_retrieval_draft_framed_for_the_channel(bieb_kb, settings, hash_embedder) -> None:  # type: ignore[no-untyped-def]
    train, _ = build_examples(bieb_kb, settings, hash_embedder, concept=True, limit=12, canned_pairs=0)
    signatures = tuple(f"^{a.initials}" for a in bieb_kb.profile.agents)
    concepts = [e.concept for e in train]
    assert all(c and c.startswith("H") and c.rstrip().endswith(signatures) for c in concepts)
    assert len(set(concepts)) > 3  # not one fixed text
    x = next(e for e in train if e.length_limit)  # X: the concept keeps to the channel's length
    assert len(x.concept or "") <= x.length_limit


def test_examples_without_concept_keep_their_record_and_hash(bieb_examples) -> None:  # type: ignore[no-untyped-def]
    train, _ = bieb_examples
    assert all("concept" not in e.to_json() for e in train)  # the data hash of runs exported before the field holds
    from dataclasses import replace

    with_concept = replace(train[0], concept="Hoi! Dat kan. ^AB")
    assert with_concept.to_json()["concept"] == "Hoi! Dat kan. ^AB"
    assert examples_hash([with_concept]) != examples_hash(train[:1])


def test_data_hash_is_stable(bieb_kb, settings, hash_embedder, bieb_examples) -> None:  # type: ignore[no-untyped-def]
    again, _ = build_examples(bieb_kb, settings, hash_embedder, limit=None)
    assert examples_hash(again) == examples_hash(bieb_examples[0])


def test_concept_prompt_takes_passages_and_draft_from_one_search_as_serving_does(bieb_kb, settings, hash_embedder) -> None:  # type: ignore[no-untyped-def]
    from models.pii import PiiDetector
    from retrieval.splits import split_past_answers
    from training.generator_data import build_example, own_passage_ids
    from training.retrieval_eval import heldout_retriever
    from webcare.drafting import RetrievalDrafter
    from webcare.prompting import retrieval_query, select_passages

    train, _ = split_past_answers(bieb_kb.past_answers)
    retriever = heldout_retriever(bieb_kb, hash_embedder, settings, train)
    pii = PiiDetector(bieb_kb.profile.pii_patterns)
    conversation_of: dict[str, list[str]] = {}
    for p in bieb_kb.past_answers:
        conversation_of.setdefault(p.conversation_id, []).append(p.id)
    drafter = RetrievalDrafter(n_drafts=1, candidates=settings.draft_candidates)
    calls: list[int] = []
    search = retriever.search

    def counting(query, k=5, **kw):  # type: ignore[no-untyped-def]
        calls.append(k)
        return search(query, k=k, **kw)

    retriever.search = counting  # type: ignore[method-assign]
    for past in train[:5]:
        calls.clear()
        exclude = own_passage_ids(past, conversation_of)
        example = build_example(past, bieb_kb, retriever, pii, exclude, k=3, drafter=drafter, draft_hits=10, concept=True)
        assert calls == [10]  # one search of the pipeline's hit count (top_k * 2)
        served = search(pii.mask(retrieval_query(past.message, past.thread)), k=10, exclude_ids=exclude)
        assert example.source_ids == [h.passage.id for h in select_passages(served)]
        limit = bieb_kb.profile.channel_limits.get(past.channel)
        assert example.concept == drafter.draft(served, bieb_kb.profile, agent=past.agent, length_limit=limit, n=1)[0].text
        assert example.baseline == example.concept  # the draft the pipeline shows is the one the model adapts
        # without a concept: the prompt is unchanged and the baseline is still the pipeline's first draft
        calls.clear()
        plain = build_example(past, bieb_kb, retriever, pii, exclude, k=3, drafter=drafter, draft_hits=10)
        assert plain.concept is None and plain.baseline == example.baseline and calls == [9, 10]
    with pytest.raises(ValueError, match="needs a drafter"):
        build_example(train[0], bieb_kb, retriever, pii, set(), k=3, concept=True)


def test_heldout_examples_carry_the_pipelines_retrieval_draft_with_the_agents_signature(bieb_examples, bieb_kb) -> None:  # type: ignore[no-untyped-def]
    train, test = bieb_examples
    assert all(e.baseline is None for e in train)  # train examples need no comparison
    assert all(e.baseline for e in test)
    from webcare.tone import signature

    profile = bieb_kb.profile
    agents = {p.id: profile.agent(p.agent) for p in bieb_kb.past_answers}
    assert len({a.initials for a in agents.values()}) > 1  # the signature tells agents apart
    assert all(e.baseline.rstrip().endswith(signature(profile.tone, agents[e.id])) for e in test)  # type: ignore[union-attr]
    assert "baseline" not in test[0].to_json()  # no model input: the record and its data hash stay as they were
