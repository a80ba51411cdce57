"""The recipe sweep on a tiny llama: validation carve-out inside train, held-out generated once, adapter saved."""

from __future__ import annotations

import json

import pytest

from training.generator import GeneratorConfig
from training.generator_example import read_examples, write_examples
from training.generator_sweep import generate_batch, sweep, validation_part

COMMON = GeneratorConfig(max_len=192, batch_size=4, max_steps=2, checkpoint_every=100, lr=1e-2, warmup_steps=1)


def test_validation_part_is_inside_train_and_by_conversation(bieb_examples) -> None:  # type: ignore[no-untyped-def]
    train, _ = bieb_examples
    fit, val = validation_part(train)
    assert val and fit and len(fit) + len(val) == len(train)
    assert not {e.conversation_id for e in fit} & {e.conversation_id for e in val}
    assert validation_part(train)[1] == val  # stable


def test_examples_round_trip_through_jsonl(bieb_examples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    train, test = bieb_examples
    path = tmp_path / "ex.jsonl"
    assert write_examples(path, [*train[:3], *test[:2]]) == 5
    back = read_examples(path)
    assert [e.to_json() for e in back] == [e.to_json() for e in [*train[:3], *test[:2]]]


def test_batched_generation_matches_one_by_one(tiny, bieb_examples) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    model = make()
    examples = bieb_examples[1][:3]
    together = generate_batch(model, tokenizer, examples, max_len=128, batch_size=3)
    alone = [generate_batch(model, tokenizer, [e], max_len=128)[0] for e in examples]
    assert together == alone


def test_sampled_generation_ranks_as_served(tiny, bieb_examples) -> None:  # type: ignore[no-untyped-def]
    import torch

    from models.language import LanguageDetector
    from training.generator_sweep import _decode
    from webcare.generation import rank_generations, system_prompt

    tokenizer, make = tiny
    model = make()
    examples = bieb_examples[1][:2]
    chosen = generate_batch(model, tokenizer, examples, max_len=128, samples=4, seed=3, copy_bias=3.0)
    # by hand: the greedy reply and 3 sampled ones per example, ranked as the pipeline ranks them
    greedy = _decode(model, tokenizer, examples, max_len=128, batch_size=48, decoding="prompt", copy_bias=3.0)
    torch.manual_seed(3)
    sampled = _decode(model, tokenizer, examples, max_len=128, batch_size=16, decoding="prompt", sampled=3, copy_bias=3.0)
    assert [len(g) for g in greedy] == [1, 1] and [len(x) for x in sampled] == [3, 3]
    assert any(x != g[0] for g, rest in zip(greedy, sampled, strict=True) for x in rest)  # sampling, not greedy again
    detector = LanguageDetector()
    for e, g, rest, pick in zip(examples, greedy, sampled, chosen, strict=True):
        texts = [*g, *rest]
        order = rank_generations(
            texts, [*e.source_texts, e.message, e.thread_text], message=e.message, instructions=system_prompt(e.messages),
            detector=detector, sources=e.source_texts, source_agreement=1.0,
        )
        assert pick == texts[order[0]]
    assert generate_batch(model, tokenizer, examples, max_len=128, copy_bias=3.0) == [g[0] for g in greedy]  # samples=1: greedy


def test_sweep_chooses_on_validation_and_saves_adapter(tiny, bieb_examples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    train, test = bieb_examples
    examples = [*train[:24], *test[:3]]
    grid = [{"lora": True, "lora_r": 4, "lora_alpha": 8}, {"lora": False}]
    result = sweep(make(), tokenizer, examples, tmp_path, grid=grid, common=COMMON, samples=2, copy_bias=3.0, echo=lambda _: None)
    assert [r["config"] for r in result["validation"]] == grid
    assert result["chosen"]["lora"] is True  # only an adapter can travel back: LoRA wins when present
    assert result["heldout"]["n"] == 3 and len(result["heldout"]["generated"]) == 3 and result["heldout"]["samples"] == 2
    assert result["heldout"]["copy_bias"] == 3.0  # decoded as served, with the copy bias
    assert (result["heldout"]["source_agreement"], result["heldout"]["source_pooling"]) == (1.0, "rank")  # ranked as served
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    assert json.loads((tmp_path / "result.json").read_text())["heldout"]["ids"] == [e.id for e in test[:3]]


def test_sweep_without_validation_trains_the_one_configuration(tiny, bieb_examples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    train, test = bieb_examples
    result = sweep(
        make(), tokenizer, [*train[:12], *test[:2]], tmp_path, grid=[{"lora": True, "lora_r": 4}], common=COMMON,
        validate=False, decodings=("generated", "plain"), samples=1, echo=lambda _: None,
    )
    assert result["validation"] == [] and result["chosen"]["lora_r"] == 4
    assert set(result["heldout_by_decoding"]) == {"generated", "plain"}
    assert result["heldout"]["generated"] == result["heldout_by_decoding"]["generated"]["generated"]
    assert result["chosen"]["decoding"] == "generated"  # without validation: the first decoding is served


def test_sweep_without_refit_ships_the_validated_model(tiny, bieb_examples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    train, test = bieb_examples
    result = sweep(
        make(), tokenizer, [*train[:24], *test[:2]], tmp_path, grid=[{"lora": True, "lora_r": 4}], common=COMMON,
        refit=False, decodings=("prompt", "generated"), samples=1, echo=lambda _: None,
    )
    row = result["validation"][0]
    assert set(row["val_by_decoding"]) == {"prompt", "generated"} and row["val_chrf++"] == row["val_by_decoding"]["prompt"]
    assert result["training"]["trained_on"].startswith("fit part") and result["training"]["examples"] == row["train"]["examples"]
    assert result["training"]["examples"] < 24  # the fit part, not all of train
    assert not (tmp_path / "runs" / "final").exists() and (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    best = max(row["val_by_decoding"], key=lambda d: row["val_by_decoding"][d])  # the decoding is chosen on validation too
    assert result["chosen"]["decoding"] == best == result["heldout"]["decoding"]
    with pytest.raises(ValueError, match="exactly one configuration"):
        sweep(make(), tokenizer, train[:8], tmp_path, grid=[{"lora": True}, {"lora": False}], common=COMMON, refit=False, samples=1)


def test_main_takes_the_prompt_format_from_the_examples(tiny, bieb_examples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from tests.training.conftest import save_tiny_base
    from training.generator_sweep import main

    tokenizer, make = tiny
    base_dir = save_tiny_base(tmp_path / "base", make(), tokenizer)
    train, test = bieb_examples
    examples = [replace(e, concept="Hoi! Dat kan in de app. ^AB") for e in [*train[:10], *test[:2]]]
    write_examples(tmp_path / "ex.jsonl", examples)
    (tmp_path / "grid.json").write_text(json.dumps([{"lora": True, "lora_r": 4, "max_steps": 1}]))
    args = ["--examples", str(tmp_path / "ex.jsonl"), "--base", str(base_dir), "--out", str(tmp_path / "run"),
            "--grid", str(tmp_path / "grid.json"), "--no-validation", "--max-len", "160"]
    main(args)
    assert json.loads((tmp_path / "run" / "result.json").read_text())["chosen"]["concept"] is True
    write_examples(tmp_path / "ex.jsonl", [*examples[:6], *[replace(e, concept=None) for e in examples[6:]]])
    with pytest.raises(SystemExit, match="concept"):
        main(args)


def test_from_run_packages_the_sweep_and_refuses_other_data(tiny, bieb_kb, bieb_examples, settings, hash_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tests.training.conftest import save_tiny_base
    from training.generator import package_run
    from webcare.artifacts import read_info

    tokenizer, make = tiny
    base_dir = save_tiny_base(tmp_path / "base", make(), tokenizer)
    train, test = bieb_examples
    run_dir = tmp_path / "run"
    sweep(make(), tokenizer, [*train, *test[:2]], run_dir, grid=[{"lora": True, "lora_r": 4}], common=COMMON,
          validate=False, samples=1, echo=lambda _: None)
    s = settings.model_copy(update={"data_dir": tmp_path / "data"})
    path = package_run(bieb_kb, s, hash_embedder, run_dir, base_model=str(base_dir), eval_limit=2, progress=False, echo=lambda _: None)
    info = read_info(path)
    assert info.kind == "generator" and info.hyperparameters["lora_r"] == 4 and info.base_model == str(base_dir)
    assert info.metrics["heldout"]["n"] == 2 and "retrieval_baseline_chrf++" in info.metrics["heldout"]
    assert (path / "adapter" / "adapter_model.safetensors").is_file()

    result = json.loads((run_dir / "result.json").read_text())
    (run_dir / "result.json").write_text(json.dumps({**result, "data_hash": "0" * 16}))
    with pytest.raises(ValueError, match="other examples"):
        package_run(bieb_kb, s, hash_embedder, run_dir, base_model=str(base_dir), eval_limit=2, progress=False)


def test_parallel_runs_are_picked_on_validation_and_unpacked_for_packaging(tiny, bieb_examples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from training.sweep_runs import as_run_dir, launch, pick

    tokenizer, make = tiny
    train, test = bieb_examples
    runs = tmp_path / "runs"
    for name, lr in (("slow", 1e-4), ("fast", 1e-2)):
        common = GeneratorConfig(max_len=192, batch_size=4, max_steps=3, checkpoint_every=100, lr=lr, warmup_steps=1)
        sweep(make(), tokenizer, [*train[:24], *test[:2]], runs / f"bieb-{name}", grid=[{"lora": True, "lora_r": 4}], common=common,
              refit=False, decodings=("prompt", "generated"), samples=1, echo=lambda _: None)
    (runs / "bieb-stopped").mkdir()  # a run stopped at the deadline: no result.json
    summary = pick(runs, tmp_path / "out")
    finished = [r for r in summary["bieb"]["runs"] if r["finished"]]
    assert len(finished) == 2 and {"run": "bieb-stopped", "finished": False} in summary["bieb"]["runs"]
    assert summary["bieb"]["chosen"] == max(finished, key=lambda r: r["val_chrf++"])["run"]
    assert sorted(p.name for p in (tmp_path / "out" / "bieb").iterdir()) == ["adapter_config.json", "adapter_model.safetensors", "result.json"]
    run_dir = as_run_dir(tmp_path / "out" / "bieb", tmp_path / "run")
    assert (run_dir / "result.json").is_file() and (run_dir / "adapter" / "adapter_model.safetensors").is_file()
    # launch: one process per (brand, configuration), stopped at the deadline
    codes = launch({"bieb": tmp_path / "missing.jsonl"}, {"a": {"lora": True}}, base="none", runs=tmp_path / "r2", deadline_s=0.0)
    assert set(codes) == {"bieb-a"} and (tmp_path / "r2" / "bieb-a.grid.json").is_file()
