"""Load test of the HTTP API on loopback: starts its own server, prints throughput and latency.

    .venv/bin/python bench/load.py                      # suggestions, concurrency 1, 4, 16, 10 s each
    .venv/bin/python bench/load.py --endpoint answer --duration 5 --levels 1,4

The script starts ``webcare serve`` as a subprocess on 127.0.0.1 (a free port) with a temporary data
directory (the built indexes in ./var are copied in to save the start-up build, unless --fresh), creates
an API key there with webcare.storage, sends the brand's own past customer messages from N concurrent
clients for a fixed time per level, and prints requests/s, p50/p95/p99 latency, errors and the server's
peak resident memory (VmHWM). Only loopback traffic; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval.metrics import percentile  # noqa: E402
from retrieval.kb_loader import load_brand  # noqa: E402
from webcare.settings import Settings  # noqa: E402
from webcare.storage import Storage  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status(pid: int, field: str) -> float:
    """A memory field of /proc/<pid>/status in MiB (VmRSS now, VmHWM peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "WEBCARE_DATA_DIR": str(data_dir),
        "WEBCARE_LOG_LEVEL": "warning",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    env.pop("WEBCARE_DATABASE_URL", None)
    log = log_path.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "webcare.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not ready after {timeout:.0f} s")


async def run_level(base: str, path: str, key: str, bodies: list[dict], concurrency: int, duration: float) -> dict:
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < deadline:
                body = bodies[counter % len(bodies)]
                counter += 1
                start = time.perf_counter()
                try:
                    response = await client.post(path, json=body)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - start) * 1000
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 2) if wall else None,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brand", default="bieb")
    parser.add_argument("--endpoint", choices=["suggestions", "answer"], default="suggestions")
    parser.add_argument("--levels", default="1,4,16", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level")
    parser.add_argument("--warmup", type=int, default=5, help="requests before the first level")
    parser.add_argument("--fresh", action="store_true", help="do not copy ./var (indexes, artifacts): the server builds its own")
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    settings = Settings()
    kb = load_brand(settings.kb_dir, args.brand)
    bodies = [
        {"brand": args.brand, "channel": str(p.channel), "message": p.message, "thread": [t.model_dump() for t in p.thread]}
        for p in kb.past_answers[:200]
    ]
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    with tempfile.TemporaryDirectory(prefix="webcare-load-") as tmp:
        data_dir = Path(tmp)
        if not args.fresh:  # serve what ./var serves: its indexes, trained artifacts and auto-answer bars
            for name in ("indexes", "artifacts", "eval"):
                if (settings.data_dir / name).is_dir():
                    shutil.copytree(settings.data_dir / name, data_dir / name)
        key = Storage(f"sqlite:///{data_dir / 'webcare.db'}").create_api_key(args.brand, "load test")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        proc = start_server(data_dir, port, data_dir / "server.log")
        try:
            wait_ready(base, proc, args.startup_timeout)
            print(f"server pid {proc.pid} ready on {base} in {time.perf_counter() - started:.1f} s "
                  f"(RSS {proc_status(proc.pid, 'VmRSS'):.0f} MiB)")
            path = f"/v1/{args.endpoint}"
            first = httpx.post(base + path, json=bodies[0], headers={"Authorization": f"Bearer {key}"}, timeout=120)
            first.raise_for_status()
            versions = first.json().get("versions", {})
            drafter = versions.get("drafter", "?")
            print(f"endpoint {path}  brand {args.brand}  drafter {drafter}  "
                  f"({'generator path' if 'generator' in drafter else 'retrieval path; no generator drafts served'})")
            for n in range(args.warmup):
                httpx.post(base + path, json=bodies[n % len(bodies)], headers={"Authorization": f"Bearer {key}"}, timeout=120)
            results = []
            print(f"{'conc':>4} {'req':>6} {'err':>4} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'RSS MiB':>8}")
            for level in levels:
                row = asyncio.run(run_level(base, path, key, bodies, level, args.duration))
                row["rss_mib"] = round(proc_status(proc.pid, "VmRSS"), 1)
                results.append(row)
                print(f"{row['concurrency']:>4} {row['requests']:>6} {row['errors']:>4} {row['rps'] or 0:>7.2f} "
                      f"{row['p50_ms'] or 0:>8.1f} {row['p95_ms'] or 0:>8.1f} {row['p99_ms'] or 0:>8.1f} {row['rss_mib']:>8.0f}")
            peak = proc_status(proc.pid, "VmHWM")
            print(f"server peak RSS (VmHWM): {peak:.0f} MiB; CPU cores on this machine: {os.cpu_count()}")
            if args.json:
                args.json.write_text(json.dumps(
                    {"endpoint": path, "brand": args.brand, "drafter": drafter, "levels": results, "peak_rss_mib": round(peak, 1),
                     "duration_s": args.duration, "cpu_count": os.cpu_count()}, indent=2))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    main()
