"""Time to draft one reply of 60 tokens with a generator artifact: float32 vs bfloat16 vs dynamic int8.

    .venv/bin/python bench/generator_latency.py [ARTIFACT_DIR] [--runs 8] [--threads 2]

Without ARTIFACT_DIR the latest generator artifact of --brand in the data dir is used. Every reply is
forced to exactly 60 new tokens (min = max), greedy, KV cache on, torch.inference_mode; prompts are
the brand's own past customer messages in the pipeline's prompt format. Prints p50/p95 seconds per
reply and tokens/s per variant, and a sample of each variant's output to compare quality by eye.
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
from models.generator import ReplyGenerator  # noqa: E402
from retrieval.kb_loader import load_brand  # noqa: E402
from webcare.artifacts import latest  # noqa: E402
from webcare.settings import Settings  # noqa: E402


def variants(path: Path) -> dict[str, ReplyGenerator]:
    out = {"float32": ReplyGenerator.from_artifact(path, dtype="float32")}
    out["bfloat16"] = ReplyGenerator.from_artifact(path, dtype="bfloat16")
    int8 = ReplyGenerator.from_artifact(path, dtype="float32")
    int8.model = torch.ao.quantization.quantize_dynamic(int8.model, {torch.nn.Linear}, dtype=torch.qint8)
    out["int8-dynamic"] = int8
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", nargs="?", type=Path)
    parser.add_argument("--brand", default="bieb")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = Settings()
    path = args.artifact or latest(settings.artifacts_dir, args.brand, "generator")
    if path is None:
        sys.exit(f"no generator artifact for {args.brand}: train one with 'webcare train generator --brand {args.brand}' or pass its folder")
    kb = load_brand(settings.kb_dir, args.brand)
    messages = [p.message for p in kb.past_answers[: args.runs]]
    print(f"artifact {path}, {args.threads} threads, {args.tokens} new tokens per reply, {len(messages)} prompts")
    for name, generator in variants(path).items():
        times: list[float] = []
        sample = ""
        for message in messages:
            chat = [{"role": "system", "content": f"Je bent webcare-medewerker van {kb.profile.name}."}, {"role": "user", "content": message}]
            ids = torch.tensor([generator.prompt_ids(chat)])
            with torch.inference_mode():
                start = time.perf_counter()
                out = generator.model.generate(
                    ids, attention_mask=torch.ones_like(ids), do_sample=False, use_cache=True,
                    min_new_tokens=args.tokens, max_new_tokens=args.tokens, pad_token_id=generator.tokenizer.pad_token_id,
                )
                times.append(time.perf_counter() - start)
            sample = sample or generator.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        print(
            f"  {name:<13} p50 {percentile(times, 50):.2f} s  p95 {percentile(times, 95):.2f} s  "
            f"{args.tokens / statistics.median(times):.1f} tok/s   e.g. {sample[:90]!r}"
        )


if __name__ == "__main__":
    main()
