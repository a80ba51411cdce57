"""``webcare train ...``: retrain a brand's models from its own data (imports training lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from models.resolution import DEFAULT_GENERATOR_BASE  # light: no model code, no torch

if TYPE_CHECKING:
    from webcare.settings import Settings

train_app = typer.Typer(help="Train a brand's models from its knowledge base; each run writes a versioned artifact.", no_args_is_help=True)


# --- embedder / generator (issue 3) --------------------------------------------------------------
def _train_brand(brand: str):  # type: ignore[no-untyped-def]
    from retrieval.kb_loader import list_brands
    from webcare.services import build_services
    from webcare.settings import Settings

    services = build_services(Settings())
    import os

    import torch

    torch.set_num_threads(os.cpu_count() or 1)  # training uses every core (serving defaults to 1 thread)
    known = list_brands(services.settings.kb_dir)
    if brand not in known:
        typer.secho(f"error: unknown brand {brand!r}; known brands: {', '.join(known)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    return services


@train_app.command("embedder")
def train_embedder_cmd(
    brand: str = typer.Option(..., help="Brand id, e.g. bieb."),
    epochs: int = typer.Option(1, min=1, max=10, help="Passes over the pairs (1 takes ~4-8 min on 2 CPU cores)."),
    batch_size: int = typer.Option(16, min=2, help="Pairs per step (in-batch negatives)."),
    lr: float = typer.Option(5e-5, help="Learning rate."),
    seed: int = typer.Option(13, help="Random seed."),
    reindex: bool = typer.Option(True, help="Rebuild the brand's index with the new embedder."),
) -> None:
    """Fine-tune the brand's embedder (MNRL + BM25 hard negatives), write an artifact, re-index."""
    import time

    from training.embedder import EmbedderConfig, run

    services = _train_brand(brand)
    registry = services.registry
    started = time.perf_counter()
    config = EmbedderConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    path = run(registry.current_kb(brand), services.settings, registry.embedder, config, echo=typer.echo)
    typer.echo(f"{brand}: embedder artifact {path} ({time.perf_counter() - started:.0f} s)")
    if reindex:
        store = registry.rebuild(brand, progress=True)
        typer.echo(f"{brand}: re-indexed {store.meta.count} passages with {store.meta.embedder}")


