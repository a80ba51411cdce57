"""Weight-only int8 decoding, one-batch drafts (GreedyRows) and the generator's thread setting."""

from __future__ import annotations

import pytest
import torch

from models.generator import GreedyRows, torch_threads
from models.weight_only_int8 import WeightOnlyInt8Linear, quantize_weight_only_int8


def _linear(in_features: int = 64, out_features: int = 48, *, bias: bool = True) -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(in_features, out_features, bias=bias).to(torch.bfloat16)


def test_int8_rows_stay_close_to_the_dense_product() -> None:
    linear = _linear()
    q = WeightOnlyInt8Linear(linear)
    assert q.qweight.dtype == torch.int8 and q.qweight.shape == (48, 64) and q.scales.shape == (48,)
    x = torch.randn(1, 3, 64, dtype=torch.bfloat16)  # 3 rows <= dense_rows: the int8 kernel
    dense = linear(x).float()
    out = q(x).float()
    assert out.shape == (1, 3, 48)
    # per-row scales: error bounded by half a step of each row's scale, summed over the inputs
    bound = (q.scales.float() * 0.5 * x.float().abs().sum(-1, keepdim=True)).max() + 0.05
    assert (out - dense).abs().max() <= bound
    assert not torch.equal(out, dense)  # it really went through the rounded weights


def test_many_rows_take_the_dense_weight() -> None:
    linear = _linear(bias=False)
    q = WeightOnlyInt8Linear(linear, dense_rows=4)
    x = torch.randn(2, 5, 64, dtype=torch.bfloat16)  # 10 rows: prefill path
    assert torch.equal(q(x), linear(x))


def test_scales_round_trip_exactly_for_representable_weights() -> None:
    linear = torch.nn.Linear(4, 2, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[127.0, -64.0, 1.0, 0.0], [2.54, -2.54, 1.27, 0.0]]))
    q = WeightOnlyInt8Linear(linear, dtype=torch.float32)
    assert q.qweight.tolist() == [[127, -64, 1, 0], [127, -127, 64, 0]]
    assert q.scales.tolist() == pytest.approx([1.0, 0.02], rel=1e-6)


def test_quantised_tiny_llama_decodes_like_the_bfloat16_one() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=True)
    model = LlamaForCausalLM(config).to(torch.bfloat16).eval()
    ids = torch.randint(0, 64, (1, 20))
    with torch.inference_mode():
        reference = model(ids).logits[0, -1].float()
        quantize_weight_only_int8(model)
        assert sum(isinstance(m, WeightOnlyInt8Linear) for m in model.modules()) == 2 * 7 + 1  # 7 per layer + lm_head
        prefill = model(ids).logits[0, -1].float()  # 20 rows: dense weights, same numbers
        cache_out = model(ids[:, :-1], use_cache=True)
        step = model(ids[:, -1:], past_key_values=cache_out.past_key_values, use_cache=True).logits[0, -1].float()
    assert torch.allclose(prefill, reference, atol=0.05)
    assert torch.allclose(step, reference, atol=0.1)  # one decoding step through the int8 weights
    assert not torch.equal(step, reference)
    assert int(step.argmax()) == int(reference.argmax())


def test_a_model_without_linear_layers_is_refused() -> None:
    with pytest.raises(ValueError, match="no torch.nn.Linear"):
        quantize_weight_only_int8(torch.nn.Sequential(torch.nn.ReLU()))


def test_greedy_rows_leave_only_the_best_token_in_the_first_row() -> None:
    scores = torch.tensor([[0.1, 2.0, 1.9], [0.1, 2.0, 1.9]])
    out = GreedyRows(1)(torch.zeros(2, 1, dtype=torch.long), scores.clone())
    assert out[0].tolist() == [float("-inf"), 2.0, float("-inf")]
    assert torch.equal(out[1], scores[1])  # sampled rows untouched


def test_thread_setting_is_restored() -> None:
    before = torch.get_num_threads()
    with torch_threads(1 if before != 1 else 2):
        assert torch.get_num_threads() != before
    assert torch.get_num_threads() == before
    with torch_threads(0):  # 0: leave as is
        assert torch.get_num_threads() == before
