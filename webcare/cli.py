"""The ``webcare`` command line: index, suggest, serve, keys, validate-kb, demo."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from tqdm import tqdm

from retrieval.kb_loader import KBValidationError, UnknownBrandError, list_brands, load_brand
from retrieval.store import StoreError
from webcare.cli_train import train_app
from webcare.jsonl import Utf8Error, decode_utf8, describe_errors, json_lines
from webcare.pipeline import InputTooLargeError
from webcare.services import Services, build_services
from webcare.settings import Settings
from webcare.types import Suggestion, SuggestionRequest, Turn

app = typer.Typer(
    help="webcare-assist: reply suggestions for Dutch webcare teams. Settings come from WEBCARE_* environment variables.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="Manage per-brand API keys (stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(train_app, name="train")
__import__("webcare.cli_eval", fromlist=["register"]).register(app)  # webcare eval

_COMPLAINTS = [
    Turn(role="customer", text="mijn pakket zou dinsdag komen, nu is het vrijdag en nog niks"),
    Turn(role="agent", text="Hoi! Sorry, ik zet er een onderzoek voor uit bij de vervoerder. ^Sanne"),
    Turn(role="customer", text="weer een week verder en nog steeds geen pakket en geen reactie"),
]
DEMO_MESSAGES: dict[str, list[tuple[str, str, list[Turn]]]] = {
    "bieb": [
        ("x", "hoe kan ik mn boeken verlengen? de app doet raar", []),
        ("whatsapp", "Wat kost een abonnement voor mijn dochter van 12?", []),
        ("facebook", "is de vestiging in oosterwijk zaterdag open??", []),
        ("x", "Mijn pasnummer is 20012345678901 en ik kan niet inloggen, help", []),
    ],
    "shop": [
        ("x", "waar blijft mn pakket nou, al 3 dagen niks gehoord 😡", []),
        ("chat", "kan ik mijn koptelefoon nog retourneren als de doos open is?", []),
        ("instagram", "mijn ordernummer is 3012345678 en postcode 1234 AB 12, waar is het??", []),
        ("x", "Goed bezig jongens! 👏", _COMPLAINTS),
        ("facebook", "Als dit niet vandaag opgelost is stap ik naar de Geschillencommissie", []),
    ],
}


def _services() -> Services:
    return build_services(Settings())


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _brands(brand: str | None, settings: Settings) -> list[str]:
    known = list_brands(settings.kb_dir)
    if not known:
        _fail(f"no brands found in {settings.kb_dir} (set WEBCARE_KB_DIR)")
    if brand is None:
        return known
    if brand not in known:
        _fail(f"unknown brand {brand!r}; known brands: {', '.join(known)}")
    return [brand]


@app.command("validate-kb")
def validate_kb(brand: Annotated[str | None, typer.Option(help="Only this brand (default: all).")] = None) -> None:
    """Check the knowledge-base files; every problem is printed with its file and line."""
    settings = Settings()
    failed = False
    for name in _brands(brand, settings):
        try:
            kb = load_brand(settings.kb_dir, name)
        except KBValidationError as exc:
            failed = True
            typer.secho(str(exc), fg=typer.colors.RED, err=True)
            continue
        typer.echo(
            f"{name}: ok ({len(kb.articles)} articles, {len(kb.canned)} canned answers, "
            f"{len(kb.past_answers)} past answers, {len(kb.labelled)} labelled messages)"
        )
    if failed:
        raise typer.Exit(1)


@app.command()
def index(
    brand: Annotated[str | None, typer.Option(help="Only this brand (default: all).")] = None,
) -> None:
    """(Re)build the brands' FAISS + BM25 indexes from the knowledge base and API edits."""
    services = _services()
    for name in _brands(brand, services.settings):
        started = time.perf_counter()
        try:
            store = services.registry.rebuild(name, progress=True)
        except KBValidationError as exc:
            _fail(str(exc))
        meta = store.meta
        typer.echo(
            f"{name}: {meta.count} passages, {meta.index_kind} index, embedder {meta.embedder} "
            f"(dim {meta.dimension}) in {time.perf_counter() - started:.1f} s"
        )


