"""A key/value cache that grows in place: the generator's decoding steps write into preallocated room.

transformers' ``DynamicCache`` concatenates each new token's keys and values onto the whole cache, so
every decoding step copies the cache of every layer (SmolLM2-135M, ~640 tokens: 60 ``torch.cat`` a
step, ~2.7 ms of a ~27 ms int8 step on 2 cores). :class:`GrowingCache` keeps each layer's keys and
values in a buffer with room for ``room`` more tokens and hands out views of the filled part; a step
writes one position. When the room runs out the buffer is reallocated (with ``room`` to spare again).
Everything else (``batch_repeat_interleave``, ``crop``, reordering) is the ``DynamicCache`` behaviour:
those replace the tensors, and the next update moves them into a fresh buffer.

The views are strided (the buffer is longer than the filled part); the served decode attention reads
them in float32, where that costs nothing (models/decode_attention.py).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

ROOM = 256  # tokens of spare room per (re)allocation: a served reply is at most ~200 new tokens


class GrowingLayer(DynamicLayer):
    """A ``DynamicLayer`` whose ``update`` writes into a preallocated buffer instead of concatenating."""

    def __init__(self, room: int = ROOM) -> None:
        super().__init__()
        self.room = room
        self._key_buffer: torch.Tensor | None = None
        self._value_buffer: torch.Tensor | None = None

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        old = self.keys.shape[-2] if self.keys is not None and self.keys.numel() else 0
        new = old + key_states.shape[-2]
        if not self._fits(key_states, old, new):
            self._reallocate(key_states, value_states, old, new)
        assert self._key_buffer is not None and self._value_buffer is not None
        self._key_buffer[:, :, old:new] = key_states
        self._value_buffer[:, :, old:new] = value_states
        self.keys, self.values = self._key_buffer[:, :, :new], self._value_buffer[:, :, :new]
        return self.keys, self.values

    def _fits(self, key_states: torch.Tensor, old: int, new: int) -> bool:
        """The buffer holds the current keys (not replaced by a crop / repeat / reorder) and has room."""
        buffer = self._key_buffer
        if buffer is None or buffer.dtype != key_states.dtype or buffer.shape[:2] != key_states.shape[:2] or new > buffer.shape[2]:
            return False
        if old == 0:
            return True
        return self.keys.data_ptr() == buffer.data_ptr() and self.values.data_ptr() == self._value_buffer.data_ptr()  # type: ignore[union-attr]

    def _reallocate(self, key_states: torch.Tensor, value_states: torch.Tensor, old: int, new: int) -> None:
        batch, heads, _, dim = key_states.shape
        keys = key_states.new_empty(batch, heads, new + self.room, dim)
        values = value_states.new_empty(batch, heads, new + self.room, value_states.shape[-1])
        if old:
            keys[:, :, :old] = self.keys
            values[:, :, :old] = self.values
        self._key_buffer, self._value_buffer = keys, values

    def reset(self) -> None:
        self._key_buffer = self._value_buffer = None
        super().reset()


class GrowingCache(DynamicCache):
    """A ``DynamicCache`` whose full-attention layers are :class:`GrowingLayer` (sliding-window ones stay)."""

    def __init__(self, *args: Any, room: int = ROOM, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layers = [
            GrowingLayer(room) if type(layer) is DynamicLayer and not layer.is_initialized else layer for layer in self.layers
        ]
        if getattr(self, "layer_class_to_replicate", None) is DynamicLayer:  # built without a config: layers come lazily
            self.layer_class_to_replicate = partial(GrowingLayer, room)
