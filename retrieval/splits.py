"""Stable train / held-out splits by conversation, so one conversation never sits on both sides."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal, TypeVar

from retrieval.kb_schema import PastAnswer

Split = Literal["train", "test"]
T = TypeVar("T", bound=PastAnswer)

DEFAULT_TEST_FRACTION = 0.2


def split_of(conversation_id: str, test_fraction: float = DEFAULT_TEST_FRACTION, salt: str = "webcare-v1") -> Split:
    """'test' for a stable ``test_fraction`` of conversation ids, 'train' for the rest."""
    digest = hashlib.sha1(f"{salt}:{conversation_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") / 2**64
    return "test" if bucket < test_fraction else "train"


def split_past_answers(items: Sequence[T], test_fraction: float = DEFAULT_TEST_FRACTION) -> tuple[list[T], list[T]]:
    """(train, test) past answers, split by conversation id."""
    train = [p for p in items if split_of(p.conversation_id, test_fraction) == "train"]
    test = [p for p in items if split_of(p.conversation_id, test_fraction) == "test"]
    return train, test
