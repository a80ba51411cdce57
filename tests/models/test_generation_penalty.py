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


def test_copy_bias_favours_the_token_that_follows_in_the_sources() -> None:
    from models.generator import SourceCopyBias

    prompt = [5, 6, 7, 8, 6, 7, 9]  # after (6, 7) the sources continue with 8 and 9
    bias = SourceCopyBias([prompt], prompt_len=len(prompt), bonus=3.0)
    scores = torch.zeros(1, 12)
    out = bias(torch.tensor([[*prompt, 6, 7]]), scores.clone())
    assert out[0, 8] == 3.0 and out[0, 9] == 3.0 and out[0].sum() == 6.0
    assert torch.equal(bias(torch.tensor([[*prompt, 6]]), scores.clone()), scores)  # too little generated yet
    assert torch.equal(bias(torch.tensor([[*prompt, 1, 2]]), scores.clone()), scores)  # no match in the sources


def test_copy_bias_in_a_batch_reads_each_rows_own_prompt() -> None:
    from models.generator import SourceCopyBias

    # a batch of two prompts, two sampled rows each: rows 0-1 continue prompt a, rows 2-3 prompt b
    a, b = [5, 6, 7, 8], [5, 6, 7, 9]
    bias = SourceCopyBias([a, b], prompt_len=4, bonus=2.0, rows_per_prompt=2)
    rows = torch.tensor([[*a, 6, 7], [*a, 6, 7], [*b, 6, 7], [*b, 1, 2]])
    out = bias(rows, torch.zeros(4, 12))
    assert out[0, 8] == out[1, 8] == 2.0 and out[0, 9] == out[1, 9] == 0.0  # prompt a goes on with 8
    assert out[2, 9] == 2.0 and out[2, 8] == 0.0  # prompt b with 9, not a's 8
    assert out[3].sum() == 0.0  # (1, 2) is in neither prompt
