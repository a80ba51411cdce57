"""Fine-tune the reply generator (SmolLM2-135M-Instruct by default) on a brand's past answers.

- data: training/generator_data.py (retrieval-grounded prompts, no leakage, split by conversation)
- chat template of the base; loss on the reply tokens only (prompt tokens are labelled -100)
- full fine-tuning (default: measured faster here) or LoRA (peft); AdamW, linear warm-up/decay, gradient clipping
- tqdm progress; a checkpoint every N steps (trainable weights + optimizer + scheduler + RNG +
  step) in ``<data_dir>/runs/<brand>/generator/<run>/``; ``resume=True`` continues the run with the
  same configuration and data hash from its last checkpoint
- fixed seeds; the data order is a function of (seed, epoch)
- a versioned ``generator`` artifact: adapter/ (LoRA) or model/ (full) as safetensors, tokenizer/,
  model_config.json, data hash, hyperparameters and held-out metrics (chrF++ vs the agents' replies,
  against the retrieval-only draft; Dutch rate; grounded rate)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from models.resolution import DEFAULT_GENERATOR_BASE
from training.generator_example import GenExample
from training.memory import keep_freed_memory

log = logging.getLogger(__name__)

IGNORE = -100
HELDOUT_DRAFTS = "heldout_drafts.jsonl"  # in a generator artifact: every held-out example's sampled drafts
PROMPT_HEAD_TOKENS = 96  # kept from the start of a prompt that must be shortened (system + channel line)


@dataclass(frozen=True)
class GeneratorConfig:
    base_model: str = DEFAULT_GENERATOR_BASE
    # Measured on the 2-core CPU in float32 (bench/generator_train_step.py, 4 x 384 tokens): full 10.6 s/step,
    # LoRA r=16 on all projections 29.5 s/step (peft's extra matmuls cost more than the smaller
    # optimizer saves on a 135M model), same ~8.4 GB peak RSS. Full is the default; LoRA gives
    # a ~20 MB adapter instead of a 538 MB model. See ``precision`` for bfloat16 autocast.
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    epochs: float = 1.0
    max_steps: int | None = None
    batch_size: int = 4
    lr: float | None = None  # default: 2e-4 (LoRA) / 5e-5 (full)
    warmup_steps: int = 10
    weight_decay: float = 0.0
    max_len: int = 768
    max_target_tokens: int = 200
    seed: int = 7
    checkpoint_every: int = 25
    eval_limit: int = 40
    # "cpu" (default) or e.g. "cuda" where a GPU is lent. Not part of key(): a run may resume on another device.
    device: str = "cpu"
    # "auto": bfloat16 autocast on CUDA, and on a CPU with native bfloat16 (AVX-512 / AMX; the 2-core
    # machine here: a 4 x 768-token full fine-tuning step 12.7-17.9 s -> 6.4-7.3 s, same losses to 2
    # decimals over the first steps); "fp32" / "bf16" force it. Weights and optimizer stay float32.
    # Not part of key() either.
    precision: str = "auto"
    # canned answers paired with this many train messages each as extra examples (training/generator_data.py)
    canned_pairs: int = 2
    # the prompt also holds the best retrieval draft, to be adapted (training/generator_data.py); the
    # pipeline then passes its first retrieval draft to an artifact trained so
    concept: bool = False
    # the repetition penalty served with this model (models.generator.DECODINGS); the sweep picks it on
    # validation together with the recipe
    decoding: str = "prompt"
    # on the CPU, keep the memory a step frees for the next one (training/memory.py: fewer page faults,
    # ~18% faster steps over a whole run here, but the resident size grows with the steps). Opt-in. Not part of key().
    keep_memory: bool = False

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (2e-4 if self.lora else 5e-5)

    def key(self) -> str:
        """Identifies a run for --resume (everything that changes the optimisation)."""
        skip = ("checkpoint_every", "eval_limit", "max_steps", "epochs", "device", "precision", "decoding", "keep_memory")
        data = {k: v for k, v in asdict(self).items() if k not in skip}
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]


PRECISIONS = ("auto", "fp32", "bf16")


def autocast_dtype(device_type: str, precision: str) -> Any:
    """The autocast dtype of a training step (None: plain float32) for ``precision`` on ``device_type``."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: one of {', '.join(PRECISIONS)}")
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device_type == "cuda":
        return torch.bfloat16
    if device_type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return torch.bfloat16
    return None


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# tokenisation -------------------------------------------------------------------------------------
def fit_prompt(ids: list[int], budget: int, head: int = PROMPT_HEAD_TOKENS) -> list[int]:
    """Shorten a prompt to ``budget`` tokens by dropping from the middle (the sources), keeping the
    start (instructions, channel) and the end (the customer's message and the assistant turn)."""
    if len(ids) <= budget:
        return ids
    head = min(head, budget // 2)
    return ids[:head] + ids[len(ids) - (budget - head) :]


def prompt_ids(tokenizer: Any, messages: Sequence[dict[str, str]]) -> list[int]:
    return list(tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True, return_dict=False))


