"""What choosing among sampled drafts brings: chrF++ of the first-ranked generator draft by drafts sampled.

    .venv/bin/python bench/generator_ranking.py [ARTIFACT_DIR] [--brand shop] [--samples 8] [--limit 80]
        [--dtype bfloat16] [--save rows.json]
    .venv/bin/python bench/generator_ranking.py --load ARTIFACT_DIR/heldout_drafts.jsonl [--source-agreement 1]
        [--source-pooling rank|mean]   # re-rank, no model

For each held-out example (the artifact's own evaluation set: `training.generator_data.build_examples`,
the retriever without the held-out conversations) the artifact samples ``--samples`` drafts in one
call, as served (row 0 greedy, the others at T 0.7 / top-p 0.9, copy bias from the settings). Each
prefix of k drafts is then ranked as the pipeline ranks them (`webcare.generation.rank_generations`:
grounded drafts free of the defects of `webcare.coherence` by consensus, then the rest) and the first one is scored against the agent's real
reply. Prints corpus chrF++ and grounded rate per k (all, first half, second half of the examples),
a random sample's chrF++, the best-of-k oracle, and the retrieval-only draft on the same examples.
This is how the served default of 8 drafts was measured (README, 'Generator quality'). Slow: one
served call per example (~9 s on 2 cores in bfloat16); ``--load`` re-ranks saved drafts in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm import tqdm  # noqa: E402

from eval.metrics import chrf, length_ratio, sentence_chrf  # noqa: E402
from models.generator import GENERATOR_DTYPES, ReplyGenerator, max_new_tokens_for  # noqa: E402
from models.language import LanguageDetector  # noqa: E402
from models.pii import PiiDetector  # noqa: E402
from models.vocabulary import Vocabulary  # noqa: E402
from training.generator import retrieval_draft  # noqa: E402
from training.generator_data import build_examples  # noqa: E402
from training.retrieval_eval import heldout_retriever  # noqa: E402
from webcare.artifacts import latest, read_info  # noqa: E402
from webcare.coherence import brand_vocabulary  # noqa: E402
from webcare.consensus import ANCHOR_POOLINGS  # noqa: E402
from webcare.drafting import RetrievalDrafter  # noqa: E402
from webcare.generation import rank_generations, ranking_name, system_prompt  # noqa: E402
from webcare.grounding import check_grounding  # noqa: E402
from webcare.guard import draft_evidence  # noqa: E402
from webcare.services import build_services  # noqa: E402
from webcare.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", nargs="?", type=Path, help="A generator artifact folder (default: the brand's latest).")
    parser.add_argument("--brand", default="shop")
    parser.add_argument("--samples", type=int, default=8, help="Drafts sampled per example (row 0 greedy).")
    parser.add_argument("--limit", type=int, default=80, help="Held-out examples (the artifact's evaluation takes the first ones).")
    parser.add_argument("--dtype", default="bfloat16", choices=GENERATOR_DTYPES)
    parser.add_argument(
        "--source-agreement", type=float, help="Weight of a draft's agreement with its passages in the ranking "
        "(default: the settings' generator_source_agreement; 0 = the samples alone).",
    )
    parser.add_argument(
        "--source-pooling", choices=ANCHOR_POOLINGS, help="How that agreement is pooled over the passages (default: the "
        "settings' generator_source_pooling; 'rank': the first passage most, 'mean': alike).",
    )
    parser.add_argument("--save", type=Path, help="Write every example's drafts, retrieval draft and reference here (JSON).")
    parser.add_argument(
        "--load", type=Path,
        help="Re-rank saved drafts (seconds, no model) to try a ranking change: a --save file, or the heldout_drafts.jsonl "
        "that an artifact's own evaluation wrote.",
    )
    args = parser.parse_args()
    services = build_services(Settings(generator_enabled=False))
    weight = services.settings.generator_source_agreement if args.source_agreement is None else args.source_agreement
    pooling = args.source_pooling or services.settings.generator_source_pooling
    if args.load:
        text = args.load.read_text(encoding="utf-8")
        rows = [json.loads(line) for line in text.splitlines() if line.strip()] if args.load.suffix == ".jsonl" else json.loads(text)
        vocabulary = brand_vocabulary(services.registry.current_kb(args.brand), without_answers={r["id"] for r in rows})
        report(rows, min(len(r["drafts"]) for r in rows), vocabulary, weight, pooling)
        return

    settings = services.settings
    path = args.artifact or latest(settings.artifacts_dir, args.brand, "generator")
    if path is None:
        sys.exit(f"no generator artifact for {args.brand}: train one with 'webcare train generator --brand {args.brand}' or pass its folder")
    kb = services.registry.current_kb(args.brand)
    embedder = services.registry.embedder_for(args.brand)
    retriever = heldout_retriever(kb, embedder, settings)
    concept = bool(read_info(path).hyperparameters.get("concept", False))
    _, test = build_examples(kb, settings, embedder, retriever=retriever, concept=concept)
    test = test[: args.limit]
    generator = ReplyGenerator.from_artifact(path, dtype=args.dtype, copy_bias=settings.generator_copy_bias)
    drafter = RetrievalDrafter(n_drafts=1)
    pii = PiiDetector(kb.profile.pii_patterns)
    rows = []
    for e in tqdm(test, desc=f"{args.brand} samples", unit="ex"):
        limit = kb.profile.channel_limits.get(e.channel)
        outs = generator.generate(e.messages, n=args.samples, max_new_tokens=max_new_tokens_for(limit))
        rows.append({
            "id": e.id, "target": e.target, "drafts": [o.text for o in outs], "sources": e.source_texts, "retrieval": retrieval_draft(e, retriever, drafter, kb.profile, pii),
            "evidence": draft_evidence(e.source_texts, e.message, [e.thread_text], kb.profile), "seconds": outs[0].seconds,
            "message": e.message, "instructions": system_prompt(e.messages), "language": kb.profile.language,
        })
    if args.save:
        args.save.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    report(rows, args.samples, brand_vocabulary(kb, without_answers={e.id for e in test}), weight, pooling)
    print(f"artifact {path.name}, {args.dtype}, p50 {statistics.median(r['seconds'] for r in rows):.2f} s per call of {args.samples} drafts")


def sources_of(row: dict) -> list[str]:  # type: ignore[type-arg]
    """The passages a saved example's drafts were written from (files from before they were saved: the
    evidence up to the message, which draft_evidence puts right after them)."""
    if "sources" in row:
        return list(row["sources"])
    evidence, message = row["evidence"], row.get("message")
    return list(evidence[: evidence.index(message)]) if message in evidence else []


def report(  # type: ignore[type-arg]
    rows: list[dict], samples: int, vocabulary: Vocabulary | None = None, source_agreement: float = 0.0, source_pooling: str = "rank"
) -> None:
    refs = [r["target"] for r in rows]
    detector = LanguageDetector()
    print(f"ranking: {ranking_name(source_agreement, source_pooling)}")

    def rank(row: dict, drafts: list[str]) -> list[int]:  # type: ignore[type-arg]
        return rank_generations(
            drafts, row["evidence"], message=row.get("message", ""), instructions=row.get("instructions", ""),
            detector=detector, language=row.get("language", "nl"), vocabulary=vocabulary,
            sources=sources_of(row), source_agreement=source_agreement, source_pooling=source_pooling,
        )

    half = len(rows) // 2

    def line(name: str, hyps: list[str], grounded: str = "") -> None:
        print(f"{name:34s} chrF++ {chrf(hyps, refs) or 0:6.2f}   halves {chrf(hyps[:half], refs[:half]) or 0:6.2f} / "
              f"{chrf(hyps[half:], refs[half:]) or 0:6.2f}  {grounded}")

    line("retrieval draft", [r["retrieval"] for r in rows], f"length {length_ratio([r['retrieval'] for r in rows], refs) or 0:.2f}")
    for k in range(1, samples + 1):
        firsts = [r["drafts"][:k][rank(r, r["drafts"][:k])[0]] for r in rows]
        ok = sum(check_grounding(t, r["evidence"]).grounded for t, r in zip(firsts, rows, strict=True)) / len(rows)
        line(f"first ranked of {k} drafts" + (" (greedy)" if k == 1 else ""), firsts, f"grounded {ok:.1%}  length {length_ratio(firsts, refs) or 0:.2f}")
    if samples > 1:
        line("a random sample (row 1)", [r["drafts"][1] for r in rows])
        line(f"oracle: best of {samples}", [max(r["drafts"], key=lambda t, ref=r["target"]: sentence_chrf(t, ref)) for r in rows])


if __name__ == "__main__":
    main()
