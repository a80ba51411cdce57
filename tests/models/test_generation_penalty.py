"""The served repetition penalty counts generated tokens only, so copying from the sources stays free."""

from __future__ import annotations

import torch

from models.generator import GeneratedRepetitionPenalty


def test_prompt_tokens_are_not_penalised_generated_ones_are() -> None:
    scores = torch.tensor([[2.0, 2.0, -1.0, 2.0]])
    ids = torch.tensor([[0, 1, 2]])  # tokens 0 and 1 in the prompt, token 2 generated
    out = GeneratedRepetitionPenalty(prompt_len=2, penalty=2.0)(ids, scores.clone())
    assert out[0, 0] == 2.0 and out[0, 1] == 2.0  # prompt tokens: untouched
    assert out[0, 2] == -2.0  # generated, negative logit: multiplied
    assert out[0, 3] == 2.0
    ids = torch.tensor([[0, 1, 3]])
    assert GeneratedRepetitionPenalty(prompt_len=2, penalty=2.0)(ids, scores.clone())[0, 3] == 1.0  # positive: divided


def test_nothing_generated_yet_changes_nothing() -> None:
    scores = torch.randn(1, 5)
    assert torch.equal(GeneratedRepetitionPenalty(prompt_len=3)(torch.tensor([[1, 2, 3]]), scores.clone()), scores)
