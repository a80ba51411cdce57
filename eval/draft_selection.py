"""Which draft to show first: measured on the TRAIN conversations, so the held-out split stays clean.

    .venv/bin/python -m eval.draft_selection --brand bieb [--candidates 1,3,5,7] [--folds 5] [--limit N]

The brand's train past answers are split into folds by conversation; each fold is answered by the
real pipeline from an index without that fold (and without the held-out conversations), and the
first retrieval draft is scored against the agent's real reply (corpus chrF++). ``--candidates``
are values of ``WEBCARE_DRAFT_CANDIDATES``: 1 keeps the retrieval order, 3 or more orders the gathered
answers by consensus (webcare/consensus.py). This is how the default was chosen.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from dataclasses import dataclass

from tqdm import tqdm

from eval import metrics as M
from eval.runner import EvalItem, eval_runtime, heldout_set, past_answer_item
from retrieval.splits import split_past_answers
from webcare.drafting import RetrievalDrafter
from webcare.services import Services, build_services
from webcare.settings import Settings


def fold_of(conversation_id: str, folds: int) -> int:
    return int(hashlib.sha1(conversation_id.encode("utf-8")).hexdigest(), 16) % folds


@dataclass
class DraftSelectionEvaluator:
    """``evaluator(candidates)`` -> {candidates: first-draft chrF++} on the brand's train folds."""

    services: Services
    brand: str
    folds: int = 5
    limit: int | None = None
    progress: bool = True

    def __call__(self, candidates: list[int]) -> dict[int, float]:
        kb = self.services.registry.get(self.brand).kb
        heldout = heldout_set(kb)
        train, _ = split_past_answers(kb.past_answers)
        train = train[: self.limit] if self.limit else train
        items = [past_answer_item(p, self.brand) for p in train]
        by_fold: dict[int, list[EvalItem]] = {}
        for item in items:
            by_fold.setdefault(fold_of(item.conversation_id or item.id, self.folds), []).append(item)
        runtimes = {f: eval_runtime(self.services, self.brand, fold + heldout.items + heldout.labelled)[0] for f, fold in by_fold.items()}
        pipeline = self.services.pipeline
        served = pipeline.drafter
        out: dict[int, float] = {}
        try:
            for n in candidates:
                pipeline.drafter = RetrievalDrafter(n_drafts=served.n_drafts, article_sentences=served.article_sentences, candidates=n)
                hyps: list[str] = []
                refs: list[str] = []
                bar = tqdm(total=len(items), desc=f"{self.brand} candidates={n}", unit="msg", disable=not self.progress)
                for f, fold in sorted(by_fold.items()):
                    for item in fold:
                        drafts = [d for d in pipeline.suggest(item.request, runtime=runtimes[f]).drafts if d.method == "retrieval"]
                        if drafts and item.reference:
                            hyps.append(drafts[0].text)
                            refs.append(item.reference)
                        bar.update()
                bar.close()
                out[n] = round(M.chrf(hyps, refs), 2) if hyps else float("nan")
        finally:
            pipeline.drafter = served
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brand", required=True)
    parser.add_argument("--candidates", default="1,3,5,7", help="Comma-separated values of WEBCARE_DRAFT_CANDIDATES to compare.")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="Only the first N train past answers (a quick look).")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    services = build_services(Settings(generator_enabled=False))
    try:
        services.registry.get(args.brand)
    except Exception as exc:  # unknown brand / broken KB: say so plainly
        raise SystemExit(f"cannot evaluate {args.brand!r}: {exc}") from exc
    candidates = [int(c) for c in args.candidates.split(",") if c.strip()]
    result = DraftSelectionEvaluator(services, args.brand, folds=args.folds, limit=args.limit)(candidates)
    print(f"{args.brand}: first-draft chrF++ on train folds by candidates gathered: {result}")


if __name__ == "__main__":
    main()
