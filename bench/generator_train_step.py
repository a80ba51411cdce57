"""Seconds per optimizer step of generator fine-tuning on this machine: LoRA vs full.

    .venv/bin/python bench/generator_train_step.py [--steps 3] [--seq 384] [--batch 4] [--modes lora,full]
        [--precision auto|fp32|bf16]

Sequences are real Dutch agent replies of the demo brand packed to --seq tokens (the cost of a step
depends on the token count, not on which tokens). Prints s/step (first step excluded) and peak RSS.
``--precision`` as in ``webcare train generator`` (auto: bfloat16 autocast where the CPU has it natively).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import time

import torch

from models.generator import load_base
from retrieval.kb_loader import load_brand
from training.generator import PRECISIONS, GeneratorConfig, autocast_dtype, prepare_model
from webcare.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seq", type=int, default=384)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--modes", default="lora,full")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS)
    args = parser.parse_args()
    settings = Settings()
    kb = load_brand(settings.kb_dir, "bieb")
    results = {}
    for mode in args.modes.split(","):
        model, tokenizer = load_base("smollm2-135m-instruct", settings.data_dir / "base_models")
        text = "\n".join(p.answer for p in kb.past_answers)
        ids = tokenizer(text)["input_ids"][: args.seq * args.batch]
        batch = torch.tensor(ids).view(args.batch, args.seq)
        config = GeneratorConfig(lora=mode == "lora")
        model = prepare_model(model, config)
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=config.learning_rate)
        dtype = autocast_dtype("cpu", args.precision)
        autocast = torch.autocast("cpu", dtype=dtype) if dtype is not None else contextlib.nullcontext()
        times = []
        for _ in range(args.steps + 1):
            start = time.perf_counter()
            with autocast:
                loss = model(input_ids=batch, labels=batch).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            times.append(time.perf_counter() - start)
        results[mode] = {
            "autocast": str(dtype).removeprefix("torch.") if dtype is not None else "float32",
            "s_per_step": round(sum(times[1:]) / args.steps, 2),
            "first_step_s": round(times[0], 2),
            "trainable_params": sum(p.numel() for p in params),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        print(mode, results[mode], flush=True)
        del model, optimizer
    print(json.dumps({"seq": args.seq, "batch": args.batch, "threads": torch.get_num_threads(), **results}))


if __name__ == "__main__":
    main()
