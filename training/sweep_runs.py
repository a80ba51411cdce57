"""Run generator configurations as parallel processes on one (lent) GPU, then pick per brand.

One ``training.generator_sweep --no-refit`` process per (examples file, configuration): each trains on
the fit part of train, validates (every decoding), generates the held-out split and saves its
adapter. A 135M model leaves an H200 mostly idle, so eight such processes run side by side in about
the time of two in a row (measured 2026-11-30: 0.65 s a step with 8 processes, 0.22 s alone).
``pick`` then keeps, per brand, the run with the best validation chrF++ (never the held-out split)
and copies what ``webcare train generator --from-run`` needs, flat enough to come back from a
device machine (result.json, adapter_config.json, adapter_model.safetensors per brand).

    python -m training.sweep_runs launch --examples bieb=var/gen/bieb.jsonl shop=var/gen/shop.jsonl \\
        --grid grid.json --base model.gguf --device cuda --runs /tmp/runs --deadline 400
    python -m training.sweep_runs pick --runs /tmp/runs --out $OUT

``grid.json``: a JSON object {name: configuration overrides}, e.g.
``{"r16-8ep": {"lora": true, "lora_r": 16, "lora_alpha": 32, "lr": 0.0003, "epochs": 8}}``.
A run still going at the deadline is stopped and left out of the pick (its log says how far it got).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def launch(
    examples: dict[str, Path],
    grid: dict[str, dict[str, Any]],
    *,
    base: str,
    runs: Path,
    device: str = "cuda",
    deadline_s: float = 400.0,
    decodings: str = "prompt,generated",
    extra: Sequence[str] = (),
) -> dict[str, int | None]:
    """Start one process per (brand, configuration); wait until all end or the deadline passes.
    Returns each run's exit code (None: stopped at the deadline)."""
    runs.mkdir(parents=True, exist_ok=True)
    procs: dict[str, tuple[subprocess.Popen[bytes], Any]] = {}
    for brand, path in examples.items():
        for name, config in grid.items():
            run = f"{brand}-{name}"
            (runs / f"{run}.grid.json").write_text(json.dumps([config]), encoding="utf-8")
            cmd = [
                sys.executable, "-m", "training.generator_sweep", "--examples", str(path), "--base", base, "--device", device,
                "--out", str(runs / run), "--grid", str(runs / f"{run}.grid.json"), "--no-refit", "--decodings", decodings, *extra,
            ]
            log = (runs / f"{run}.log").open("wb")
            procs[run] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}), log)
    started = time.monotonic()
    codes: dict[str, int | None] = {}
    while len(codes) < len(procs):
        for run, (proc, log) in procs.items():
            if run in codes:
                continue
            if proc.poll() is not None:
                codes[run] = proc.returncode
                log.close()
            elif time.monotonic() - started > deadline_s:
                proc.kill()
                proc.wait()
                codes[run] = None
                log.close()
        time.sleep(1.0)
    return codes


def pick(runs: Path, out: Path, brands: Sequence[str] | None = None) -> dict[str, Any]:
    """Per brand, the finished run with the best validation chrF++ (best decoding); copies it to
    ``out/<brand>/`` and writes ``out/summary.json`` with every run's figures."""
    summary: dict[str, Any] = {}
    found = sorted(d for d in runs.iterdir() if d.is_dir())
    for brand in brands or sorted({d.name.split("-", 1)[0] for d in found}):
        rows: list[dict[str, Any]] = []
        for d in (d for d in found if d.name.startswith(f"{brand}-")):
            result_file = d / "result.json"
            if not result_file.is_file():
                rows.append({"run": d.name, "finished": False})
                continue
            result = json.loads(result_file.read_text(encoding="utf-8"))
            row = result["validation"][0] if result["validation"] else {}
            rows.append({
                "run": d.name,
                "finished": True,
                "config": row.get("config"),
                "val_by_decoding": row.get("val_by_decoding"),
                "val_chrf++": max((row.get("val_by_decoding") or {"-": row.get("val_chrf++", 0.0)}).values()),
                "decoding": result["chosen"].get("decoding"),
                "heldout_by_decoding": {k: v["chrf++"] for k, v in result.get("heldout_by_decoding", {}).items()},
                "train": result.get("training"),
            })
        done = [r for r in rows if r["finished"]]
        summary[brand] = {"runs": rows}
        if not done:
            continue
        best = max(done, key=lambda r: r["val_chrf++"])
        summary[brand]["chosen"] = best["run"]
        target = out / brand
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(runs / best["run"] / "result.json", target / "result.json")
        for name in ADAPTER_FILES:
            shutil.copy(runs / best["run"] / "adapter" / name, target / name)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary


def as_run_dir(picked: Path, run_dir: Path) -> Path:
    """``out/<brand>/`` as copied back -> the layout ``--from-run`` reads (result.json + adapter/)."""
    (run_dir / "adapter").mkdir(parents=True, exist_ok=True)
    shutil.copy(picked / "result.json", run_dir / "result.json")
    for name in ADAPTER_FILES:
        shutil.copy(picked / name, run_dir / "adapter" / name)
    return run_dir


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("launch", help="start the runs in parallel and wait (up to --deadline seconds)")
    go.add_argument("--examples", nargs="+", required=True, metavar="BRAND=FILE", help="examples written by --export-examples, per brand")
    go.add_argument("--grid", type=Path, required=True, help="JSON object {name: configuration overrides}")
    go.add_argument("--base", required=True, help="base model: packaged alias, local folder or .gguf file")
    go.add_argument("--runs", type=Path, required=True)
    go.add_argument("--device", default="cuda")
    go.add_argument("--deadline", type=float, default=400.0, help="seconds; runs still going then are stopped")
    go.add_argument("--decodings", default="prompt,generated")
    take = sub.add_parser("pick", help="per brand, copy the run with the best validation chrF++ to --out")
    take.add_argument("--runs", type=Path, required=True)
    take.add_argument("--out", type=Path, required=True)
    unpack = sub.add_parser("unpack", help="turn a picked folder (out/<brand>) into a run folder for --from-run")
    unpack.add_argument("picked", type=Path)
    unpack.add_argument("run_dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "launch":
        examples = {}
        for item in args.examples:
            brand, sep, path = item.partition("=")
            if not sep or not brand or not path:
                parser.error(f"--examples takes BRAND=FILE, got {item!r}")
            examples[brand] = Path(path)
        grid = json.loads(args.grid.read_text(encoding="utf-8"))
        if not isinstance(grid, dict) or not all(isinstance(v, dict) for v in grid.values()):
            parser.error(f"{args.grid}: expected a JSON object {{name: configuration overrides}}")
        codes = launch(examples, grid, base=args.base, runs=args.runs, device=args.device, deadline_s=args.deadline, decodings=args.decodings)
        print(json.dumps(codes, indent=1))
    elif args.command == "pick":
        print(json.dumps(pick(args.runs, args.out), indent=1)[:8000])
    else:
        print(as_run_dir(args.picked, args.run_dir))


if __name__ == "__main__":
    main()