@train_app.command("generator")
def train_generator_cmd(
    brand: str = typer.Option(..., help="Brand id, e.g. bieb."),
    base_model: str = typer.Option(
        DEFAULT_GENERATOR_BASE, help="Base causal LM: a packaged alias (models/resolution.py), a local folder, a .gguf file or a hub id (with hub access)."
    ),
    epochs: float = typer.Option(1.0, min=0.01, help="Passes over the training examples."),
    max_steps: int | None = typer.Option(None, min=1, help="Stop after this many optimizer steps (overrides --epochs)."),
    lora: bool = typer.Option(False, "--lora/--full", help="Full fine-tuning (default; 2.8x faster than LoRA here) or LoRA adapters."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run with the same settings and data from its last checkpoint."),
    batch_size: int = typer.Option(4, min=1),
    max_len: int = typer.Option(768, min=64, help="Tokens per example (prompt is shortened in the middle, reply kept)."),
    lr: float | None = typer.Option(None, help="Learning rate (default 2e-4 LoRA, 5e-5 full)."),
    checkpoint_every: int = typer.Option(25, min=1, help="Save a checkpoint every N steps."),
    eval_limit: int | None = typer.Option(
        None, min=0, help="Held-out examples generated for the artifact's metrics (default 40; 0: none; --remeasure: the artifact's own)."
    ),
    seed: int = typer.Option(7),
    device: str = typer.Option("cpu", help="Torch device to train on: cpu, or cuda where a GPU is lent."),
    precision: str = typer.Option(
        "auto", help="auto (bfloat16 autocast on CUDA and on CPUs with native bfloat16: ~2x faster here), fp32 or bf16."
    ),
    keep_memory: bool = typer.Option(
        False, "--keep-memory/--release-memory",
        help="On the CPU, keep the memory a step frees for the next step (training/memory.py): fewer page faults, ~18% "
        "faster steps over a 2-epoch bieb run here, but the resident size grows with the steps (18+ GB against 13.9 GB); "
        "only where RAM is plentiful.",
    ),
    canned_pairs: int = typer.Option(
        2, min=0, help="Pair each canned answer with this many train messages about its article as extra examples (0: past answers only)."
    ),
    concept: bool = typer.Option(
        False, "--concept/--no-concept",
        help="Also put the best retrieval draft in each prompt, so the model learns to adapt it (recorded in the artifact; the pipeline then passes its draft).",
    ),
    decoding: str = typer.Option(
        "prompt", help="Repetition penalty served with the model: prompt (counts the prompt too), generated (reply only) or plain.",
    ),
    export_examples: Path | None = typer.Option(
        None, "--export-examples", help="Only write the training + held-out examples (JSON Lines) for training.generator_sweep elsewhere."
    ),
    from_run: Path | None = typer.Option(
        None, "--from-run", help="Package a run of training.generator_sweep (result.json + adapter/) as the brand's artifact, evaluated here."
    ),
    remeasure: bool = typer.Option(
        False, "--remeasure",
        help="No training: measure the brand's latest generator artifact again as it would be served now (ranking, drafts, "
        "dtype from the settings; the current embedder's passages) and write it as a new version with those metrics, "
        "which the quality gate then reads.",
    ),
) -> None:
    """Fine-tune the reply generator on the brand's past answers; writes a versioned artifact.

    Three ways: train here (default); --export-examples FILE, then `python -m training.generator_sweep`
    on a machine with a GPU; --from-run DIR to package what that sweep trained. --remeasure re-measures
    the latest artifact after a change of settings or embedder (e.g. `webcare train embedder`)."""
    import time

    from training.generator import GeneratorConfig, package_run, run

    services = _train_brand(brand)
    registry = services.registry
    started = time.perf_counter()
    if export_examples is not None:
        from training.generator_data import build_examples
        from training.generator_example import write_examples

        train, test = build_examples(
            registry.current_kb(brand), services.settings, registry.embedder_for(brand), canned_pairs=canned_pairs, concept=concept
        )
        n = write_examples(export_examples, [*train, *test])
        typer.echo(f"{brand}: wrote {n} examples ({len(train)} train / {len(test)} held-out) to {export_examples}")
        return
    if remeasure:
        from training.generator import remeasure as remeasure_artifact
        from webcare.artifacts import latest

        current = latest(services.settings.artifacts_dir, brand, "generator")
        if current is None:
            raise typer.BadParameter(f"{brand} has no generator artifact to re-measure: train one first", param_hint="--remeasure")
        path = remeasure_artifact(
            registry.current_kb(brand), services.settings, registry.embedder_for(brand), current, eval_limit=eval_limit or None, echo=typer.echo
        )
        _report_serving(brand, path, services.settings, time.perf_counter() - started)
        return
    if from_run is not None:
        try:
            path = package_run(
                registry.current_kb(brand), services.settings, registry.embedder_for(brand), from_run,
                eval_limit=40 if eval_limit is None else eval_limit, canned_pairs=canned_pairs, echo=typer.echo,
            )
        except (FileNotFoundError, ValueError) as exc:
            raise typer.BadParameter(str(exc), param_hint="--from-run") from exc
        _report_serving(brand, path, services.settings, time.perf_counter() - started)
        return
    from models.generator import DECODINGS

    from training.generator import PRECISIONS

    if decoding not in DECODINGS:
        raise typer.BadParameter(f"{decoding!r} is not one of {', '.join(DECODINGS)}", param_hint="--decoding")
    if precision not in PRECISIONS:
        raise typer.BadParameter(f"{precision!r} is not one of {', '.join(PRECISIONS)}", param_hint="--precision")
    eval_limit = 40 if eval_limit is None else eval_limit
    config = GeneratorConfig(
        base_model=base_model, lora=lora, epochs=epochs, max_steps=max_steps, batch_size=batch_size, max_len=max_len, lr=lr,
        checkpoint_every=checkpoint_every, eval_limit=max(eval_limit, 1), seed=seed, device=device, precision=precision,
        canned_pairs=canned_pairs, concept=concept, decoding=decoding, keep_memory=keep_memory,
    )
    from models.resolution import ModelNotAvailableError

    try:
        path = run(
            registry.current_kb(brand), services.settings, registry.embedder_for(brand), config,
            resume=resume, echo=typer.echo, evaluate=eval_limit > 0,
        )
    except ModelNotAvailableError as exc:
        raise typer.BadParameter(
            f"{exc}\nUse a packaged alias (default: {DEFAULT_GENERATOR_BASE}), a local model folder or a .gguf file.", param_hint="--base-model"
        ) from exc
    _report_serving(brand, path, services.settings, time.perf_counter() - started)


def _report_serving(brand: str, path: Path, settings: Settings, seconds: float) -> None:
    from webcare.generation import gate_reason

    typer.echo(f"{brand}: generator artifact {path} ({seconds:.0f} s)")
    reason = gate_reason(path, settings) if settings.generator_quality_gate else None
    if reason:
        typer.echo(f"{brand}: NOT served: {reason}; the retrieval drafts stay (WEBCARE_GENERATOR_QUALITY_GATE=false serves it anyway)")
    else:
        typer.echo(f"{brand}: the pipeline serves it from now on")


# --- flag classifiers (issue 4) ----------------------------------------------------------------------
@train_app.command("classifiers")
def train_classifiers_cmd(
    brand: str = typer.Option(..., help="Brand id, e.g. bieb."),
    tune: bool = typer.Option(
        True, "--tune/--no-tune", help="Choose C of the sarcasm and sentiment heads by cross-validation on the train split (~25 s more on 2 cores)."
    ),
) -> None:
    """Train the brand's sarcasm / sentiment / escalation classifiers on its own labelled train split;
    writes a versioned artifact with held-out metrics (the test split)."""
    import time

    from training.classifiers import Hyper, train_classifiers
    from webcare.artifacts import read_info

    services = _train_brand(brand)
    started = time.perf_counter()
    s = services.settings
    # the brand's serving embedder (fine-tuned if it has one), so serving reuses the retriever's query vector
    embedder = services.registry.embedder_for(brand)
    path = train_classifiers(s.kb_dir, s.artifacts_dir, brand, embedder, hyper=Hyper(tune=tune), progress=True)
    m = read_info(path).metrics
    sar, esc = m["sarcasm"], m["escalation"]
    typer.echo(f"{brand}: classifiers artifact {path} ({time.perf_counter() - started:.0f} s)")
    typer.echo(f"  held-out ({m['n_test']} messages): sarcasm P/R/F1 {sar['precision']:.2f}/{sar['recall']:.2f}/{sar['f1']:.2f}; "
               f"escalation P/R/F1 {esc['precision']:.2f}/{esc['recall']:.2f}/{esc['f1']:.2f}; "
               f"sentiment macro-F1 {m['sentiment']['macro_f1']:.2f}")
