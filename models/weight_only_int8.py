"""Weight-only int8 for the generator's decoding on CPU.

Decoding one token of a small causal LM on a 2-core CPU is bound by memory traffic: every step reads
every weight once (SmolLM2-135M: 538 MB in float32, 270 MB in bfloat16). Storing the Linear weights as
int8 with one scale per output row halves that again. Only the WEIGHTS are quantised; the activations
stay in bfloat16 and the product is computed by ``torch._weight_int8pack_mm``. That is why this keeps
the replies, where torch's *dynamic* int8 (which also rounds the activations per tensor, and so loses
the outlier features of a language model) turned them into English or nonsense.

The int8 kernel is fast for a few rows (decoding) and slow for many (the prompt's prefill: 1.3 s
instead of 0.55 s for ~520 tokens), so each layer keeps its bfloat16 weight as well and uses it for
inputs of more than ``dense_rows`` rows. Memory: 1.5x the bfloat16 model (405 MB for 135M parameters).
"""

from __future__ import annotations

from typing import Any

import torch

DENSE_ROWS = 8  # inputs with more rows (prefill) go through the bfloat16 weight


class WeightOnlyInt8Linear(torch.nn.Module):
    """A ``torch.nn.Linear`` whose decoding steps read int8 weights (per-output-row scales)."""

    def __init__(self, linear: torch.nn.Linear, *, dtype: torch.dtype = torch.bfloat16, dense_rows: int = DENSE_ROWS) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scales = weight.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.in_features = linear.in_features
        self.out_features = linear.out_features
        self.dense_rows = dense_rows
        self.register_buffer("qweight", torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scales", scales.to(dtype))
        self.register_buffer("weight", linear.weight.detach().to(dtype))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().to(dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // self.in_features
        if rows > self.dense_rows:
            return torch.nn.functional.linear(x, self.weight, self.bias)
        flat = x.reshape(rows, self.in_features).to(self.scales.dtype)
        out = torch._weight_int8pack_mm(flat, self.qweight, self.scales).reshape(*x.shape[:-1], self.out_features)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, dense_rows={self.dense_rows}"


def quantize_weight_only_int8(model: Any, *, dtype: torch.dtype = torch.bfloat16, dense_rows: int = DENSE_ROWS) -> Any:
    """Replace every ``torch.nn.Linear`` of ``model`` (the output layer included) in place; returns it.

    The model should already be in ``dtype``. Tied weights (input embedding = output layer) stay tied
    for the embedding; the output layer gets its own int8 copy. Attention is left as it is (the served
    generator uses models/decode_attention.py)."""
    replaced = 0
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, name, WeightOnlyInt8Linear(child, dtype=dtype, dense_rows=dense_rows))
                replaced += 1
    if replaced == 0:
        raise ValueError("no torch.nn.Linear layer to quantise in this model")
    return model
