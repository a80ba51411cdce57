"""Consensus ranking: chrF++ identical to sacrebleu's, and the candidate the others back up goes first."""

from __future__ import annotations

import pytest

from eval.metrics import sentence_chrf
from retrieval.documents import Passage
from retrieval.kb_loader import load_brand
from retrieval.retriever import Hit
from webcare.consensus import NgramStats, anchor_shares, chrf, consensus_order, tiered_consensus_order
from webcare.drafting import RetrievalDrafter
from webcare.settings import REPO_ROOT


@pytest.mark.parametrize(
    ("hyp", "ref"),
    [
        ("Hoi! Je kunt je boeken 3 keer verlengen via de app. ^AB", "Hallo! Verlengen kan in de app, tot 3 keer, zolang niemand (het boek) heeft gereserveerd. ^AB"),
        ("Dat klopt.", "Dat klopt, met Basis leen je 5 items."),
        ("a", "b"),
        ("", "iets"),
        ("Retour binnen 14 dagen; geld terug in 3-5 werkdagen 🙂", "Je geld staat binnen 5 werkdagen terug op je rekening!"),
    ],
)
def test_chrf_equals_sacrebleu(hyp: str, ref: str) -> None:
    assert chrf(NgramStats.of(hyp), NgramStats.of(ref)) == pytest.approx(sentence_chrf(hyp, ref), abs=1e-9)


def test_the_answer_the_others_agree_with_comes_first() -> None:
    odd = "Je kunt een cadeaubon kopen aan de balie."
    agreed = [
        "Verlengen kan 3 keer in de app of in Mijn Bibliotheek.",
        "Je kunt 3 keer verlengen in de app, zolang niemand het boek reserveerde.",
        "In de app kun je je boeken verlengen, tot 3 keer.",
    ]
    order = consensus_order([odd, *agreed])
    assert order[0] != 0 and order[-1] == 0
    assert consensus_order(["x", "y"]) == [0, 1]  # two candidates: retrieval order stays
    assert consensus_order(["zelfde tekst"] * 3) == [0, 1, 2]  # ties keep the given order


def test_grounded_samples_first_by_consensus_then_the_rest() -> None:
    samples = [
        "Hoi! Verlengen kan tot 5 keer, kost €2. ^AB",  # greedy, but invents a fee
        "Je kunt een cadeaubon kopen aan de balie.",
        "Verlengen kan 3 keer in de app of in Mijn Bibliotheek.",
        "Je kunt 3 keer verlengen in de app, zolang niemand het boek reserveerde.",
        "In de app kun je je boeken verlengen, tot 3 keer.",
        "In de app kun je je boeken verlengen, tot 3 keer.",  # a duplicate sample counts as agreement
    ]
    grounded = [False, True, True, True, True, True]
    order = tiered_consensus_order(samples, [0 if g else 1 for g in grounded], as_given={1})
    assert sorted(order) == list(range(6)) and order[-1] == 0  # the ungrounded one last, whatever its rank
    assert order[0] in (4, 5) and order[-2] == 1  # the odd one out is the last grounded one
    assert tiered_consensus_order(samples[:2], [1, 1], as_given={1}) == [0, 1]
    # a tier not kept as given is ordered by consensus, also when it is the last tier
    assert tiered_consensus_order(samples, [1] * 6, as_given={2})[0] in (4, 5)
    with pytest.raises(ValueError):
        tiered_consensus_order(samples, [0, 1])


def test_anchors_favour_the_sample_that_agrees_with_its_sources() -> None:
    passage = "Verlengen kan 3 keer in de app of in Mijn Bibliotheek, zolang niemand het boek reserveerde."
    samples = [
        "Je kunt een cadeaubon kopen aan de balie, of in de app.",
        "Je kunt een cadeaubon kopen in de app of aan de balie.",
        "Verlengen kan 3 keer in de app, als niemand het boek reserveerde.",
        "Je kunt een cadeaubon kopen aan de balie.",
    ]
    assert consensus_order(samples)[0] != 2  # the samples alone back the cadeaubon answer
    assert consensus_order(samples, [passage])[0] == 2  # its source backs the verlengen one
    assert consensus_order(samples, [passage], anchor_weight=0.0) == consensus_order(samples)
    # two candidates: without anchors they keep their order, with anchors the sources decide
    assert consensus_order(samples[:3:2]) == [0, 1] and consensus_order(samples[:3:2], [passage]) == [1, 0]
    assert consensus_order(samples[:1], [passage]) == [0]
    order = tiered_consensus_order(samples, [1, 0, 1, 0], as_given={2}, anchors=[passage])
    assert order[:2] == [1, 3] and order[2] == 2  # tiers first; within the second tier the sources decide


def test_rank_pooling_trusts_the_retrievers_first_passage() -> None:
    verlengen = "Verlengen kan 3 keer in de app of in Mijn Bibliotheek, zolang niemand het boek reserveerde."
    cadeaubon = "Een cadeaubon koop je aan de balie van elke vestiging, vanaf 10 euro."
    samples = [
        "Je kunt 3 keer verlengen in de app of in Mijn Bibliotheek, als niemand het boek reserveerde.",
        "Een cadeaubon koop je aan de balie van elke vestiging, vanaf 10 euro.",
    ]
    # alike, the anchors' order does not matter; by rank, the draft that follows the best match wins
    assert consensus_order(samples, [verlengen, cadeaubon], anchor_pooling="mean") == consensus_order(
        samples, [cadeaubon, verlengen], anchor_pooling="mean"
    )
    assert consensus_order(samples, [verlengen, cadeaubon], anchor_pooling="rank") == [0, 1]
    assert consensus_order(samples, [cadeaubon, verlengen], anchor_pooling="rank") == [1, 0]
    order = tiered_consensus_order(samples, [0, 0], anchors=[verlengen, cadeaubon], anchor_pooling="rank")
    assert order == [0, 1]
    assert anchor_shares(3) == pytest.approx([6 / 11, 3 / 11, 2 / 11]) and anchor_shares(2, "mean") == [0.5, 0.5]
    with pytest.raises(ValueError, match="rank, mean"):
        anchor_shares(2, "max")


def _hit(n: int, content: str, score: float) -> Hit:
    passage = Passage(id=f"past_answer:p{n}", kind="past_answer", item_id=f"p{n}", text=content, content=content, article_id=f"a{n}")
    return Hit(passage, score, score, 0.0)


def test_drafter_orders_by_consensus_and_keeps_retrieval_order_when_off() -> None:
    profile = load_brand(REPO_ROOT / "knowledge_base", "bieb").profile
    hits = [
        _hit(0, "Je kunt een cadeaubon kopen aan de balie.", 0.9),
        _hit(1, "Verlengen kan 3 keer in de app of in Mijn Bibliotheek.", 0.8),
        _hit(2, "Je kunt 3 keer verlengen in de app, zolang niemand het boek reserveerde.", 0.7),
        _hit(3, "In de app kun je je boeken verlengen, tot 3 keer.", 0.6),
    ]
    off = RetrievalDrafter(n_drafts=3, candidates=1).draft(hits, profile)
    on = RetrievalDrafter(n_drafts=3, candidates=5).draft(hits, profile)
    assert [d.sources[0].id for d in off] == ["past_answer:p0", "past_answer:p1", "past_answer:p2"]
    assert len(on) == 3 and on[0].sources[0].id != "past_answer:p0"
    assert "past_answer:p0" not in [d.sources[0].id for d in on]  # the odd one out is not shown
