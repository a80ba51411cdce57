"""Time to draft one reply of 60 tokens with a generator artifact, on the prompts the pipeline builds.

    .venv/bin/python bench/generator_latency.py [ARTIFACT_DIR] [--brand bieb] [--runs 8] [--threads 2]
        [--variants float32,bfloat16,bfloat16+lookup,int8,int8-dynamic] [--drafts 3] [--short-prompts] [--cache dynamic]

Prompts are the brand's held-out customer messages in the pipeline's own prompt format: the brand's
tone, the passages retrieval finds, the concept draft when the artifact was trained with one, the
thread and the message (~400-800 tokens). ``--short-prompts``
uses only a one-line system prompt and the message, which leaves out most of the prefill cost.
Every reply is forced to exactly 60 new tokens (min = max), greedy, KV cache on (the served
models/kv_cache.py GrowingCache; ``--cache dynamic``: transformers' DynamicCache), torch.inference_mode,
with the served repetition penalty. Then, unless ``--drafts 0``, the served call itself
(``ReplyGenerator.generate``: n drafts decoded as one batch after one prefill, the artifact's decoding,
stops on) with at most ``--tokens`` new tokens. Prints prefill and total p50/p95 seconds per variant, how many
generated tokens equal those of the first variant (quality drift), and a sample.

Variants: ``float32``, ``bfloat16`` (served default), ``bfloat16+lookup`` (prompt-lookup decoding,
10 tokens: drafts copy from the sources, so guessed continuations are often accepted) and
``int8`` (served option: bfloat16 with weight-only int8 for the decoding steps, models/weight_only_int8.py)
and ``int8-dynamic`` (torch dynamic int8 on every Linear layer, activations rounded too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from bench._util import percentile  # noqa: E402
from transformers import DynamicCache  # noqa: E402

from models.generator import REPETITION_PENALTY, ReplyGenerator  # noqa: E402
from models.kv_cache import GrowingCache  # noqa: E402
from retrieval.splits import split_past_answers  # noqa: E402
from webcare.artifacts import latest, read_info  # noqa: E402
from webcare.prompting import build_messages, select_passages  # noqa: E402
from webcare.services import build_services  # noqa: E402
from webcare.settings import Settings  # noqa: E402

VARIANTS = ("float32", "bfloat16", "bfloat16+lookup", "int8", "int8-dynamic")


def load(path: Path, variant: str) -> ReplyGenerator:
    if variant == "int8-dynamic":
        generator = ReplyGenerator.from_artifact(path, dtype="float32")
        generator.model = torch.ao.quantization.quantize_dynamic(generator.model, {torch.nn.Linear}, dtype=torch.qint8)
        return generator
    return ReplyGenerator.from_artifact(path, dtype=variant.split("+")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", nargs="?", type=Path, help="A generator artifact folder (default: the brand's latest).")
    parser.add_argument("--brand", default="bieb")
    parser.add_argument("--runs", type=int, default=8, help="Prompts per variant.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=60)
    parser.add_argument("--variants", default="float32,bfloat16,int8", help=f"Comma-separated, of {', '.join(VARIANTS)}.")
    parser.add_argument("--drafts", type=int, default=3, help="Also time the served call with this many drafts (0: skip).")
    parser.add_argument("--short-prompts", action="store_true", help="One-line system prompt + message instead of the pipeline's prompt.")
    parser.add_argument("--cache", choices=("growing", "dynamic"), default="growing", help="KV cache of the one-reply timing (served: growing).")
    args = parser.parse_args()
    unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
    if unknown:
        sys.exit(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    services = build_services(Settings(generator_enabled=False))
    torch.set_num_threads(args.threads)  # after build_services, which sets the serving default (torch_threads=1)
    path = args.artifact or latest(services.settings.artifacts_dir, args.brand, "generator")
    if path is None:
        sys.exit(f"no generator artifact for {args.brand}: train one with 'webcare train generator --brand {args.brand}' or pass its folder")
    runtime = services.registry.get(args.brand)
    profile = runtime.kb.profile
    _, heldout = split_past_answers(runtime.kb.past_answers)
    # an artifact trained with the concept draft in its prompt is served that way (longer prompts)
    concept = bool((read_info(path).hyperparameters or {}).get("concept", False))
    chats = []
    for past in heldout[: args.runs]:
        if args.short_prompts:
            chats.append([{"role": "system", "content": f"Je bent webcare-medewerker van {profile.name}."}, {"role": "user", "content": past.message}])
            continue
        hits = services.pipeline.retrieve(runtime, past.message)
        limit = profile.channel_limits.get(past.channel)
        draft = services.pipeline.drafter.draft(hits, profile, agent=past.agent, length_limit=limit, n=1) if concept else []
        chats.append(
            build_messages(
                profile, hits=select_passages(hits), thread=past.thread, message=past.message, channel=str(past.channel),
                agent=profile.agent(past.agent), length_limit=limit, concept=(draft[0].text if draft else "") if concept else None,
            )
        )
    kind = "short" if args.short_prompts else "pipeline" + (" + concept draft" if concept else "")
    print(f"artifact {path}, {args.threads} threads, {args.tokens} new tokens per reply, {len(chats)} prompts ({kind} prompts)")
    reference: list[list[int]] = []
    for variant in args.variants.split(","):
        generator = load(path, variant)
        totals: list[float] = []
        prefills: list[float] = []
        outputs: list[list[int]] = []
        lengths: list[int] = []
        for chat in chats:
            ids = torch.tensor([generator.prompt_ids(chat)])
            lengths.append(ids.shape[1])
            extra = {"prompt_lookup_num_tokens": 10} if variant.endswith("+lookup") else {}
            with torch.inference_mode():
                start = time.perf_counter()
                generator.model(ids)
                prefills.append(time.perf_counter() - start)
                start = time.perf_counter()
                cache = DynamicCache(config=generator.model.config) if args.cache == "dynamic" else GrowingCache(config=generator.model.config)
                out = generator.model.generate(
                    ids, attention_mask=torch.ones_like(ids), do_sample=False, use_cache=True, repetition_penalty=REPETITION_PENALTY,
                    past_key_values=cache,
                    min_new_tokens=args.tokens, max_new_tokens=args.tokens, pad_token_id=generator.tokenizer.pad_token_id, **extra,
                )
                totals.append(time.perf_counter() - start)
            outputs.append(out[0, ids.shape[1] :].tolist())
        served: list[float] = []
        if args.drafts:  # the served call: ReplyGenerator.generate, n drafts in one batch, real stops
            for chat in chats:
                start = time.perf_counter()
                generator.generate(chat, n=args.drafts, max_new_tokens=args.tokens, threads=args.threads)
                served.append(time.perf_counter() - start)
        reference = reference or outputs
        same = statistics.mean(sum(a == b for a, b in zip(o, r, strict=False)) / max(len(r), 1) for o, r in zip(outputs, reference, strict=True))
        sample = generator.tokenizer.decode(outputs[0], skip_special_tokens=True)
        print(
            f"  {variant:<16} total p50 {percentile(totals, 50):.2f} s  p95 {percentile(totals, 95):.2f} s  "
            f"(prefill p50 {percentile(prefills, 50):.2f} s, prompt p50 {int(statistics.median(lengths))} tokens)  "
            f"{args.tokens / statistics.median(totals):.1f} tok/s  same tokens as {args.variants.split(',')[0]}: {same:.0%}  "
            f"e.g. {sample[:70]!r}"
            + (f"\n  {'':<16} served, {args.drafts} drafts of at most {args.tokens} tokens: p50 {percentile(served, 50):.2f} s  "
               f"p95 {percentile(served, 95):.2f} s" if served else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
