"""The reply generator: a causal LM fine-tuned per brand, loaded from a versioned artifact.

Serving never loads an untuned base: :class:`ReplyGenerator` is only built from a ``generator``
artifact (merged weights, or a LoRA adapter applied over the base). The base itself is loaded by
:func:`load_base` (training, and under LoRA adapters); a GGUF base such as the packaged
SmolLM2-135M-Instruct is de-quantised once into an ordinary transformers folder and cached.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.decode_attention import use_decode_attention
from models.resolution import DEFAULT_GENERATOR_BASE, ModelNotAvailableError, resolve_model

log = logging.getLogger(__name__)

DEFAULT_BASE = DEFAULT_GENERATOR_BASE
ADAPTER_DIR = "adapter"
MODEL_DIR = "model"
REPETITION_PENALTY = 1.1
GENERATOR_DTYPES = ("float32", "bfloat16", "int8")  # how ReplyGenerator.from_artifact holds the weights
DECODINGS = ("prompt", "generated", "plain")  # where the repetition penalty looks (ReplyGenerator)
STOP_STRINGS = ("<|im_start|>", "<|im_end|>", "\nKlant:", "\nBericht van de klant:")


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name.lower())


def base_cache_dir(cache_root: Path, name: str) -> Path:
    return cache_root / _safe_name(name)


def load_base(name: str, cache_root: Path | None = None, *, dtype: Any = None) -> tuple[Any, Any]:
    """(model, tokenizer) of a base causal LM, offline when ``name`` resolves to local files.

    A GGUF file is de-quantised by transformers into a float model; such a model refuses
    ``save_pretrained``, so it is rebuilt from its config + state dict and (when ``cache_root`` is
    given) saved there as safetensors, which later loads in a few seconds instead of ~20.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype or torch.float32
    cached = base_cache_dir(cache_root, name) if cache_root is not None else None
    if cached is not None and (cached / "config.json").is_file():
        tokenizer = AutoTokenizer.from_pretrained(cached)
        model = AutoModelForCausalLM.from_pretrained(cached, dtype=dtype)
        return model, tokenizer
    resolved = resolve_model(name)
    kwargs: dict[str, Any] = {"local_files_only": resolved.local}
    if resolved.file:
        kwargs["gguf_file"] = resolved.file
    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved.location, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(resolved.location, dtype=dtype, **kwargs)
    except OSError as exc:
        raise ModelNotAvailableError(f"cannot load generator base {name!r} from {resolved.location!r}: {exc}") from exc
    if resolved.file:  # GGUF: make it an ordinary (serialisable) transformers model
        config = model.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        plain = AutoModelForCausalLM.from_config(config, dtype=dtype)
        plain.load_state_dict(model.state_dict())
        plain.generation_config = model.generation_config
        model = plain
        if cached is not None:
            tmp = cached.with_name(cached.name + f".tmp{os.getpid()}")
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            if cached.exists():
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
            else:
                os.replace(tmp, cached)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def max_new_tokens_for(limit_chars: int | None, *, cap: int = 200, floor: int = 48) -> int:
    """Tokens to generate for a channel limit in characters (~3.2 characters a token in Dutch)."""
    if limit_chars is None:
        return cap
    return max(floor, min(cap, int(limit_chars / 3.2)))


