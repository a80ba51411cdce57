"""Stable hashes of training data (standard library only: also imported where only torch is installed)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any


def data_hash(records: Iterable[Any]) -> str:
    """A stable hash of training records (anything JSON-serialisable)."""
    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]
