"""The serving attention (models/decode_attention.py) computes what eager attention computes."""

from __future__ import annotations

import pytest
import torch

from models.decode_attention import ATTENTION, grouped_decode_attention, use_decode_attention


def _tiny_llama(kv_heads: int = 2):  # type: ignore[no-untyped-def]
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=80, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=kv_heads, max_position_embeddings=128)
    return LlamaForCausalLM(config).eval()


def _decode(model, ids: torch.Tensor, mask: torch.Tensor, steps: int) -> tuple[torch.Tensor, list[int]]:  # type: ignore[no-untyped-def]
    """Prefill, then ``steps`` greedy single-token steps; the logits of every step and the picked tokens."""
    with torch.inference_mode():
        out = model(ids, attention_mask=mask, use_cache=True)
        cache, logits, picked = out.past_key_values, [out.logits[:, -1]], []
        for _ in range(steps):
            token = logits[-1].argmax(-1, keepdim=True)
            picked.append(int(token[0, 0]))
            mask = torch.cat([mask, torch.ones_like(token)], dim=1)
            out = model(token, attention_mask=mask, past_key_values=cache, use_cache=True)
            logits.append(out.logits[:, -1])
    return torch.stack(logits), picked


@pytest.mark.parametrize("kv_heads", [1, 2, 4])
def test_decoding_steps_match_eager_attention(kv_heads: int) -> None:
    model = _tiny_llama(kv_heads)
    ids = torch.randint(0, 80, (3, 12))
    mask = torch.ones_like(ids)
    model.set_attn_implementation("eager")
    reference, ref_tokens = _decode(model, ids, mask, steps=6)
    use_decode_attention(model)
    assert model.config._attn_implementation == ATTENTION
    logits, tokens = _decode(model, ids, mask, steps=6)
    assert torch.allclose(logits, reference, atol=1e-4)
    assert tokens == ref_tokens


def test_padded_rows_are_masked_like_eager_attention() -> None:
    """A left-padded row: the mask reaches the single-token path, and the padding stays unseen."""
    model = _tiny_llama()
    ids = torch.randint(1, 80, (2, 10))
    mask = torch.ones_like(ids)
    mask[1, :4] = 0
    model.set_attn_implementation("eager")
    reference, _ = _decode(model, ids, mask, steps=4)
    use_decode_attention(model)
    logits, _ = _decode(model, ids, mask, steps=4)
    assert torch.allclose(logits[:, 1], reference[:, 1], atol=1e-4)
    assert torch.allclose(logits[:, 0], reference[:, 0], atol=1e-4)
    # the padded positions really are ignored: other tokens there change nothing
    ids2 = ids.clone()
    ids2[1, :4] = 7
    changed, _ = _decode(model, ids2, mask, steps=4)
    assert torch.allclose(changed[:, 1], logits[:, 1], atol=1e-4)


def test_the_single_token_path_does_not_call_sdpa(monkeypatch: pytest.MonkeyPatch) -> None:
    """One query token takes the grouped matmuls; several go to SDPA (prefill, training)."""
    import transformers.integrations.sdpa_attention as sdpa

    calls: list[int] = []
    real = sdpa.sdpa_attention_forward

    def counting(module, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(query.shape[2])
        return real(module, query, *args, **kwargs)

    monkeypatch.setattr(sdpa, "sdpa_attention_forward", counting)
    module = torch.nn.Module().eval()
    module.num_key_value_groups = 2  # type: ignore[assignment]  # as a transformers attention layer has
    query, key, value = torch.randn(1, 4, 1, 8), torch.randn(1, 2, 5, 8), torch.randn(1, 2, 5, 8)
    out, _ = grouped_decode_attention(module, query, key, value, None)
    assert out.shape == (1, 1, 4, 8) and calls == []
    grouped_decode_attention(module, torch.randn(1, 4, 3, 8), key[:, :, :3], value[:, :, :3], None)
    assert calls == [3]
