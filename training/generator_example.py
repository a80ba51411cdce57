"""One training / evaluation example of the reply generator (no heavy imports: the training loop
can run where only torch + transformers are installed, e.g. a lent GPU machine)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from webcare.hashing import data_hash
from webcare.jsonl import decode_utf8, json_lines


@dataclass
class GenExample:
    id: str
    conversation_id: str
    split: str
    channel: str
    messages: list[dict[str, str]]
    target: str
    source_ids: list[str] = field(default_factory=list)
    source_texts: list[str] = field(default_factory=list)
    message: str = ""
    thread_text: str = ""
    length_limit: int | None = None
    # the retrieval draft put in the prompt (None: a prompt without one; GeneratorConfig.concept)
    concept: str | None = None
    # the pipeline's first retrieval draft for this message (same search, the agent's signature): what an
    # agent gets without the generator, the held-out comparison. No model input: not in the record.
    baseline: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["baseline"]  # not part of the prompt or the target: the record and its data hash stay as they were
        if data["concept"] is None:  # a prompt without a concept: the same record (and data hash) as before the field
            del data["concept"]
        return data


def write_examples(path: Path, examples: Iterable[GenExample]) -> int:
    """JSON Lines, one example a line; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for example in examples:
            fh.write(json.dumps(example.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_examples(path: Path) -> list[GenExample]:
    out: list[GenExample] = []
    for line in json_lines(decode_utf8(path.read_bytes(), path)):
        try:
            if line.error is not None:
                raise ValueError(line.error)
            out.append(GenExample(**line.data))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}:{line.number}: not a generator example ({exc})") from exc
    return out


def by_split(examples: Sequence[GenExample]) -> tuple[list[GenExample], list[GenExample]]:
    return [e for e in examples if e.split == "train"], [e for e in examples if e.split != "train"]


def examples_hash(examples: Sequence[GenExample]) -> str:
    return data_hash(e.to_json() for e in examples)