def end_token(tokenizer: Any) -> int:
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    return im_end if isinstance(im_end, int) and im_end != tokenizer.unk_token_id else tokenizer.eos_token_id


def encode_example(tokenizer: Any, example: GenExample, config: GeneratorConfig) -> tuple[list[int], list[int]]:
    """(input_ids, labels): prompt tokens are labelled -100, the reply (+ end token) is learned."""
    target = list(tokenizer(example.target, add_special_tokens=False)["input_ids"])[: config.max_target_tokens]
    target.append(end_token(tokenizer))
    prompt = fit_prompt(prompt_ids(tokenizer, example.messages), config.max_len - len(target))
    return prompt + target, [IGNORE] * len(prompt) + target


def collate(batch: Sequence[tuple[list[int], list[int]]], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(ids) for ids, _ in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (ids, labs) in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(labs)] = torch.tensor(labs)
        attention[row, : len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}


# model ---------------------------------------------------------------------------------------------
def prepare_model(model: Any, config: GeneratorConfig) -> Any:
    """Wrap ``model`` with LoRA adapters (only they train) or leave it whole (full fine-tuning)."""
    if not config.lora:
        model.requires_grad_(True)
        return model
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.lora_targets),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def _trainable_state(model: Any) -> dict[str, Any]:
    return {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}


