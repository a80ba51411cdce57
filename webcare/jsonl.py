"""Reading the JSON Lines files people bring (KB files, eval sets, batch input, generator examples):
one decoder and one wording of errors, so every reader reports ``file:line: problem`` the same way.

Standard library only: the generator's training examples are read where only torch is installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class Utf8Error(ValueError):
    """The file is not UTF-8; ``line`` is where the first bad byte sits."""

    def __init__(self, path: Path | str, line: int, byte: int) -> None:
        self.detail = f"not valid UTF-8 (line {line}, byte {byte}); save it as UTF-8"
        super().__init__(f"{path}: {self.detail}")
        self.line = line


@dataclass(frozen=True)
class JsonLine:
    """One non-empty line: its 1-based number in the file and either the decoded value or an error."""

    number: int
    data: Any = None
    error: str | None = None


def decode_utf8(raw: bytes, path: Path | str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Utf8Error(path, raw[: exc.start].count(b"\n") + 1, exc.start) from exc


def json_lines(text: str) -> Iterator[JsonLine]:
    """Every non-empty line of ``text`` decoded; blank lines are skipped but still counted."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield JsonLine(number, json.loads(line))
        except json.JSONDecodeError as exc:
            yield JsonLine(number, error=f"invalid JSON at column {exc.colno}: {exc.msg}")


def describe_errors(errors: list[Any]) -> str:
    """pydantic's ``ValidationError.errors()`` as one line: ``field.sub: message; ...``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: {e['msg']}" for e in errors)
