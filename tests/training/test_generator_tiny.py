"""The generator's training loop, checkpoints, resume and artifact round-trip on a tiny llama (seconds)."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file

from models.generator import ReplyGenerator
from training.generator import (
    HELDOUT_DRAFTS,
    GeneratorConfig,
    encode_example,
    latest_checkpoint,
    prepare_model,
    remeasure,
    run,
    train_loop,
)
from webcare.artifacts import latest, read_info
from webcare.generation import PIPELINE_BASELINE, ranking_name

CONFIG = GeneratorConfig(max_len=256, batch_size=2, max_steps=4, checkpoint_every=2, eval_limit=2, lr=1e-2, warmup_steps=1)


def test_loss_only_on_reply_tokens(tiny, bieb_examples) -> None:  # type: ignore[no-untyped-def]
    tokenizer, _ = tiny
    example = bieb_examples[0][0]
    ids, labels = encode_example(tokenizer, example, CONFIG)
    assert len(ids) == len(labels) <= CONFIG.max_len
    learned = [t for t in labels if t != -100]
    assert learned[-1] == tokenizer.convert_tokens_to_ids("<|im_end|>")
    first = labels.index(learned[0])
    assert all(t == -100 for t in labels[:first])  # the whole prompt is masked
    assert tokenizer.decode(learned[:-1]).split()[:3] == tokenizer.decode(tokenizer(example.target)["input_ids"]).split()[:3]


class _Stop(Exception):
    pass


@pytest.mark.parametrize("lora", [True, False])
def test_resume_gives_the_same_weights(tiny, bieb_examples, tmp_path, lora) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    train = bieb_examples[0][:8]
    config = dataclasses.replace(CONFIG, lora=lora)

    straight, stats = train_loop(prepare_model(make(), config), tokenizer, train, config, tmp_path / "a", progress=False)
    assert stats["steps"] == 4 and stats["loss_last"] < stats["loss_first"]

    def crash(step: int, loss: float) -> None:
        if step == 3:
            raise _Stop

    with pytest.raises(_Stop):
        train_loop(prepare_model(make(), config), tokenizer, train, config, tmp_path / "b", progress=False, on_step=crash)
    assert latest_checkpoint(tmp_path / "b").name == "checkpoint-000002"
    resumed, stats_b = train_loop(
        prepare_model(make(), config), tokenizer, train, config, tmp_path / "b", resume=True, progress=False
    )
    assert stats_b["steps"] == 4
    a = dict(straight.named_parameters())
    for name, p in resumed.named_parameters():
        torch.testing.assert_close(p, a[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("lora", [True, False])
def test_run_writes_artifact_that_serves(tiny, bieb_kb, settings, hash_embedder, tmp_path, lora) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    base_dir = tmp_path / "tiny-base"
    base = make()
    base.save_pretrained(base_dir)
    tokenizer.save_pretrained(base_dir)
    s = settings.model_copy(update={"data_dir": tmp_path / "data"})
    config = dataclasses.replace(CONFIG, lora=lora, base_model=str(base_dir))
    path = run(bieb_kb, s, hash_embedder, config, progress=False, echo=lambda _: None, base=(base, tokenizer))
    assert path == latest(s.artifacts_dir, "bieb", "generator")
    info = read_info(path)
    assert info.kind == "generator" and info.base_model == str(base_dir) and len(info.data_hash) == 16
    assert info.hyperparameters["lora"] is lora and info.hyperparameters["max_len"] == 256
    held = info.metrics["heldout"]
    assert held["n"] == 2 and 0 <= held["dutch_rate"] <= 1 and 0 <= held["grounded_rate"] <= 1
    assert "retrieval_baseline_chrf++" in held and info.metrics["training"]["steps"] == 4
    assert info.metrics["training"]["kept_freed_memory"] is False  # opt-in (--keep-memory)
    assert held["candidates"] == s.generator_candidates and held["dtype"] == s.generator_dtype  # measured as served
    assert held["copy_bias"] == s.generator_copy_bias
    assert held["ranking"] == ranking_name(s.generator_source_agreement, s.generator_source_pooling)
    assert held["source_agreement"] == s.generator_source_agreement and held["source_pooling"] == s.generator_source_pooling
    assert "chrf++_beta1" in held and "retrieval_baseline_length_ratio" in held
    assert held["retrieval_baseline"] == PIPELINE_BASELINE  # compared with what the pipeline shows without a generator
    # every held-out example's sampled drafts, the one ranked first and the reference, for reading and re-ranking
    rows = [json.loads(line) for line in (path / HELDOUT_DRAFTS).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and all(len(r["drafts"]) == s.generator_candidates for r in rows)
    assert [r["drafts"][r["first"]] for r in rows][: len(held["samples"])] == [x["generated"] for x in held["samples"]]
    assert all(r["target"] and r["retrieval"] is not None and r["instructions"] and r["sources"] for r in rows)
    weights = path / ("adapter/adapter_model.safetensors" if lora else "model/model.safetensors")
    assert weights.is_file() and (path / "tokenizer").is_dir() and (path / "model_config.json").is_file()
    json.loads((path / "artifact.json").read_text())

    # re-measured as it would be served with other settings: a new version, the same weights and training record
    again = remeasure(
        bieb_kb, s.model_copy(update={"generator_candidates": 3, "generator_source_agreement": 0.0}), hash_embedder, path,
        progress=False, echo=lambda _: None,
    )
    assert again != path and again == latest(s.artifacts_dir, "bieb", "generator")
    redo = read_info(again)
    assert redo.metrics["remeasured"]["from"] == info.version and redo.metrics["remeasured"]["heldout_before"]["chrf++"] == held["chrf++"]
    assert redo.metrics["heldout"]["candidates"] == 3 and redo.metrics["heldout"]["source_agreement"] == 0.0
    assert redo.metrics["training"] == info.metrics["training"] and redo.data_hash == info.data_hash
    assert redo.hyperparameters == info.hyperparameters
    before, after = load_file(weights), load_file(again / weights.relative_to(path))
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)

    served = ReplyGenerator.from_artifact(path)
    prompt = [{"role": "system", "content": "Je bent webcare"}, {"role": "user", "content": "hoe kan ik verlengen"}]
    outs = served.generate(prompt, n=2, max_new_tokens=8)
    assert len(outs) == 2 and all(o.tokens <= 8 for o in outs)
    # the served weights are the trained ones: greedy output equals the in-memory model's
    assert served.generate(prompt, n=1, max_new_tokens=8)[0].text == outs[0].text
    # served as bfloat16 + weight-only int8 decoding: three drafts from one prefill and one batch
    int8 = ReplyGenerator.from_artifact(path, dtype="int8")
    drafts = int8.generate(prompt, n=3, max_new_tokens=8, threads=1)
    assert len(drafts) == 3 and all(d.tokens <= 8 for d in drafts)
    assert int8.generate(prompt, n=1, max_new_tokens=8)[0].text == drafts[0].text  # row 0 is the greedy draft
    with pytest.raises(ValueError, match="unknown generator dtype"):
        ReplyGenerator.from_artifact(path, dtype="int4")


def test_pipeline_generation_service_serves_only_artifacts(tiny, bieb_kb, settings, hash_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from training.retrieval_eval import heldout_retriever
    from webcare.generation import GenerationService

    tokenizer, make = tiny
    s = settings.model_copy(update={"data_dir": tmp_path / "data"})
    service = GenerationService(s)
    retriever = heldout_retriever(bieb_kb, hash_embedder, s)
    hits = retriever.search("hoe kan ik mijn boeken verlengen", k=10)
    kwargs = dict(hits=hits, thread=[], message="hoe kan ik mijn boeken verlengen", channel="x", agent=None, n=3, length_limit=280)
    assert service.drafts("bieb", bieb_kb.profile, **kwargs) == []  # no artifact: nothing, never the base
    config = dataclasses.replace(CONFIG, lora=False, max_steps=1)
    run(bieb_kb, s, hash_embedder, config, progress=False, echo=lambda _: None, base=(make(), tokenizer), evaluate=False)
    # the quality gate: an artifact without a held-out win over the retrieval draft is not served
    assert service.drafts("bieb", bieb_kb.profile, **kwargs) == []
    assert "retrieval draft" in (service.held_back("bieb") or "")
    s = s.model_copy(update={"generator_quality_gate": False})
    service = GenerationService(s)
    drafts = service.drafts("bieb", bieb_kb.profile, **kwargs)
    assert drafts and all(d.method == "generator" for d in drafts)
    assert len(drafts) <= 3 and len({d.text for d in drafts}) == len(drafts)  # n shown, out of 8 sampled, distinct
    assert [d.score for d in drafts] == sorted((d.score for d in drafts), reverse=True)
    assert drafts[0].sources and drafts[0].sources[0].id == hits[0].passage.id
    assert service.version("bieb").startswith("bieb/generator/")
    assert GenerationService(s.model_copy(update={"generator_enabled": False})).drafts("bieb", bieb_kb.profile, **kwargs) == []


def test_quality_bar() -> None:
    from webcare.generation import quality_bar

    good = {"heldout": {
        "chrf++": 30.0, "retrieval_baseline_chrf++": 25.0, "dutch_rate": 0.97, "grounded_rate": 0.96, "retrieval_baseline": PIPELINE_BASELINE,
    }}
    assert quality_bar(good) is None
    # compared with a weaker retrieval draft than the pipeline's (older artifacts): re-measure first
    older = {"heldout": {k: v for k, v in good["heldout"].items() if k != "retrieval_baseline"}}
    assert "other than the pipeline's" in (quality_bar(older) or "") and "--remeasure" in (quality_bar(older) or "")
    assert "does not beat" in (quality_bar({"heldout": {**good["heldout"], "chrf++": 25.0}}) or "")
    assert "Dutch" in (quality_bar({"heldout": {**good["heldout"], "dutch_rate": 0.9}}) or "")
    assert "grounded" in (quality_bar({"heldout": {**good["heldout"], "grounded_rate": 0.5}}) or "")
    assert quality_bar({}) is not None
    # measured choosing among 8 sampled drafts: served with fewer, the figures do not hold
    sampled = {"heldout": {**good["heldout"], "candidates": 8}}
    assert quality_bar(sampled, candidates=8) is None and quality_bar(sampled, candidates=12) is None
    assert "WEBCARE_GENERATOR_CANDIDATES" in (quality_bar(sampled, candidates=3) or "")
    assert quality_bar(good, candidates=1) is None  # older artifacts: measured on the greedy draft alone
    # measured with another ranking than served: re-measure first
    assert "--remeasure" in (quality_bar(good, source_agreement=1.0) or "")
    weighed = {"heldout": {**good["heldout"], "source_agreement": 1.0}}
    assert quality_bar(weighed, source_agreement=1.0) is None and quality_bar(good, source_agreement=0.0) is None
    assert "weighed 1, served with 0" in (quality_bar(weighed, source_agreement=0.0) or "")
    # ... or with the sources' agreement pooled otherwise (older artifacts pooled it as a plain mean)
    assert "WEBCARE_GENERATOR_SOURCE_POOLING" in (quality_bar(weighed, source_agreement=1.0, source_pooling="rank") or "")
    assert quality_bar(weighed, source_agreement=1.0, source_pooling="mean") is None
    ranked = {"heldout": {**weighed["heldout"], "source_pooling": "rank"}}
    assert quality_bar(ranked, source_agreement=1.0, source_pooling="rank") is None
    assert "pooling" in (quality_bar(ranked, source_agreement=1.0, source_pooling="mean") or "")
    # sources not weighed: how they would have been pooled does not matter
    assert quality_bar(good, source_agreement=0.0, source_pooling="rank") is None
    # measured with another copy bias or dtype than served: the figures do not hold either
    decoded = {"heldout": {**good["heldout"], "copy_bias": 3.0, "dtype": "bfloat16"}}
    assert quality_bar(decoded, copy_bias=3.0, dtype="bfloat16") is None
    assert "WEBCARE_GENERATOR_COPY_BIAS" in (quality_bar(decoded, copy_bias=5.0) or "")
    assert "measured in bfloat16, served in int8" in (quality_bar(decoded, dtype="int8") or "")
    assert quality_bar(good, copy_bias=5.0, dtype="int8") is None  # not recorded (older artifacts): not checked


def test_concept_artifact_gets_the_retrieval_draft_in_its_prompt(tiny, bieb_kb, settings, hash_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from training.retrieval_eval import heldout_retriever
    from webcare.generation import GenerationService

    tokenizer, make = tiny
    s = settings.model_copy(update={"data_dir": tmp_path / "data", "generator_quality_gate": False})
    config = dataclasses.replace(CONFIG, lora=False, max_steps=1, concept=True, decoding="generated")
    path = run(bieb_kb, s, hash_embedder, config, progress=False, echo=lambda _: None, base=(make(), tokenizer), evaluate=False)
    assert read_info(path).hyperparameters["concept"] is True
    service = GenerationService(s)
    generator = service.for_brand("bieb")
    assert generator is not None and generator.concept is True and generator.decoding == "generated"
    with pytest.raises(ValueError, match="unknown decoding"):
        ReplyGenerator(generator.model, tokenizer, decoding="sampled")
    seen: list[str] = []
    real = generator.generate

    def spy(messages, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(messages[-1]["content"])
        return real(messages, **kwargs)

    generator.generate = spy  # type: ignore[method-assign]
    hits = heldout_retriever(bieb_kb, hash_embedder, s).search("hoe kan ik mijn boeken verlengen", k=10)
    kwargs = dict(hits=hits, thread=[], message="hoe kan ik mijn boeken verlengen", channel="x", agent=None, n=1, length_limit=280)
    service.drafts("bieb", bieb_kb.profile, **kwargs, concept="Hoi! Verlengen kan in de app. ^AB")
    assert "Concept-antwoord: Hoi! Verlengen kan in de app. ^AB" in seen[-1]
    service.drafts("bieb", bieb_kb.profile, **kwargs)  # no draft at hand: the format stays, marked empty
    assert "Concept-antwoord: (geen)" in seen[-1]
    asked: list[bool] = []
    service.drafts("bieb", bieb_kb.profile, **kwargs, concept=lambda: asked.append(True) or "Hoi! Lazy. ^AB")
    assert "Concept-antwoord: Hoi! Lazy. ^AB" in seen[-1] and asked == [True]
    generator.concept = False  # an artifact trained without it never sees one, nor computes it
    service.drafts("bieb", bieb_kb.profile, **kwargs, concept="Hoi! Verlengen kan in de app. ^AB")
    assert "Concept-antwoord" not in seen[-1]
    service.drafts("bieb", bieb_kb.profile, **kwargs, concept=lambda: asked.append(True) or "Hoi! Lazy. ^AB")
    assert "Concept-antwoord" not in seen[-1] and asked == [True]


def test_autocast_precision_is_chosen_per_device() -> None:
    from training.generator import autocast_dtype

    assert autocast_dtype("cpu", "fp32") is None and autocast_dtype("cuda", "fp32") is None
    assert autocast_dtype("cpu", "bf16") is torch.bfloat16 and autocast_dtype("cuda", "auto") is torch.bfloat16
    assert autocast_dtype("cpu", "auto") is (torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else None)
    with pytest.raises(ValueError, match="unknown precision"):
        autocast_dtype("cpu", "fp16")


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_training_under_autocast_learns_and_keeps_float32_weights(tiny, bieb_examples, tmp_path, precision) -> None:  # type: ignore[no-untyped-def]
    tokenizer, make = tiny
    config = dataclasses.replace(CONFIG, precision=precision)
    model, stats = train_loop(prepare_model(make(), config), tokenizer, bieb_examples[0][:8], config, tmp_path, progress=False)
    assert stats["autocast"] == {"bf16": "bfloat16", "fp32": "float32"}[precision]
    assert stats["loss_last"] < stats["loss_first"]
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert config.key() == CONFIG.key()  # a run may resume in another precision


def test_a_base_model_that_is_not_there_is_a_clear_error(bieb_kb, settings, hash_embedder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from models.resolution import ModelNotAvailableError

    s = settings.model_copy(update={"data_dir": tmp_path / "data"})
    config = dataclasses.replace(CONFIG, base_model=str(tmp_path / "no-such-model"))
    with pytest.raises(ModelNotAvailableError, match="cannot load generator base"):
        run(bieb_kb, s, hash_embedder, config, progress=False, echo=lambda _: None)
    assert latest(s.artifacts_dir, "bieb", "generator") is None  # nothing half-written


class _Samples:
    """A generator whose drafts are fixed: the first (greedy) invents a price, the others agree."""

    concept = False

    def __init__(self) -> None:
        self.asked: list[int] = []

    def generate(self, messages, *, n=1, max_new_tokens=120, **_):  # type: ignore[no-untyped-def]
        from models.generator import Generation

        self.asked.append(n)
        texts = [
            "Hoi! Verlengen kost €7,77 per boek. ^AB",
            "Hoi! Je kunt je boeken verlengen in de app. ^AB",
            "Hoi! Verlengen doe je in de app of in Mijn Bibliotheek. ^AB",
            "Hoi! In de app kun je je boeken verlengen. ^AB",
        ]
        return [Generation(text=t, tokens=12, seconds=0.1) for t in texts[:n]]


def test_heldout_metrics_score_the_draft_the_pipeline_would_show(bieb_examples, bieb_kb) -> None:  # type: ignore[no-untyped-def]
    from training.generator import evaluate_generator

    _, test = bieb_examples
    greedy = evaluate_generator(_Samples(), bieb_kb, test[:2], progress=False)
    assert greedy["candidates"] == 1 and greedy["grounded_rate"] == 0.0
    samples = _Samples()
    ranked = evaluate_generator(samples, bieb_kb, test[:2], progress=False, candidates=4)
    assert samples.asked == [4, 4] and ranked["candidates"] == 4
    assert ranked["grounded_rate"] == 1.0  # the invented price is ranked behind the grounded drafts
    assert all("7,77" not in x["generated"] for x in ranked["samples"])


def test_the_best_retrieval_draft_stays_second() -> None:
    from webcare.generation import merge_drafts
    from webcare.types import Draft

    gen = [Draft(text=f"g{i}", score=0.9, sources=[], method="generator") for i in range(3)]
    ret = [Draft(text=f"r{i}", score=0.8, sources=[], method="retrieval") for i in range(3)]
    assert [d.text for d in merge_drafts(gen, ret)] == ["g0", "r0", "g1", "g2", "r1", "r2"]
    assert merge_drafts([], ret) == ret and merge_drafts(gen, []) == gen
