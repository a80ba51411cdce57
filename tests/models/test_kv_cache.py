"""The growing KV cache (models/kv_cache.py) decodes exactly what transformers' DynamicCache decodes."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

from models.decode_attention import use_decode_attention
from models.kv_cache import GrowingCache, GrowingLayer


def _tiny_llama():  # type: ignore[no-untyped-def]
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=80, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, max_position_embeddings=256)
    return LlamaForCausalLM(config).eval()


def _greedy(model, cache, ids: torch.Tensor, steps: int) -> torch.Tensor:  # type: ignore[no-untyped-def]
    with torch.inference_mode():
        return model.generate(ids, attention_mask=torch.ones_like(ids), past_key_values=cache, max_new_tokens=steps,
                              min_new_tokens=steps, do_sample=False, output_scores=False)


@pytest.mark.parametrize("attention", ["eager", "served"])
def test_generation_with_the_growing_cache_equals_the_dynamic_cache(attention: str) -> None:
    model = _tiny_llama()
    if attention == "served":
        use_decode_attention(model)
    else:
        model.set_attn_implementation("eager")
    ids = torch.randint(1, 80, (1, 20))
    # room 4: the buffer is reallocated several times during the 30 steps
    expected = _greedy(model, DynamicCache(config=model.config), ids, 30)
    assert torch.equal(_greedy(model, GrowingCache(config=model.config, room=4), ids, 30), expected)


def test_steps_write_in_place_until_the_room_runs_out() -> None:
    layer = GrowingLayer(room=3)
    keys, values = torch.randn(1, 2, 5, 8), torch.randn(1, 2, 5, 8)
    first, _ = layer.update(keys, values)
    buffer = layer._key_buffer
    assert buffer is not None and buffer.shape[2] == 8 and torch.equal(first, keys)
    for step in range(3):
        out, _ = layer.update(torch.full((1, 2, 1, 8), float(step)), torch.zeros(1, 2, 1, 8))
        assert layer._key_buffer is buffer and out.shape[2] == 6 + step
    out, _ = layer.update(torch.ones(1, 2, 1, 8), torch.ones(1, 2, 1, 8))  # no room left: a new buffer
    assert layer._key_buffer is not buffer and out.shape[2] == 9
    assert torch.equal(out[:, :, :5], keys) and torch.equal(out[:, :, 5:8, 0], torch.tensor([[[0.0, 1.0, 2.0]] * 2]))


def test_repeating_the_rows_moves_the_cache_into_a_new_buffer() -> None:
    """What the served drafts do: one prefill, its cache repeated for n rows, then batched steps."""
    cache = GrowingCache(room=4)
    keys = torch.randn(1, 2, 5, 8)
    cache.update(keys, keys.clone(), 0)
    cache.batch_repeat_interleave(3)
    out, _ = cache.update(torch.zeros(3, 2, 1, 8), torch.zeros(3, 2, 1, 8), 0)
    assert out.shape == (3, 2, 6, 8) and all(torch.equal(out[row, :, :5], keys[0]) for row in range(3))
    assert cache.get_seq_length() == 6
