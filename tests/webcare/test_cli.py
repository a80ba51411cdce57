"""The webcare CLI: single and batch suggestions, validation, help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from webcare.cli import app
from webcare.services import Services

runner = CliRunner()


@pytest.fixture()
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBCARE_KB_DIR", str(services.settings.kb_dir))
    monkeypatch.setenv("WEBCARE_DATA_DIR", str(services.settings.data_dir))


def test_help_explains_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("index", "suggest", "serve", "keys", "validate-kb", "demo"):
        assert command in result.output


def test_validate_kb(env: None) -> None:
    result = runner.invoke(app, ["validate-kb"])
    assert result.exit_code == 0, result.output
    assert "bieb: ok" in result.output and "shop: ok" in result.output


def test_suggest_one_message(env: None) -> None:
    result = runner.invoke(app, ["suggest", "--brand", "bieb", "--channel", "x", "wat kost een abonnement voor volwassenen?"])
    assert result.exit_code == 0, result.output
    assert "draft 1" in result.output and "sources:" in result.output and "^" in result.output


def test_suggest_unknown_brand_is_a_clear_error(env: None) -> None:
    result = runner.invoke(app, ["suggest", "--brand", "nope", "hallo"])
    assert result.exit_code == 1 and "unknown brand" in result.output


def test_batch_in_order_with_errors_kept(env: None, tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "brand": "bieb", "channel": "x", "message": "wanneer is de bieb in zandhoven open?"}),
        "",  # a blank line is skipped but still counted, so errors name the line as an editor shows it
        "{not json",
        json.dumps({"id": "c", "brand": "shop", "message": "   "}),
        json.dumps({"id": "d", "brand": "shop", "channel": "chat", "message": "hoe lang duurt een terugbetaling?"}),
    ]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["suggest", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["a", 3, "c", "d"]
    assert out[0]["drafts"] and out[3]["drafts"]
    assert out[1]["error"] == "malformed_json" and out[2]["error"] == "invalid_request"
    assert "line 3: invalid JSON" in out[1]["detail"] and "line 4:" in out[2]["detail"]
    assert "2 with errors" in result.output


def test_batch_rejects_invalid_utf8(env: None, tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_bytes(b'{"brand": "bieb", "message": "caf\xe9"}\n')
    result = runner.invoke(app, ["suggest", "--input", str(source), "--output", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1 and "UTF-8" in result.output


def test_serve_refuses_a_broken_kb_with_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from webcare.settings import REPO_ROOT

    shutil.copytree(REPO_ROOT / "knowledge_base" / "bieb", tmp_path / "kb" / "bieb")
    with (tmp_path / "kb" / "bieb" / "past_answers.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    monkeypatch.setenv("WEBCARE_KB_DIR", str(tmp_path / "kb"))
    monkeypatch.setenv("WEBCARE_DATA_DIR", str(tmp_path / "var"))
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "cannot start" in result.output and "past_answers.jsonl:" in result.output and "invalid JSON" in result.output


def test_remeasure_without_an_artifact_says_what_to_do(env: None) -> None:
    result = runner.invoke(app, ["train", "generator", "--brand", "bieb", "--remeasure"])
    assert result.exit_code == 2
    assert "no generator artifact to re-measure" in result.output and "train one first" in result.output
    assert "--remeasure" in runner.invoke(app, ["train", "generator", "--help"]).output