def _print_suggestion(message: str, channel: str, suggestion: Suggestion) -> None:
    flags = suggestion.flags
    typer.secho(f"\n[{suggestion.brand} / {channel}] {message}", bold=True)
    pii = ", ".join(flags.pii.types) if flags.pii.found else "none"
    typer.echo(
        f"  language={flags.language}  pii={pii}  move_to_private={flags.move_to_private}  "
        f"auto_answerable={suggestion.auto_answerable}  total={suggestion.timings_ms.get('total')} ms"
    )
    extra = []
    if flags.sarcasm is not None:
        extra.append(f"sarcasm={flags.sarcasm.value} ({flags.sarcasm.score:.2f})")
    if flags.sentiment is not None:
        extra.append(f"sentiment={flags.sentiment.label}")
    if flags.escalation is not None:
        reasons = ", ".join(flags.escalation.reasons) or "-"
        extra.append(f"escalation={flags.escalation.level} [{reasons}]")
    if extra:
        typer.echo("  " + "  ".join(extra))
    if flags.escalation is not None:
        for explanation in flags.escalation.explanations:
            typer.secho(f"    why: {explanation}", fg=typer.colors.MAGENTA)
    for n, draft in enumerate(suggestion.drafts, start=1):
        typer.secho(f"  draft {n} (score {draft.score:.2f}):", fg=typer.colors.GREEN)
        for line in draft.text.splitlines():
            typer.echo(f"    {line}")
        sources = ", ".join(f"{s.id} ({s.score:.2f})" for s in draft.sources)
        typer.echo(f"    sources: {sources}")
        for note in draft.notes:
            typer.secho(f"    note: {note}", fg=typer.colors.YELLOW)
    if not suggestion.drafts:
        typer.echo("  no drafts: nothing in the knowledge base fits this message")


def _error_record(line_id: Any, error: str, detail: str) -> dict[str, Any]:
    return {"id": line_id, "error": error, "detail": detail}


