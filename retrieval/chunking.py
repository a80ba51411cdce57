"""Split long article bodies into overlapping passages on paragraph and sentence boundaries."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _units(text: str) -> list[str]:
    """Paragraphs, with over-long paragraphs split into sentences."""
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            units.extend(s for s in _SENTENCE_END.split(paragraph) if s)
    return units


def chunk_text(text: str, *, max_words: int = 120, overlap: int = 30) -> list[str]:
    """Chunks of at most ~``max_words`` words; consecutive chunks share about ``overlap`` words.

    A single sentence longer than ``max_words`` is cut on word boundaries.
    """
    if max_words < 1:
        raise ValueError("max_words must be positive")
    overlap = min(overlap, max_words // 2)
    words_of = [u.split() for u in _units(text)]
    pieces: list[list[str]] = []
    for words in words_of:
        while len(words) > max_words:
            pieces.append(words[:max_words])
            words = words[max_words - overlap :]
        if words:
            pieces.append(words)
    chunks: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and len(current) + len(piece) > max_words:
            chunks.append(" ".join(current))
            tail = current[-overlap:] if overlap else []
            current = tail + piece if len(tail) + len(piece) <= max_words else list(piece)
        else:
            current = current + piece
    if current:
        chunks.append(" ".join(current))
    return chunks or ([" ".join(text.split())] if text.strip() else [])
