"""Choose the generator's fine-tuning recipe on a validation carve-out, then train it on the whole
train split, generate the held-out replies and save the trained weights (LoRA adapter) for packaging.

Meant for a machine with a GPU (it runs on CPU too, slowly): it needs only torch, transformers,
peft, sacrebleu and this repository's light modules, and reads the examples that
``webcare train generator --brand B --export-examples FILE`` wrote (so the prompts are exactly the
ones the retriever builds here). No decision looks at the held-out split: configurations are
compared on a validation part of the TRAIN split (by conversation), and the held-out split is
generated once, with the chosen configuration. Each reply is chosen as served: the greedy one and
``--samples`` - 1 sampled, decoded with the served copy bias (``--copy-bias``, default the settings'),
ranked by ``webcare.generation.rank_generations`` (``--samples 1``: greedy).

    python -m training.generator_sweep --examples var/gen/bieb.jsonl --base model.gguf \\
        --device cuda --out /tmp/sweep-bieb

Writes ``<out>/result.json`` (validation chrF++ per configuration, the choice, training stats,
held-out generations) and ``<out>/adapter/`` (safetensors). ``webcare train generator --brand B
--from-run <out>`` turns that into a versioned artifact with the full held-out metrics.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from training.generator import GeneratorConfig, encode_example, prepare_model, seed_everything, train_loop
from training.generator_example import GenExample, by_split, examples_hash, read_examples

VALIDATION_PERCENT = 15
DEFAULT_GRID: tuple[dict[str, Any], ...] = (
    {"lora": True, "lora_r": 16, "lora_alpha": 32, "lr": 3e-4, "epochs": 4},
    {"lora": True, "lora_r": 16, "lora_alpha": 32, "lr": 3e-4, "epochs": 8},
    {"lora": True, "lora_r": 16, "lora_alpha": 32, "lr": 6e-4, "epochs": 12},
    {"lora": False, "lr": 5e-5, "epochs": 4},
)


def validation_part(examples: Sequence[GenExample], percent: int = VALIDATION_PERCENT) -> tuple[list[GenExample], list[GenExample]]:
    """(fit, validation) inside the train split, by conversation (stable)."""

    def is_val(e: GenExample) -> bool:
        return int(hashlib.sha1(f"val:{e.conversation_id}".encode()).hexdigest(), 16) % 100 < percent

    return [e for e in examples if not is_val(e)], [e for e in examples if is_val(e)]


def generate_batch(
    model: Any,
    tokenizer: Any,
    examples: Sequence[GenExample],
    *,
    max_len: int,
    batch_size: int = 48,
    decoding: str = "prompt",
    samples: int = 1,
    source_agreement: float = 1.0,
    source_pooling: str = "rank",
    seed: int = 0,
    copy_bias: float = 0.0,
) -> list[str]:
    """One reply per example (same stop strings as ReplyGenerator), batched with left padding.
    ``decoding``: "prompt" (transformers' repetition_penalty, which also counts the prompt: as served),
    "generated" (the penalty over generated tokens only) or "plain" (none). ``samples`` 1: the greedy
    reply; more: as served, the greedy reply and ``samples`` - 1 sampled at T 0.7 / top-p 0.9, the
    first of them as the pipeline ranks them (webcare.generation.rank_generations, the sources weighed
    ``source_agreement``, pooled by ``source_pooling``; grounded against the example's sources, message and thread, without the
    brand's own facts, which the examples do not carry). ``copy_bias``: models.generator.SourceCopyBias's
    bonus, per prompt (served: Settings.generator_copy_bias; 0 = off)."""
    greedy = _decode(model, tokenizer, examples, max_len=max_len, batch_size=batch_size, decoding=decoding, copy_bias=copy_bias)
    if samples <= 1:
        return [rows[0] for rows in greedy]
    import torch

    from models.language import LanguageDetector
    from webcare.generation import rank_generations, system_prompt

    torch.manual_seed(seed)
    sampled = _decode(
        model, tokenizer, examples, max_len=max_len, batch_size=max(1, batch_size // (samples - 1)), decoding=decoding, sampled=samples - 1,
        copy_bias=copy_bias,
    )
    detector = LanguageDetector()
    out: list[str] = []
    for e, first, rest in zip(examples, greedy, sampled, strict=True):
        texts = [*first, *rest]
        order = rank_generations(
            texts, [*e.source_texts, e.message, e.thread_text], message=e.message, instructions=system_prompt(e.messages),
            detector=detector, sources=e.source_texts, source_agreement=source_agreement, source_pooling=source_pooling,
        )
        out.append(texts[order[0]])
    return out


def _decode(
    model: Any,
    tokenizer: Any,
    examples: Sequence[GenExample],
    *,
    max_len: int,
    batch_size: int,
    decoding: str,
    sampled: int = 0,
    copy_bias: float = 0.0,
) -> list[list[str]]:
    """Per example: the greedy reply (``sampled`` 0), or ``sampled`` replies sampled at T 0.7 / top-p 0.9;
    with ``copy_bias``, each prompt's own phrases favoured (SourceCopyBias, as ReplyGenerator serves)."""
    import torch
    from transformers import LogitsProcessorList

    from models.generator import REPETITION_PENALTY, GeneratedRepetitionPenalty, SourceCopyBias, cut_at_stop, max_new_tokens_for
    from training.generator import end_token, fit_prompt, prompt_ids

    device = next(model.parameters()).device
    eos = [i for i in {tokenizer.eos_token_id, end_token(tokenizer)} if isinstance(i, int) and i >= 0]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos[0]
    out: dict[int, list[str]] = {}
    groups: dict[int, list[int]] = {}
    for i, e in enumerate(examples):
        groups.setdefault(max_new_tokens_for(e.length_limit), []).append(i)
    model.eval()
    for new_tokens, indices in groups.items():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            prompts = [fit_prompt(prompt_ids(tokenizer, examples[i].messages), max_len) for i in chunk]
            width = max(len(p) for p in prompts)
            ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, p in enumerate(prompts):
                ids[row, width - len(p) :] = torch.tensor(p)
                mask[row, width - len(p) :] = 1
            per_prompt = max(sampled, 1)  # rows per prompt: num_return_sequences keeps each prompt's samples together
            extra: dict[str, Any] = {}
            processors: list[Any] = []
            if decoding == "generated":
                processors.append(GeneratedRepetitionPenalty(width, REPETITION_PENALTY))
            elif decoding == "prompt":
                extra["repetition_penalty"] = REPETITION_PENALTY
            if copy_bias:
                processors.append(SourceCopyBias(prompts, width, copy_bias, rows_per_prompt=per_prompt))
            if processors:
                extra["logits_processor"] = LogitsProcessorList(processors)
            if sampled:
                extra.update(do_sample=True, temperature=0.7, top_p=0.9, num_return_sequences=sampled)
            else:
                extra["do_sample"] = False
            with torch.inference_mode():
                gen = model.generate(
                    ids.to(device), attention_mask=mask.to(device), max_new_tokens=new_tokens,
                    eos_token_id=eos, pad_token_id=pad, use_cache=True, **extra,
                )
            for row, i in enumerate(chunk):
                out[i] = [
                    cut_at_stop(tokenizer.decode(gen[row * per_prompt + k, width:], skip_special_tokens=True)) for k in range(per_prompt)
                ]
    return [out[i] for i in range(len(examples))]


def chrf(hyps: Sequence[str], refs: Sequence[str]) -> float:
    """eval.metrics' corpus chrF++, rounded for the result file."""
    from eval.metrics import chrf as corpus_chrf

    return round(corpus_chrf(hyps, refs) or 0.0, 2)


def train_one(
    base: Any, tokenizer: Any, examples: Sequence[GenExample], config: GeneratorConfig, run_dir: Path, *, progress: bool = False
) -> tuple[Any, dict[str, Any]]:
    seed_everything(config.seed)
    model = prepare_model(copy.deepcopy(base), config)
    return train_loop(model, tokenizer, examples, config, run_dir, progress=progress)


def sweep(
    base: Any,
    tokenizer: Any,
    examples: Sequence[GenExample],
    out: Path,
    *,
    grid: Sequence[dict[str, Any]] = DEFAULT_GRID,
    common: GeneratorConfig | None = None,
    validate: bool = True,
    decodings: Sequence[str] = ("prompt",),
    refit: bool = True,
    samples: int = 8,
    copy_bias: float = 0.0,
    source_agreement: float = 1.0,
    source_pooling: str = "rank",
    echo: Any = print,
    progress: bool = False,
) -> dict[str, Any]:
    """Each configuration is validated with every decoding in ``decodings``; the best (configuration,
    decoding) is chosen, and the decoding is recorded in the recipe (served with it).
    ``validate=False`` with a one-configuration grid: train it on the whole train split directly.
    ``refit=False`` with a one-configuration grid: keep the model trained on the fit part (validated)
    instead of training again on all of train: half the time, for runs compared across processes.
    The held-out split is generated once per decoding in ``decodings`` (the chosen one, else the first,
    is the headline). ``samples``: replies per example, ranked as served (``generate_batch``; 1: greedy),
    for validation and the held-out split alike, with ``copy_bias`` (served: Settings.generator_copy_bias)
    and the sources weighed ``source_agreement``, pooled by ``source_pooling`` (served: the settings'
    generator_source_agreement / generator_source_pooling). ``progress``: a tqdm bar per training run (stderr)."""
    ranked = {"samples": samples, "copy_bias": copy_bias, "source_agreement": source_agreement, "source_pooling": source_pooling}
    common = common or GeneratorConfig()
    train, heldout = by_split(examples)
    fit, val = validation_part(train)
    echo(f"{len(fit)} fit / {len(val)} validation / {len(heldout)} held-out examples")
    if (not validate or not refit) and len(grid) != 1:
        raise ValueError("without validation or refit the grid must hold exactly one configuration")
    rows: list[dict[str, Any]] = []
    kept: tuple[Any, dict[str, Any], float] | None = None
    for n, params in enumerate(grid if validate else []):
        config = replace(common, **params)
        started = time.perf_counter()
        model, stats = train_one(base, tokenizer, fit, config, out / "runs" / f"val-{n}", progress=progress)
        val_refs = [e.target for e in val]
        by_val = {
            d: chrf(generate_batch(model, tokenizer, val, max_len=config.max_len, decoding=d, **ranked), val_refs)
            for d in decodings
        }
        row = {
            "config": params, "val_chrf++": by_val[decodings[0]], "val_by_decoding": by_val, "train": stats,
            "seconds": round(time.perf_counter() - started, 1),
        }
        rows.append(row)
        echo(json.dumps(row))
        if not refit:
            kept = (model, stats, row["seconds"])
        del model
    # only shippable configurations (LoRA: an adapter travels; full weights do not) compete, unless none is LoRA
    shippable = [r for r in rows if r["config"].get("lora")] or rows
    best_row = max(shippable, key=lambda r: max(r["val_by_decoding"].values())) if rows else None
    best = best_row["config"] if best_row else grid[0]
    config = replace(common, **best)
    if best_row is not None:  # the decoding is part of the recipe: the one that validated best is served
        by_val = best_row["val_by_decoding"]
        config = replace(config, decoding=max(by_val, key=lambda d: by_val[d]))
        decodings = [config.decoding, *[d for d in decodings if d != config.decoding]]
    else:
        config = replace(config, decoding=decodings[0])
    started = time.perf_counter()
    if kept is not None:
        model, stats, train_seconds = kept
        stats = {**stats, "trained_on": "fit part of train (no refit)"}
    else:
        model, stats = train_one(base, tokenizer, train, config, out / "runs" / "final", progress=progress)
        train_seconds = time.perf_counter() - started
    refs = [e.target for e in heldout]
    by_decoding = {
        d: generate_batch(model, tokenizer, heldout, max_len=config.max_len, decoding=d, **ranked) for d in decodings
    }
    hyps = by_decoding[decodings[0]]
    save_trained(model, config, out)
    result = {
        "validation": rows,
        "chosen": {**asdict(config), "learning_rate": config.learning_rate},
        "training": {**stats, "wall_seconds": round(train_seconds, 1)},
        "heldout": {
            "n": len(heldout), "chrf++": chrf(hyps, refs), "decoding": decodings[0], **ranked, "ids": [e.id for e in heldout],
            "generated": hyps,
        },
        "heldout_by_decoding": {d: {"chrf++": chrf(h, refs), "generated": h} for d, h in by_decoding.items()},
        "data_examples": len(examples),
        "data_hash": examples_hash(train),  # the artifact's data hash: `--from-run` checks it against the data here
    }
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def save_trained(model: Any, config: GeneratorConfig, out: Path) -> None:
    """LoRA: the adapter in bf16 (small enough to travel); full: the merged model."""
    import torch

    model = model.to("cpu")
    if config.lora:
        model.to(torch.bfloat16).save_pretrained(out / "adapter", safe_serialization=True)
    else:
        model.save_pretrained(out / "model", safe_serialization=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=Path, required=True, help="JSON Lines written by --export-examples")
    parser.add_argument("--base", required=True, help="base model: packaged alias, local folder or .gguf file")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-len", type=int, default=GeneratorConfig.max_len)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--grid", type=Path, help="JSON list of configuration overrides (default: built-in grid)")
    parser.add_argument("--no-validation", action="store_true", help="train the grid's single configuration on all of train")
    parser.add_argument("--no-refit", action="store_true", help="one-configuration grid: ship the model validated on the fit part, not retrained on all of train")
    parser.add_argument("--progress", action="store_true", help="a progress bar for each training run (stderr)")
    parser.add_argument(
        "--samples", type=int, default=8,
        help="replies sampled per example and ranked as served (validation and held-out alike); 1 = greedy only",
    )
    parser.add_argument(
        "--copy-bias", type=float,
        help="the copy bias drafts are decoded with (models.generator.SourceCopyBias; default: the settings' "
        "generator_copy_bias, as served; 0 = off)",
    )
    parser.add_argument("--decodings", default="prompt", help="comma list of prompt,generated,plain (held-out; first is the headline)")
    args = parser.parse_args(argv)

    from models.generator import load_base
    from webcare.settings import Settings

    settings = Settings()  # the served decoding and ranking (WEBCARE_GENERATOR_* in the environment)
    started = time.perf_counter()
    base, tokenizer = load_base(args.base)
    grid = json.loads(args.grid.read_text()) if args.grid else DEFAULT_GRID
    common = GeneratorConfig(base_model=args.base, device=args.device, max_len=args.max_len, batch_size=args.batch_size, checkpoint_every=10_000)
    args.out.mkdir(parents=True, exist_ok=True)
    examples = read_examples(args.examples)
    if len({e.concept is not None for e in examples}) > 1:
        raise SystemExit(f"{args.examples}: some prompts hold a concept draft and some do not; export the examples again")
    common = replace(common, concept=examples[0].concept is not None)  # packaged with the same prompt format
    encode_example(tokenizer, examples[0], common)  # fail early on a bad file
    decodings = [d.strip() for d in args.decodings.split(",") if d.strip()]
    sweep(base, tokenizer, examples, args.out, grid=grid, common=common, validate=not args.no_validation, decodings=decodings, refit=not args.no_refit,
          samples=args.samples, copy_bias=settings.generator_copy_bias if args.copy_bias is None else args.copy_bias,
          source_agreement=settings.generator_source_agreement, source_pooling=settings.generator_source_pooling, progress=args.progress)
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
