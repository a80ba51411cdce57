"""How the escalation flag treats abusive Dutch messages: HateCheck-NL through the real pipeline.

    .venv/bin/python bench/hatecheck.py --csv ../shared/data/hatecheck-nl/hatecheck-nl.csv [--brand shop] [--n 800]
        [--part test|dev|all] [--show-misses]

HateCheck-NL (GPL-3.0, not shipped with the project) has hateful messages and hard non-hateful
ones (harmless profanity, negation, counter-speech). Prints, per functionality, the share flagged
"heated" and the share with any escalation; overall recall on hateful and false-positive rate on
non-hateful. Uses the data dir's indexes and artifacts (WEBCARE_DATA_DIR).

The messages come from templates ("Ik haat [IDENT_P]." filled in for each group), so the set is split
by template: ``dev`` (template ids whose stable hash is even) may be read to improve the detectors,
``test`` (the rest, the default) is only measured. ``--show-misses`` prints the misses and false alarms,
and only for ``--part dev``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm import tqdm  # noqa: E402

from webcare.services import build_services  # noqa: E402
from webcare.types import SuggestionRequest  # noqa: E402


def part_of(row: dict[str, str]) -> str:
    """'dev' or 'test': by a stable hash of the row's template (its reference template for the
    non-hateful contrasts that point at one), so one template's fill-ins never land on both sides."""
    template = row.get("ref_templ_id") or row.get("templ_id") or row.get("case_templ") or row["test_case"]
    digest = hashlib.sha256(f"hatecheck-nl:{template}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, required=True, help="hatecheck-nl.csv")
    parser.add_argument("--brand", default="shop")
    parser.add_argument("--channel", default="x")
    parser.add_argument("--n", type=int, default=800, help="seeded sample size (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--part", choices=("test", "dev", "all"), default="test", help="Which templates (see above).")
    parser.add_argument("--show-misses", action="store_true", help="Print hateful messages not escalated and non-hateful ones flagged (dev only).")
    args = parser.parse_args()
    if args.show_misses and args.part != "dev":
        parser.error("--show-misses reads the messages: only with --part dev (the test templates stay unread)")
    with args.csv.open(encoding="utf-8") as fh:
        rows = [row for row in csv.DictReader(fh) if args.part == "all" or part_of(row) == args.part]
    if args.n:
        rows = random.Random(args.seed).sample(rows, min(args.n, len(rows)))
    services = build_services()
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, heated, any escalation
    gold_any: dict[str, list[int]] = {"hateful": [0, 0, 0], "non-hateful": [0, 0, 0]}
    for row in tqdm(rows, desc="hatecheck", unit="msg"):
        result = services.pipeline.suggest(SuggestionRequest(brand=args.brand, channel=args.channel, message=row["test_case"]))
        esc = result.flags.escalation
        heated = int(esc is not None and "heated" in esc.reasons)
        anything = int(esc is not None and esc.value)
        if args.show_misses and anything != (row["label_gold"] == "hateful"):
            print(f"{'MISS' if not anything else 'FALSE'} {row['functionality']}: {row['test_case']!r} {esc.reasons if esc else []}")
        for bucket in (stats[f"{row['label_gold']:<11} {row['functionality']}"], gold_any[row["label_gold"]]):
            bucket[0] += 1
            bucket[1] += heated
            bucket[2] += anything
    print(f"\nbrand {args.brand}, channel {args.channel}, part {args.part}, {len(rows)} messages")
    print(f"{'label / functionality':<48} {'n':>4} {'heated':>7} {'any esc.':>8}")
    for name in sorted(stats):
        n, heated, anything = stats[name]
        print(f"{name:<48} {n:>4} {heated / n:>7.0%} {anything / n:>8.0%}")
    for label, (n, heated, anything) in gold_any.items():
        if n:
            print(f"{label}: {n} messages, heated {heated / n:.1%}, any escalation {anything / n:.1%}")


if __name__ == "__main__":
    main()