def cut_at_stop(text: str) -> str:
    """A decoded reply up to its first stop string, stripped."""
    for stop in STOP_STRINGS:
        text = text.split(stop)[0]
    return text.strip()


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch intra-op threads (None or 0: leave as is), then restore.
    The setting is process-wide: callers serialise the blocks that change it (GenerationService)."""
    import torch

    before = torch.get_num_threads()
    if threads and threads != before:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def prepare_for_serving(model: Any, dtype: str) -> Any:
    """Make a loaded or just-trained causal LM what serving decodes with, in place: ``dtype`` weights
    ("float32", "bfloat16", or "int8": bfloat16 plus weight-only int8 copies of the Linear layers for
    decoding steps) and the served attention (models/decode_attention.py)."""
    import torch

    if dtype not in GENERATOR_DTYPES:
        raise ValueError(f"unknown generator dtype {dtype!r}: one of {', '.join(GENERATOR_DTYPES)}")
    model.to(torch.float32 if dtype == "float32" else torch.bfloat16)
    if dtype == "int8":
        from models.weight_only_int8 import quantize_weight_only_int8

        quantize_weight_only_int8(model)
    use_decode_attention(model)
    return model


@dataclass
class Generation:
    text: str
    tokens: int
    seconds: float


class GeneratedRepetitionPenalty:
    """Repetition penalty over the GENERATED tokens only (transformers' ``repetition_penalty`` also
    counts the prompt, so it discourages copying from the sources). Served when the sweep chose it on
    validation (``decoding="generated"``). For a model without a concept draft in its prompt it measured
    worse (24 held-out bieb replies: 24.1 with transformers' penalty 1.1, 22.7 with this one at 1.15,
    21.8 with none); with a concept draft, which the model should copy from, it measured better (54
    validation replies, bieb, 4 epochs: 23.0 vs 17.3)."""

    def __init__(self, prompt_len: int, penalty: float = REPETITION_PENALTY) -> None:
        self.prompt_len = prompt_len
        self.penalty = penalty

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        generated = input_ids[:, self.prompt_len :]
        if generated.shape[1] == 0 or self.penalty == 1.0:
            return scores
        picked = torch.gather(scores, 1, generated)
        picked = torch.where(picked < 0, picked * self.penalty, picked / self.penalty)
        return scores.scatter(1, generated, picked)


class SourceCopyBias:
    """A pointer-style copy bias: when the last ``context`` generated tokens also occur in the prompt
    (the sources, the message), the tokens that follow them there get ``bonus`` added to their logits.
    Nudges a small model to reuse the brand's own wording and facts instead of inventing words.
    ``prompts``: one prompt for every row (the served call: n drafts of one message), or, for a batch of
    different prompts (padding left out of each), one per ``rows_per_prompt`` consecutive rows (as
    ``num_return_sequences`` lays them out)."""

    def __init__(
        self, prompts: Sequence[Sequence[int]], prompt_len: int, bonus: float, context: int = 2, *, rows_per_prompt: int = 1
    ) -> None:
        self.prompt_len = prompt_len
        self.bonus = bonus
        self.context = context
        self.rows_per_prompt = rows_per_prompt
        self.maps = [self._followers(p, context) for p in prompts]

    @staticmethod
    def _followers(prompt: Sequence[int], context: int) -> dict[tuple[int, ...], list[int]]:
        next_after: dict[tuple[int, ...], list[int]] = {}
        for i in range(context, len(prompt)):
            followers = next_after.setdefault(tuple(prompt[i - context : i]), [])
            if prompt[i] not in followers:
                followers.append(prompt[i])
        return next_after

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if input_ids.shape[1] - self.prompt_len < self.context or self.bonus == 0.0:
            return scores
        for row in range(input_ids.shape[0]):
            next_after = self.maps[0] if len(self.maps) == 1 else self.maps[row // self.rows_per_prompt]
            followers = next_after.get(tuple(input_ids[row, -self.context :].tolist()))
            if followers:
                scores[row, followers] += self.bonus
        return scores


class GreedyRows:
    """In a sampled batch, makes the first ``rows`` rows greedy: only their best-scoring token stays
    possible. Must come after every processor that changes scores (penalties, copy bias) and before
    temperature / top-p, which is where transformers puts custom processors."""

    def __init__(self, rows: int = 1) -> None:
        self.rows = rows

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        head = scores[: self.rows]
        best = head.argmax(dim=-1, keepdim=True)
        kept = torch.full_like(head, float("-inf")).scatter(1, best, head.gather(1, best))
        return torch.cat([kept, scores[self.rows :]])


class _StopOnStrings:
    """Stops a sequence once its generated tail contains a stop string (works with any tokenizer,
    unlike transformers' ``stop_strings`` which needs a byte-level vocabulary)."""

    def __init__(self, tokenizer: Any, prompt_len: int, window: int = 12) -> None:
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.window = window

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        done = []
        for row in input_ids:
            tail = row[max(self.prompt_len, len(row) - self.window) :]
            text = self.tokenizer.decode(tail, skip_special_tokens=False)
            done.append(any(stop in text for stop in STOP_STRINGS[2:]))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)



