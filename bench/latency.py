"""Latency of one suggestion on the retrieval path, per pipeline stage, on the demo brands.

    .venv/bin/python bench/latency.py [--n 200]

Messages are the brands' own past customer messages (as a stand-in for live traffic). The first
request per brand (loading) is excluded; the figures are for a warm server.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._util import rss_mb, summary  # noqa: E402
from webcare.services import build_services  # noqa: E402
from webcare.settings import Settings  # noqa: E402
from webcare.types import SuggestionRequest  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="requests per brand")
    parser.add_argument("--data-dir", type=Path, default=None, help="use this data dir (its indexes and trained artifacts); default: a fresh temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=args.data_dir or Path(tmp)))
        print(f"machine: {platform.machine()}, {os.cpu_count()} cpu; data dir {services.settings.data_dir}")
        for brand in services.registry.brands():
            runtime = services.registry.get(brand, progress=False)
            messages = [(str(p.channel), p.message) for p in runtime.kb.past_answers][: args.n]
            services.pipeline.suggest(SuggestionRequest(brand=brand, message="warm-up"))
            stages: dict[str, list[float]] = {}
            for channel, message in messages:
                result = services.pipeline.suggest(SuggestionRequest(brand=brand, channel=channel, message=message))
                for stage, ms in result.timings_ms.items():
                    stages.setdefault(stage, []).append(ms)
            versions = services.pipeline.suggest(SuggestionRequest(brand=brand, message="warm-up")).versions
            print(f"\n{brand}: {len(messages)} suggestions over {len(runtime.store)} passages (ms); {versions}")
            for stage, values in stages.items():
                if stage != "load":
                    print(f"  {stage:<9} {summary(values)}")
        print(f"\nprocess RSS {rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
