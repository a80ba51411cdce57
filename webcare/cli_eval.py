"""``webcare eval``: offline evaluation of one brand with the same pipeline the API runs (see eval/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to the ``webcare`` app."""
    app.command("eval")(eval_command)


def eval_command(
    brand: Annotated[str, typer.Option(help="The brand to evaluate, e.g. bieb.")],
    output: Annotated[
        Path | None, typer.Option(help="Where to write the metrics (JSON); default: var/eval/BRAND/metrics.json (under WEBCARE_DATA_DIR).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Where to write the HTML report (one self-contained file); default: report.html next to the metrics."),
    ] = None,
    set_file: Annotated[
        Path | None, typer.Option("--set", help="Your own JSONL set (format: eval/README.md); default: the brand's held-out splits.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the --limit sample and of any sampling model.")] = 0,
    limit: Annotated[int | None, typer.Option(min=1, help="Evaluate a seeded sample of this many messages (per part).")] = None,
    save_bar: Annotated[
        bool | None,
        typer.Option(
            "--save-bar/--no-save-bar",
            help="Write the auto-answer bar that /v1/answer uses (default: only for a full run on the held-out set).",
        ),
    ] = None,
    generator: Annotated[
        bool,
        typer.Option(
            "--generator/--no-generator",
            help="Also measure the brand's generator artifact (default; ~15 s a message on 2 cores) or only the retrieval drafts.",
        ),
    ] = True,
) -> None:
    """Evaluate retrieval (dense/BM25/hybrid), drafts, flags, auto-answer and latency; write JSON + HTML."""
    from eval.report import write_report
    from eval.runner import EvalSetError, bar_record, run_eval
    from retrieval.kb_loader import KBValidationError, UnknownBrandError, list_brands
    from webcare.auto_answer import write_bar
    from webcare.services import build_services
    from webcare.settings import Settings

    # QA measures the brand's generator artifact even when the quality gate keeps it from serving
    # (the gate's verdict is in generation.generator_gate)
    settings = Settings().model_copy(update={"generator_quality_gate": False, **({} if generator else {"generator_enabled": False})})
    known = list_brands(settings.kb_dir)
    if brand not in known:
        typer.secho(f"error: unknown brand {brand!r}; known brands: {', '.join(known) or 'none'}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    services = build_services(settings)
    try:
        run = run_eval(services, brand, set_path=set_file, seed=seed, limit=limit)
    except (EvalSetError, KBValidationError, UnknownBrandError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    metrics = run.metrics
    output = output or settings.data_dir / "eval" / brand / "metrics.json"
    report = report or output.with_name("report.html")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(metrics, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    typer.echo(f"wrote {output}")
    report.parent.mkdir(parents=True, exist_ok=True)
    write_report(metrics, run.timings, report)
    typer.echo(f"wrote {report} (open it in a browser)")
    if save_bar is None:
        save_bar = set_file is None and limit is None
    if save_bar:
        path = write_bar(settings, brand, bar_record(metrics))
        typer.echo(f"wrote the auto-answer bar to {path}")

    ret, gen, auto = metrics["retrieval"], metrics["generation"]["retrieval_baseline"], metrics["auto_answer"]
    for mode in ("dense", "bm25", "hybrid"):
        r = ret[mode]
        typer.echo(f"retrieval {mode:<6} recall@1 {_f(r['recall@1'])}  recall@5 {_f(r['recall@5'])}  MRR {_f(r['mrr'])}  (n={ret['n']})")
    if gen:
        typer.echo(
            f"drafts    chrF++ {_f(gen['chrf'], 1)}  BLEU {_f(gen['bleu'], 1)}  cosine {_f(gen['embedding_cosine'])}  "
            f"Dutch {_f(gen['dutch_rate'])}  grounded {_f(gen['grounded_rate'])}  tone violations {_f(gen['tone_violation_rate'])}"
        )
    for line in _flag_lines(metrics.get("flags") or {}):
        typer.echo(line)
    if auto["threshold"] is None:
        typer.echo(f"auto-answer: no bar reaches precision {auto['target_precision']} on >= {auto['min_answered']} answers")
    else:
        typer.echo(
            f"auto-answer: bar {auto['threshold']:.3f} -> precision {auto['precision']:.3f}, coverage {auto['coverage']:.3f}"
        )
    total = metrics["latency_ms"].get("total", {})
    typer.echo(f"latency total p50 {_f(total.get('p50'), 0)} ms  p95 {_f(total.get('p95'), 0)} ms")


def _flag_lines(flags: dict[str, Any]) -> list[str]:
    """One summary line per flag that has labels in the set (precision / recall / F1; sentiment macro-F1)."""
    lines = []
    for name in ("sarcasm", "escalation"):
        m = flags.get(name) or {}
        if m.get("available") and m.get("support"):
            lines.append(
                f"{name:<11}precision {_f(m.get('precision'))}  recall {_f(m.get('recall'))}  F1 {_f(m.get('f1'))}  (n={m['n']}, {m['support']} positive)"
            )
    sentiment = flags.get("sentiment") or {}
    if sentiment.get("available"):
        lines.append(f"sentiment  macro-F1 {_f(sentiment.get('macro_f1'))}  (n={sentiment['n']})")
    return lines


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