def load_artifact_weights(path: Path, *, base_cache: Path | None = None, dtype: Any = None, merge: bool = True) -> tuple[Any, Any]:
    """(model, tokenizer) of a ``generator`` artifact: ``model/`` (full weights) or ``adapter/`` (LoRA over
    its base, merged into it unless ``merge`` is False, e.g. to save the adapter again)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path / "tokenizer")
    if (path / MODEL_DIR).is_dir():
        return AutoModelForCausalLM.from_pretrained(path / MODEL_DIR, dtype=dtype), tokenizer
    if (path / ADAPTER_DIR).is_dir():
        from peft import PeftModel

        info = json.loads((path / "artifact.json").read_text(encoding="utf-8"))
        base, _ = load_base(info.get("base_model") or DEFAULT_BASE, base_cache, dtype=dtype)
        model = PeftModel.from_pretrained(base, path / ADAPTER_DIR)
        return (model.merge_and_unload() if merge else model), tokenizer
    raise ModelNotAvailableError(f"generator artifact {path} has neither {MODEL_DIR}/ nor {ADAPTER_DIR}/")

class ReplyGenerator:
    """A brand's fine-tuned generator. Thread-safe (one generation at a time per model)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        artifact: Path | None = None,
        version: str = "",
        copy_bias: float = 0.0,
        concept: bool = False,
        decoding: str = "prompt",
    ) -> None:
        """``concept``: trained on prompts that hold the best retrieval draft (GeneratorConfig.concept).
        ``decoding``: the repetition penalty chosen with the recipe (GeneratorConfig.decoding): "prompt"
        (transformers', which also counts the prompt), "generated" (generated tokens only) or "plain"."""
        if decoding not in DECODINGS:
            raise ValueError(f"unknown decoding {decoding!r}: one of {', '.join(DECODINGS)}")
        self.model = model.eval()
        self.concept = concept
        self.decoding = decoding
        self.copy_bias = copy_bias
        self.tokenizer = tokenizer
        self.artifact = artifact
        self.version = version
        self._lock = threading.Lock()

    @classmethod
    def from_artifact(
        cls, path: Path, *, base_cache: Path | None = None, dtype: str = "float32", copy_bias: float = 0.0
    ) -> ReplyGenerator:
        """Load a ``generator`` artifact: ``model/`` (merged weights) or ``adapter/`` (LoRA over the base).

        ``dtype``: "float32", "bfloat16", or "int8": bfloat16 whose decoding steps read weight-only int8
        copies of the Linear layers (models/weight_only_int8.py). Attention: SDPA for the prompt, grouped
        matmuls for each new token (models/decode_attention.py)."""
        import torch

        if dtype not in GENERATOR_DTYPES:
            raise ValueError(f"unknown generator dtype {dtype!r}: one of {', '.join(GENERATOR_DTYPES)}")
        torch_dtype = torch.bfloat16 if dtype == "int8" else getattr(torch, dtype)
        info = json.loads((path / "artifact.json").read_text(encoding="utf-8"))
        model, tokenizer = load_artifact_weights(path, base_cache=base_cache, dtype=torch_dtype)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        prepare_for_serving(model, dtype)
        recipe = info.get("hyperparameters") or {}
        return cls(
            model, tokenizer, artifact=path, version=info.get("version", path.name), copy_bias=copy_bias,
            concept=bool(recipe.get("concept", False)), decoding=str(recipe.get("decoding", "prompt")),
        )

    def prompt_ids(self, messages: Sequence[dict[str, str]]) -> list[int]:
        return list(
            self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True, return_dict=False)
        )

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        *,
        n: int = 1,
        max_new_tokens: int = 120,
        temperature: float = 0.7,
        top_p: float = 0.9,
        seed: int = 0,
        threads: int | None = None,
    ) -> list[Generation]:
        """``n`` replies for one chat prompt: the first greedy, the others sampled (distinct drafts).
        ``threads``: torch intra-op threads for this call (see :func:`torch_threads`)."""
        import torch
        from transformers import LogitsProcessorList, StoppingCriteriaList

        prompt = self.prompt_ids(messages)
        ids = torch.tensor([prompt], dtype=torch.long)
        eos = [i for i in {self.tokenizer.eos_token_id, self.tokenizer.convert_tokens_to_ids("<|im_end|>")} if isinstance(i, int) and i >= 0]
        common: dict[str, Any] = {
            "max_new_tokens": max_new_tokens,
            "eos_token_id": eos,
            "pad_token_id": self.tokenizer.pad_token_id,
            "use_cache": True,
            "stopping_criteria": StoppingCriteriaList([_StopOnStrings(self.tokenizer, ids.shape[1])]),
        }
        processors: list[Any] = []
        if self.decoding == "prompt":
            common["repetition_penalty"] = REPETITION_PENALTY
        elif self.decoding == "generated":
            processors.append(GeneratedRepetitionPenalty(ids.shape[1], REPETITION_PENALTY))
        if self.copy_bias:
            processors.append(SourceCopyBias([prompt], ids.shape[1], self.copy_bias))
        if processors:
            common["logits_processor"] = LogitsProcessorList(processors)
        with self._lock, torch_threads(threads), torch.inference_mode():
            start = time.perf_counter()
            cache = self._prefill(prompt, n)
            batch = ids.repeat(n, 1)
            if n > 1:  # one batch: row 0 greedy, the others sampled; decoding n rows costs little more than one
                torch.manual_seed(seed)
                common["logits_processor"] = LogitsProcessorList([*processors, GreedyRows(1)])
                sampling: dict[str, Any] = {"do_sample": True, "temperature": temperature, "top_p": top_p}
            else:
                sampling = {"do_sample": False}
            out = self.model.generate(batch, attention_mask=torch.ones_like(batch), past_key_values=cache, **sampling, **common)
            took = time.perf_counter() - start
        return [self._decode(row, ids.shape[1], took) for row in out]

    def _prefill(self, prompt: Sequence[int], n: int) -> Any:
        """The KV cache of the prompt minus its last token, computed once and repeated for the ``n`` rows
        (``generate`` would otherwise run the prefill, the costliest part of a short reply, n times).
        A :class:`~models.kv_cache.GrowingCache`: decoding steps write into preallocated room."""
        import torch

        from models.kv_cache import GrowingCache

        cache = GrowingCache(config=self.model.config)
        if len(prompt) > 1:
            self.model(torch.tensor([list(prompt[:-1])], dtype=torch.long), past_key_values=cache, use_cache=True)
            if n > 1:
                cache.batch_repeat_interleave(n)
        return cache

    def _decode(self, row: Any, prompt_len: int, seconds: float) -> Generation:
        new = row[prompt_len:]
        text = cut_at_stop(self.tokenizer.decode(new, skip_special_tokens=True))
        pad = self.tokenizer.pad_token_id
        tokens = int(sum(1 for t in new.tolist() if t != pad))
        return Generation(text=text, tokens=tokens, seconds=seconds)