# checkpoints ---------------------------------------------------------------------------------------
@dataclass
class TrainState:
    step: int = 0
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def save_checkpoint(run_dir: Path, model: Any, optimizer: Any, scheduler: Any, state: TrainState) -> Path:
    import torch
    from safetensors.torch import save_file

    final = run_dir / f"checkpoint-{state.step:06d}"
    tmp = run_dir / f".checkpoint-{state.step:06d}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(_trainable_state(model), str(tmp / "trainable.safetensors"))
    torch.save(
        {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()},
        },
        tmp / "optim.pt",
    )
    (tmp / "state.json").write_text(json.dumps(asdict(state)), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    for old in run_dir.glob("checkpoint-*"):  # keep the last one only (full checkpoints are ~1.6 GB)
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = sorted(p for p in run_dir.glob("checkpoint-*") if (p / "state.json").is_file())
    return found[-1] if found else None


def load_checkpoint(path: Path, model: Any, optimizer: Any, scheduler: Any) -> TrainState:
    import torch
    from safetensors.torch import load_file

    weights = load_file(str(path / "trainable.safetensors"))
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, tensor in weights.items():
            params[name].copy_(tensor)
    extra = torch.load(path / "optim.pt", weights_only=False)
    optimizer.load_state_dict(extra["optimizer"])
    scheduler.load_state_dict(extra["scheduler"])
    random.setstate(extra["rng"]["python"])
    np.random.set_state(extra["rng"]["numpy"])
    torch.set_rng_state(extra["rng"]["torch"])
    return TrainState(**json.loads((path / "state.json").read_text(encoding="utf-8")))


# the loop ------------------------------------------------------------------------------------------
def batch_order(n_examples: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    order = list(range(n_examples))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return [order[i : i + batch_size] for i in range(0, n_examples, batch_size)]


def train_loop(
    model: Any,
    tokenizer: Any,
    examples: Sequence[GenExample],
    config: GeneratorConfig,
    run_dir: Path,
    *,
    resume: bool = False,
    progress: bool = True,
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train ``model`` (already prepared: LoRA-wrapped or full) on ``examples``; returns (model, stats)."""
    import torch
    from tqdm import tqdm

    if not examples:
        raise ValueError("no training examples")
    seed_everything(config.seed)
    encoded = [encode_example(tokenizer, e, config) for e in examples]
    steps_per_epoch = math.ceil(len(encoded) / config.batch_size)
    total = config.max_steps or max(1, math.ceil(steps_per_epoch * config.epochs))
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=config.weight_decay)
    warmup = min(config.warmup_steps, max(1, total // 10))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, (total - s) / max(1, total - warmup))
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    state = TrainState()
    checkpoint = latest_checkpoint(run_dir) if resume else None
    if checkpoint is not None:
        state = load_checkpoint(checkpoint, model, optimizer, scheduler)
        log.info("resumed from %s (step %d)", checkpoint, state.step)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else end_token(tokenizer)
    device = torch.device(config.device)
    model.to(device)
    dtype = autocast_dtype(device.type, config.precision)
    kept_memory = device.type == "cpu" and config.keep_memory and keep_freed_memory()
    autocast = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
    model.train()
    bar = tqdm(total=total, initial=state.step, desc="generator", unit="step", disable=not progress)
    started = time.perf_counter() - state.seconds
    tokens_seen = 0
    while state.step < total:
        epoch, offset = divmod(state.step, steps_per_epoch)
        batch_ids = batch_order(len(encoded), config.batch_size, config.seed, epoch)[offset]
        batch = {k: v.to(device) for k, v in collate([encoded[i] for i in batch_ids], pad).items()}
        tokens_seen += int(batch["attention_mask"].sum())
        with autocast:
            out = model(**batch)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        state.step += 1
        state.losses.append(round(float(out.loss.item()), 4))
        state.seconds = time.perf_counter() - started
        bar.set_postfix(loss=f"{state.losses[-1]:.3f}", epoch=epoch)
        bar.update(1)
        if on_step:
            on_step(state.step, state.losses[-1])
        if state.step % config.checkpoint_every == 0 or state.step == total:
            save_checkpoint(run_dir, model, optimizer, scheduler, state)
    bar.close()
    model.eval()
    window = max(1, min(10, len(state.losses) // 4 or 1))
    stats = {
        "steps": state.step,
        "steps_per_epoch": steps_per_epoch,
        "examples": len(encoded),
        "seconds": round(state.seconds, 1),
        "seconds_per_step": round(state.seconds / max(state.step, 1), 2),
        "loss_first": round(float(np.mean(state.losses[:window])), 4) if state.losses else None,
        "loss_last": round(float(np.mean(state.losses[-window:])), 4) if state.losses else None,
        "peak_rss_mb": _peak_rss_mb(),
        "autocast": str(dtype).removeprefix("torch.") if dtype is not None else "float32",
        "kept_freed_memory": kept_memory,
    }
    return model, stats


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# artifact ------------------------------------------------------------------------------------------
def save_generator(path: Path, model: Any, tokenizer: Any, config: GeneratorConfig) -> None:
    """Weights (adapter/ for LoRA, model/ for full; safetensors), tokenizer/ and model_config.json."""
    if config.lora:
        model.save_pretrained(path / "adapter", safe_serialization=True)
        base = model.get_base_model()
    else:
        model.save_pretrained(path / "model", safe_serialization=True)
        base = model
    tokenizer.save_pretrained(path / "tokenizer")
    base.config.to_json_file(str(path / "model_config.json"))


def run_dir_for(runs_root: Path, brand: str, config: GeneratorConfig, data: str) -> Path:
    mode = "lora" if config.lora else "full"
    return runs_root / brand / "generator" / f"{mode}-{data}-{config.key()}"


# evaluation ----------------------------------------------------------------------------------------
def retrieval_draft(example: GenExample, retriever: Any, drafter: Any, profile: Any, pii: Any) -> str:
    """The retrieval-only draft an example is compared with: the pipeline's first retrieval draft for its
    message, as ``build_examples`` drafted it (the same search, the agent's signature: ``example.baseline``).
    Examples without one (read from a file) get a search for the message alone (personal data masked),
    the example's own past answer excluded, drafted without the agent."""
    if example.baseline is not None:
        return example.baseline
    from webcare.prompting import retrieval_query

    hits = retriever.search(pii.mask(retrieval_query(example.message, [])), k=10, exclude_ids={f"past_answer:{example.id}"})
    drafts = drafter.draft(hits, profile, length_limit=profile.channel_limits.get(example.channel))
    return drafts[0].text if drafts else ""


def evaluate_generator(
    generator: Any,
    kb: Any,
    examples: Sequence[GenExample],
    *,
    retriever: Any | None = None,
    limit: int | None = None,
    progress: bool = True,
    candidates: int = 1,
    drafts_file: Path | None = None,
    source_agreement: float = 0.0,
    source_pooling: str = "rank",
) -> dict[str, Any]:
    """Held-out metrics of a ReplyGenerator (model output, before the guard): chrF++ against the
    agents' real replies (and, given the retriever, the retrieval-only draft's chrF++ on the same
    examples), Dutch rate, grounded rate, latency. ``candidates``: drafts sampled per message and ranked
    as the pipeline ranks them (webcare.generation.rank_generations, the passages in the prompt weighed
    ``source_agreement`` and pooled by ``source_pooling``: Settings.generator_source_agreement and
    generator_source_pooling when served); the first one is scored.
    ``drafts_file``: every example's sampled drafts, the one ranked first, the retrieval draft and the
    agent's reply, one JSON object per line (for reading them all, and for ``bench/generator_ranking.py
    --load`` to try another ranking without the model)."""
    from tqdm import tqdm

    from eval.metrics import chrf, length_ratio
    from models.generator import max_new_tokens_for
    from models.language import LanguageDetector
    from models.pii import PiiDetector
    from webcare.drafting import RetrievalDrafter
    from webcare.coherence import brand_vocabulary
    from webcare.generation import PIPELINE_BASELINE, rank_generations, ranking_name, system_prompt
    from webcare.grounding import check_grounding
    from webcare.guard import draft_evidence

    chosen = list(examples)[:limit] if limit else list(examples)
    language = LanguageDetector()
    # the words the brand's KB offers, without the replies being measured
    vocabulary = brand_vocabulary(kb, without_answers={e.id for e in examples})
    profile = kb.profile
    pii = PiiDetector(profile.pii_patterns)
    drafter = RetrievalDrafter(n_drafts=1)
    hyps: list[str] = []
    refs: list[str] = []
    baseline: list[str] = []
    dutch = grounded = 0
    seconds: list[float] = []
    samples: list[dict[str, str]] = []
    rows: list[dict[str, Any]] = []
    for example in tqdm(chosen, desc="eval", unit="ex", disable=not progress):
        limit_chars = profile.channel_limits.get(example.channel)
        evidence = draft_evidence(example.source_texts, example.message, [example.thread_text], profile)
        outs = generator.generate(example.messages, n=candidates, max_new_tokens=max_new_tokens_for(limit_chars))
        order = rank_generations(
            [o.text for o in outs], evidence, message=example.message, instructions=system_prompt(example.messages),
            detector=language, language=profile.language, vocabulary=vocabulary,
            sources=example.source_texts, source_agreement=source_agreement, source_pooling=source_pooling,
        )
        out = outs[order[0]]
        hyps.append(out.text)
        refs.append(example.target)
        seconds.append(out.seconds)
        dutch += language.detect(out.text).language == "nl" if out.text.strip() else 0
        grounded += check_grounding(out.text, evidence).grounded
        if retriever is not None:
            baseline.append(retrieval_draft(example, retriever, drafter, profile, pii))
        if drafts_file is not None:
            rows.append({
                "id": example.id, "message": example.message, "target": example.target, "drafts": [o.text for o in outs],
                "first": order[0], "retrieval": baseline[-1] if retriever is not None else None, "evidence": evidence,
                "sources": example.source_texts,
                "instructions": system_prompt(example.messages), "language": profile.language, "seconds": out.seconds,
            })
        if len(samples) < 5:
            samples.append({"message": example.message, "reference": example.target, "generated": out.text})
    n = max(len(chosen), 1)
    metrics: dict[str, Any] = {
        "n": len(chosen),
        "candidates": candidates,
        "ranking": ranking_name(source_agreement, source_pooling),
        "source_agreement": source_agreement,
        "source_pooling": source_pooling,
        "chrf++": round(chrf(hyps, refs) or 0.0, 2),
        "chrf++_beta1": round(chrf(hyps, refs, beta=1) or 0.0, 2),  # precision weighed as much as recall
        "length_ratio": round(length_ratio(hyps, refs) or 0.0, 3),  # characters per character of the replies
        "dutch_rate": round(dutch / n, 4),
        "grounded_rate": round(grounded / n, 4),
        "seconds_per_message_p50": round(float(np.median(seconds)), 2) if seconds else None,
        "samples": samples,
    }
    if baseline:
        metrics["retrieval_baseline_chrf++"] = round(chrf(baseline, refs) or 0.0, 2)
        metrics["retrieval_baseline_chrf++_beta1"] = round(chrf(baseline, refs, beta=1) or 0.0, 2)
        metrics["retrieval_baseline_length_ratio"] = round(length_ratio(baseline, refs) or 0.0, 3)
        metrics["beats_retrieval_baseline"] = metrics["chrf++"] > metrics["retrieval_baseline_chrf++"]
        # which retrieval draft: the pipeline's (the quality gate asks for it), or, for examples read from a file, one
        # searched for the message alone and drafted without the agent's signature
        metrics["retrieval_baseline"] = PIPELINE_BASELINE if all(e.baseline is not None for e in chosen) else "message alone"
    if drafts_file is not None:
        drafts_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return metrics


# the whole command ---------------------------------------------------------------------------------
def run(
    kb: Any,
    settings: Any,
    embedder: Any,
    config: GeneratorConfig | None = None,
    *,
    resume: bool = False,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    base: tuple[Any, Any] | None = None,
    evaluate: bool = True,
) -> Path:
    """Build the data, fine-tune, evaluate on the held-out split and write a ``generator`` artifact.
    ``base``: an already loaded (model, tokenizer) instead of ``config.base_model`` (tests)."""
    from models.generator import load_base
    from training.generator_data import build_examples
    from training.generator_example import examples_hash
    from training.retrieval_eval import heldout_retriever

    config = config or GeneratorConfig()
    seed_everything(config.seed)
    started = time.perf_counter()
    retriever = heldout_retriever(kb, embedder, settings)
    train, test = build_examples(kb, settings, embedder, retriever=retriever, canned_pairs=config.canned_pairs, concept=config.concept)
    data = examples_hash(train)
    echo(f"{kb.brand}: {len(train)} training / {len(test)} held-out examples (data {data}) in {time.perf_counter() - started:.0f} s")
    model, tokenizer = base if base is not None else load_base(config.base_model, settings.data_dir / "base_models")
    model = prepare_model(model, config)
    run_dir = run_dir_for(settings.data_dir / "runs", kb.brand, config, data)
    model, stats = train_loop(model, tokenizer, train, config, run_dir, resume=resume, progress=progress)
    echo(f"{kb.brand}: trained {stats['steps']} steps, {stats['seconds_per_step']} s/step, loss {stats['loss_first']} -> {stats['loss_last']}")
    return write_artifact(
        kb, settings, embedder, config, model, tokenizer,
        data=data, stats=stats, test=test, retriever=retriever, echo=echo, progress=progress, evaluate=evaluate,
    )


def write_artifact(
    kb: Any,
    settings: Any,
    embedder: Any,
    config: GeneratorConfig,
    model: Any,
    tokenizer: Any,
    *,
    data: str,
    stats: dict[str, Any],
    test: Sequence[GenExample],
    retriever: Any,
    echo: Callable[[str], None] = print,
    progress: bool = True,
    evaluate: bool = True,
    extra_metrics: dict[str, Any] | None = None,
    notes: str = "",
    trained_with: str | None = None,
) -> Path:
    """Save a trained model (LoRA-wrapped or full) as a versioned ``generator`` artifact, with its
    held-out metrics measured here (CPU, the serving settings) against the retrieval-only draft.
    ``trained_with``: the embedder that retrieved the training prompts' passages when it was not
    ``embedder`` (a re-measured artifact)."""
    import torch

    from models.generator import ReplyGenerator, prepare_for_serving
    from webcare.artifacts import ArtifactInfo, ArtifactWriter, new_version

    version = new_version()
    info = ArtifactInfo(
        kind="generator",
        brand=kb.brand,
        version=version,
        created_at=version,
        base_model=config.base_model,
        data_hash=data,
        hyperparameters={**asdict(config), "learning_rate": config.learning_rate, "embedder": trained_with or embedder.name},
        notes=notes
        or "Loss on the reply tokens only; prompts = tone summary + retrieved passages (own conversation excluded) + thread + message.",
    )
    with ArtifactWriter(settings.artifacts_dir, info) as writer:
        save_generator(writer.path, model, tokenizer, config)
        metrics: dict[str, Any] = {"training": stats, **(extra_metrics or {})}
        if evaluate and test:
            merged = model.merge_and_unload() if config.lora else model
            # decoded as served (weights in the served dtype, the served attention, copy bias, drafts sampled
            # and ranked): the recorded metrics are what the quality gate should see. The weights are saved.
            generator = ReplyGenerator(
                prepare_for_serving(merged.to("cpu"), settings.generator_dtype), tokenizer, version=version,
                copy_bias=settings.generator_copy_bias, concept=config.concept, decoding=config.decoding,
            )
            with torch.inference_mode():
                metrics["heldout"] = evaluate_generator(
                    generator, kb, test, retriever=retriever, limit=config.eval_limit, progress=progress,
                    candidates=settings.generator_candidates, drafts_file=writer.path / HELDOUT_DRAFTS,
                    source_agreement=settings.generator_source_agreement, source_pooling=settings.generator_source_pooling,
                )
            h = metrics["heldout"]
            h["dtype"] = settings.generator_dtype  # measured as served; int8 grounds fewer greedy drafts (README)
            h["copy_bias"] = settings.generator_copy_bias  # the gate holds the artifact back when served with another
            echo(
                f"{kb.brand}: held-out chrF++ {h['chrf++']} (retrieval draft {h.get('retrieval_baseline_chrf++')}), "
                f"Dutch {h['dutch_rate']:.0%}, grounded {h['grounded_rate']:.0%} on {h['n']} examples ({h['candidates']} drafts sampled per message)"
            )
            echo(
                f"{kb.brand}: with precision weighed as much as recall (chrF++ beta 1) {h['chrf++_beta1']} (retrieval draft "
                f"{h.get('retrieval_baseline_chrf++_beta1')}); length {h['length_ratio']:.2f} x the agents' replies (retrieval draft "
                f"{h.get('retrieval_baseline_length_ratio')}); every draft: {HELDOUT_DRAFTS} in the artifact"
            )
        info.metrics = metrics
    return writer.final


def config_from(recipe: dict[str, Any], **overrides: Any) -> GeneratorConfig:
    """The GeneratorConfig a recorded recipe describes (an artifact's hyperparameters, a sweep's choice),
    on this machine's CPU, with ``overrides``; keys that are no GeneratorConfig field are left out."""
    known = {f.name for f in fields(GeneratorConfig)}
    chosen = {k: v for k, v in recipe.items() if k in known}
    chosen["lora_targets"] = tuple(chosen.get("lora_targets", GeneratorConfig.lora_targets))
    return GeneratorConfig(**{**chosen, "device": "cpu", **overrides})


def remeasure(
    kb: Any,
    settings: Any,
    embedder: Any,
    path: Path,
    *,
    eval_limit: int | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> Path:
    """Measure a finished ``generator`` artifact again on the held-out split, as it would be served now:
    today's settings (ranking, drafts sampled, dtype, copy bias) and the brand's current embedder (e.g.
    after ``webcare train embedder``), and write the same weights as a new version with those metrics.
    The gate reads the newest version, so it judges the artifact by what agents would get today. The
    metrics keep the version it came from and what that one had measured (``remeasured``)."""
    from models.generator import load_artifact_weights
    from training.generator_data import build_examples
    from training.retrieval_eval import heldout_retriever
    from webcare.artifacts import read_info

    info = read_info(path)
    if info.kind != "generator" or info.brand != kb.brand:
        raise ValueError(f"{path} is a {info.kind} artifact of {info.brand!r}, not a generator of {kb.brand!r}")
    config = config_from(info.hyperparameters, **({"eval_limit": eval_limit} if eval_limit is not None else {}))
    retriever = heldout_retriever(kb, embedder, settings)
    _, test = build_examples(kb, settings, embedder, retriever=retriever, canned_pairs=config.canned_pairs, concept=config.concept)
    model, tokenizer = load_artifact_weights(path, base_cache=settings.data_dir / "base_models", merge=False)
    before = info.metrics.get("heldout") or {}
    keep = ("n", "candidates", "ranking", "chrf++", "chrf++_beta1", "retrieval_baseline_chrf++", "dutch_rate", "grounded_rate", "dtype", "copy_bias",
            "retrieval_baseline")
    trained_with = str(info.hyperparameters.get("embedder") or "")
    echo(f"{kb.brand}: re-measuring {path.name} (held-out chrF++ {before.get('chrf++')} against {before.get('retrieval_baseline_chrf++')} then)")
    return write_artifact(
        kb, settings, embedder, config, model, tokenizer,
        data=info.data_hash, stats=info.metrics.get("training") or {}, test=test, retriever=retriever, echo=echo, progress=progress,
        extra_metrics={
            "remeasured": {"from": info.version, "embedder": embedder.name, "heldout_before": {k: before[k] for k in keep if k in before}},
            **{k: v for k, v in info.metrics.items() if k not in ("training", "heldout", "remeasured")},
        },
        notes=f"{info.notes} Re-measured from version {info.version}.".strip(),
        trained_with=trained_with or None,
    )


def package_run(
    kb: Any,
    settings: Any,
    embedder: Any,
    run_path: Path,
    *,
    base_model: str | None = None,
    eval_limit: int | None = None,
    canned_pairs: int | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> Path:
    """Turn a run of ``training.generator_sweep`` (e.g. trained on a lent GPU) into a versioned artifact.
    Refuses a run whose training data differs from the examples built here (same retriever, same split)."""
    from models.generator import load_base
    from training.generator_data import build_examples
    from training.generator_example import examples_hash
    from training.retrieval_eval import heldout_retriever

    result_file = run_path / "result.json"
    if not result_file.is_file() or not (run_path / "adapter").is_dir():
        raise FileNotFoundError(f"{run_path} is not a sweep run: expected result.json and adapter/ (python -m training.generator_sweep --help)")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    # the base named here (the run may name a file path of the machine it ran on)
    overrides: dict[str, Any] = {"base_model": base_model or GeneratorConfig.base_model}
    if eval_limit is not None:
        overrides["eval_limit"] = eval_limit
    if canned_pairs is not None:
        overrides["canned_pairs"] = canned_pairs
    config = config_from(result["chosen"], **overrides)
    retriever = heldout_retriever(kb, embedder, settings)
    train, test = build_examples(kb, settings, embedder, retriever=retriever, canned_pairs=config.canned_pairs, concept=config.concept)
    data = examples_hash(train)
    if result.get("data_hash") != data:
        raise ValueError(
            f"{run_path} was trained on other examples (data {result.get('data_hash')}, here {data}): export them again "
            f"with `webcare train generator --brand {kb.brand} --export-examples FILE` and re-run the sweep "
            f"(a run exported before canned answers were added: --canned-pairs 0)"
        )
    from peft import PeftModel

    base, tokenizer = load_base(config.base_model, settings.data_dir / "base_models")
    model = PeftModel.from_pretrained(base, run_path / "adapter")
    remote = {k: v for k, v in result.get("heldout", {}).items() if k in ("n", "chrf++")}
    echo(f"{kb.brand}: packaging {run_path} (trained {result['training'].get('steps')} steps, held-out chrF++ there {remote.get('chrf++')})")
    return write_artifact(
        kb, settings, embedder, config, model, tokenizer,
        data=data, stats=result["training"], test=test, retriever=retriever, echo=echo, progress=progress,
        extra_metrics={"sweep": {"validation": result.get("validation", []), "heldout_all": remote}},
        notes="Trained by training.generator_sweep (configuration chosen on a validation part of the train split), packaged with --from-run.",
    )
