"""Attention for serving the generator on CPU: SDPA for the prompt, grouped matmuls for each new token.

Measured on the 2-core machine (SmolLM2-135M, bfloat16, ~640 cached tokens, one decoding step):
torch's SDPA CPU kernel (flash attention, ``enable_gqa``) takes ~0.47 ms per layer for ONE query token,
~14 ms of a ~50 ms step over 30 layers; with 3 rows (the served drafts) the step took 86 ms. The eager
implementation is faster for that step (53 ms with 3 rows) but copies every key/value head for each
query head (``repeat_kv``) and is ~35% slower for the prefill. This implementation uses SDPA whenever
more than one query token comes in (prefill, training) and, for a single query token, groups the query
heads that share a key/value head, so the cache is read as it is: two small batched matmuls and a
softmax, all in float32. float32 because CPU matmuls of these shapes are ~2-3x faster in float32 than
in bfloat16 (q.k for 650 cached tokens: 16 vs 28 us; weights.v: 8 vs 27 us), also on the strided
views a preallocated cache hands out (models/kv_cache.py), where bfloat16 took 78 us. With int8
weights a decoding step went from 27.2 to 25.1 ms (24.0 ms with the preallocated cache).

Registered with transformers under :data:`ATTENTION` (attention function and its mask, which is
SDPA's: ``None`` when nothing needs masking). :func:`use_decode_attention` switches a model to it.
"""

from __future__ import annotations

from typing import Any

import torch

ATTENTION = "webcare_decode"


def grouped_decode_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' attention signature: query (b, heads, q, d), key/value (b, kv_heads, L, d);
    returns (b, q, heads, d)."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    batch, heads, q_len, dim = query.shape
    kv_heads = key.shape[1]
    if q_len != 1 or module.training or heads % kv_heads:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    scale = scaling if scaling is not None else dim**-0.5
    grouped = query.reshape(batch, kv_heads, heads // kv_heads, dim).float()  # the query heads of one kv head side by side
    scores = torch.matmul(grouped, key.float().transpose(2, 3)) * scale  # (b, kv_heads, group, L)
    if attention_mask is not None:  # (b|1, 1, 1, L): bool (True = attend) or additive
        if attention_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attention_mask, float("-inf"))
        else:
            scores = scores + attention_mask.float()
    weights = torch.softmax(scores, dim=-1)
    out = torch.matmul(weights, value.float()).to(query.dtype)  # (b, kv_heads, group, d)
    return out.reshape(batch, heads, 1, dim).transpose(1, 2).contiguous(), None


def register() -> str:
    """Make :data:`ATTENTION` known to transformers (idempotent); returns its name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

    AttentionInterface.register(ATTENTION, grouped_decode_attention)
    ALL_MASK_ATTENTION_FUNCTIONS.register(ATTENTION, sdpa_mask)
    return ATTENTION


def use_decode_attention(model: Any) -> Any:
    """Switch ``model`` (a transformers causal LM) to :data:`ATTENTION`; returns it."""
    model.set_attn_implementation(register())
    return model
