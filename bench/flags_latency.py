"""Added latency of the flags (sarcasm / sentiment / escalation) per suggestion: the pipeline's
``classify`` stage, over the brands' held-out labelled messages (with their threads).

    .venv/bin/python bench/flags_latency.py [--n 100]

Uses the latest ``classifiers`` artifact of each brand (train it first: webcare train classifiers
--brand B); prints p50 / p95 in ms of the classify stage and, for comparison, of the whole suggestion.
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from retrieval.kb_loader import load_brand  # noqa: E402
from webcare.services import build_services  # noqa: E402
from webcare.settings import Settings  # noqa: E402
from webcare.types import SuggestionRequest  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100, help="messages per brand")
    args = parser.parse_args()
    services = build_services(Settings())
    for brand in ("bieb", "shop"):
        kb = load_brand(services.settings.kb_dir, brand)
        items = [m for m in kb.labelled if m.split == "test"][: args.n]
        runtime = services.registry.get(brand, progress=True)
        version = runtime.flags.version if runtime.flags else "none"
        requests = [SuggestionRequest(brand=brand, channel=m.channel, message=m.message, thread=m.thread) for m in items]
        for request in requests[:5]:  # warm-up
            services.pipeline.suggest(request)
        classify, total = [], []
        for request in requests:
            s = services.pipeline.suggest(request)
            classify.append(s.timings_ms["classify"])
            total.append(s.timings_ms["total"])
        print(
            f"{brand} (classifiers {version}, {len(requests)} msgs): classify p50 {statistics.median(classify):.1f} ms, "
            f"p95 {pct(classify, 0.95):.1f} ms | whole suggestion p50 {statistics.median(total):.1f} ms, p95 {pct(total, 0.95):.1f} ms"
        )


if __name__ == "__main__":
    main()
