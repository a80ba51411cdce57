"""The draft-selection evaluator runs the real pipeline on train folds and leaves the served drafter alone."""

from __future__ import annotations

from eval.draft_selection import DraftSelectionEvaluator, fold_of
from webcare.services import Services


def test_evaluator_scores_each_setting_and_restores_the_drafter(services: Services) -> None:
    served = services.pipeline.drafter
    result = DraftSelectionEvaluator(services, "bieb", folds=2, limit=12, progress=False)([1, 5])
    assert set(result) == {1, 5} and all(0 < v < 100 for v in result.values())
    assert services.pipeline.drafter is served
    assert fold_of("conv-1", 5) == fold_of("conv-1", 5) and 0 <= fold_of("x", 3) < 3