@app.command()
def suggest(
    message: Annotated[str | None, typer.Argument(help="The customer message (omit with --input).")] = None,
    brand: Annotated[str | None, typer.Option(help="Brand id, e.g. bieb or shop.")] = None,
    channel: Annotated[str, typer.Option(help="x, facebook, instagram, whatsapp, chat, email, forum.")] = "chat",
    input_file: Annotated[Path | None, typer.Option("--input", help="JSONL: one request per line (+ optional id).")] = None,
    output_file: Annotated[Path | None, typer.Option("--output", help="JSONL: one response per line, in order.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON response.")] = False,
) -> None:
    """Draft replies for one message, or for a JSONL batch (--input/--output)."""
    if input_file is not None:
        _suggest_batch(input_file, output_file)
        return
    if message is None or brand is None:
        _fail("give a message and --brand, or --input FILE.jsonl --output FILE.jsonl")
    services = _services()
    try:
        request = SuggestionRequest(brand=brand, channel=channel, message=message)
        suggestion = services.pipeline.suggest(request)
    except ValidationError as exc:
        _fail(describe_errors(exc.errors()))
    except (UnknownBrandError, InputTooLargeError, KBValidationError, StoreError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(suggestion.model_dump_json(indent=2))
    else:
        _print_suggestion(message, channel, suggestion)


def _suggest_batch(input_file: Path, output_file: Path | None) -> None:
    if not input_file.is_file():
        _fail(f"input file {input_file} does not exist")
    try:
        text = decode_utf8(input_file.read_bytes(), input_file)
    except Utf8Error as exc:
        _fail(str(exc))
    lines = list(json_lines(text))
    services = _services()
    out = output_file.open("w", encoding="utf-8") if output_file else sys.stdout
    failures = 0
    try:
        for line in tqdm(lines, desc="suggestions", unit="msg", disable=output_file is None):
            if line.error is not None:
                record = _error_record(line.number, "malformed_json", f"line {line.number}: {line.error}")
            else:
                record = _suggest_line(services, line.number, line.data)
            if "error" in record:
                failures += 1
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if output_file:
            out.close()
    if output_file:
        typer.echo(f"wrote {len(lines)} responses to {output_file} ({failures} with errors)")


def _suggest_line(services: Services, number: int, data: Any) -> dict[str, Any]:
    """One batch line's response record, or an error record that names the line."""
    line_id: Any = number
    try:
        if not isinstance(data, dict):
            raise ValueError("each line must be a JSON object")
        line_id = data.pop("id", number)
        suggestion = services.pipeline.suggest(SuggestionRequest.model_validate(data))
        return {"id": line_id, **suggestion.model_dump(mode="json")}
    except ValidationError as exc:
        return _error_record(line_id, "invalid_request", f"line {number}: {describe_errors(exc.errors())}")
    except (ValueError, UnknownBrandError) as exc:
        return _error_record(line_id, "invalid_request", f"line {number}: {exc}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default WEBCARE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default WEBCARE_PORT).")] = None,
) -> None:
    """Start the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    from api.app import create_app

    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        application = create_app(settings, preload=True)
    except (KBValidationError, StoreError, UnknownBrandError) as exc:
        _fail(f"cannot start: {exc}")
    uvicorn.run(application, host=host or settings.host, port=port or settings.port, log_level=settings.log_level)


@keys_app.command("create")
def keys_create(
    brand: Annotated[str, typer.Option(help="The brand the key gives access to.")],
    label: Annotated[str, typer.Option(help="A note, e.g. the helpdesk that uses it.")] = "",
) -> None:
    """Create an API key; it is shown once and stored only as a hash."""
    services = _services()
    _brands(brand, services.settings)
    typer.echo(services.storage.create_api_key(brand, label))


@keys_app.command("list")
def keys_list(brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None) -> None:
    """List keys (prefix only)."""
    for row in _services().storage.list_api_keys(brand):
        state = "revoked" if row["revoked"] else "active"
        typer.echo(f"{row['id']:>4}  {row['brand']:<10} {row['prefix']}…  {state:<8} {row['created_at']}  {row['label']}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The id shown by 'webcare keys list'.")]) -> None:
    """Revoke a key."""
    if not _services().storage.revoke_api_key(key_id):
        _fail(f"no key with id {key_id}")
    typer.echo(f"revoked key {key_id}")


@app.command()
def demo(
    train: Annotated[bool, typer.Option("--train/--no-train", help="Train the flag classifiers when a brand has none (about 1 min each on 2 cores).")] = True,
) -> None:
    """Build the demo brands' indexes, train their flag classifiers if needed, and show real suggestions."""
    from webcare.artifacts import latest

    services = _services()
    for name in _brands(None, services.settings):
        started = time.perf_counter()
        store = services.registry.rebuild(name, progress=True)
        typer.echo(f"indexed {name}: {len(store)} passages in {time.perf_counter() - started:.1f} s")
        runtime = services.registry.get(name)
        if train and (runtime.flags is None or runtime.flags.classifier is None):
            from training.classifiers import train_classifiers  # training is imported only when asked for

            started = time.perf_counter()
            s = services.settings
            train_classifiers(s.kb_dir, s.artifacts_dir, name, services.registry.embedder_for(name), progress=True)
            services.registry.reload_flags(name)
            typer.echo(f"trained {name} flag classifiers in {time.perf_counter() - started:.0f} s -> {latest(s.artifacts_dir, name, 'classifiers')}")
    for name, samples in DEMO_MESSAGES.items():
        if name not in services.registry.brands():
            continue
        for channel, message, thread in samples:
            request = SuggestionRequest(brand=name, channel=channel, message=message, thread=thread)
            _print_suggestion(message, channel, services.pipeline.suggest(request))
    typer.echo("\nNext: 'webcare keys create --brand bieb' and 'webcare serve', then open http://127.0.0.1:8000/docs")


if __name__ == "__main__":
    app()
