"""Versioned trained artifacts: one directory per version with the model, its config, data hash and metrics.

Layout: ``<artifacts_dir>/<brand>/<kind>/<version>/artifact.json`` (+ the model files beside it).
``kind`` is e.g. ``embedder``, ``classifiers`` or ``generator``. Versions sort by name (UTC time stamps),
so the latest is the last one. A version directory is written under a temporary name and renamed
into place when complete, so a half-written artifact is never served.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from webcare.hashing import data_hash

__all__ = ["ArtifactInfo", "ArtifactWriter", "data_hash", "latest", "list_versions", "new_version", "read_info"]


class ArtifactInfo(BaseModel):
    kind: str
    brand: str
    version: str
    created_at: str
    base_model: str | None = None
    data_hash: str
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    notes: str = ""


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def kind_dir(artifacts_dir: Path, brand: str, kind: str) -> Path:
    return artifacts_dir / brand / kind


def list_versions(artifacts_dir: Path, brand: str, kind: str) -> list[Path]:
    root = kind_dir(artifacts_dir, brand, kind)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "artifact.json").is_file())


def latest(artifacts_dir: Path, brand: str, kind: str) -> Path | None:
    versions = list_versions(artifacts_dir, brand, kind)
    return versions[-1] if versions else None


def read_info(path: Path) -> ArtifactInfo:
    return ArtifactInfo.model_validate_json((path / "artifact.json").read_text(encoding="utf-8"))


class ArtifactWriter:
    """Context manager: fill ``writer.path`` with model files, set ``writer.info``; on success the
    directory is renamed to its version name; on failure it is removed."""

    def __init__(self, artifacts_dir: Path, info: ArtifactInfo) -> None:
        self.info = info
        self.final = kind_dir(artifacts_dir, info.brand, info.kind) / info.version
        self.path = self.final.parent / f".{info.version}.partial"

    def __enter__(self) -> ArtifactWriter:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            return
        (self.path / "artifact.json").write_text(self.info.model_dump_json(indent=2), encoding="utf-8")
        os.replace(self.path, self.final)
