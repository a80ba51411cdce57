"""Fixtures for training tests: a fast deterministic embedder and a tiny llama with a tiny tokenizer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from retrieval.text import tokenize

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class HashEmbedder:
    """Bag of stemmed words hashed into 64 dimensions: deterministic, instant, good enough to rank."""

    name = "hash-64"
    dimension = 64

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                out[row, int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def tiny_tokenizer(corpus: Iterable[str]):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<unk>", "<pad>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    tok.train_from_iterator(list(corpus), trainers.WordLevelTrainer(vocab_size=2000, special_tokens=specials))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", eos_token="<|im_end|>", bos_token="<|im_start|>"
    )
    fast.chat_template = CHATML
    return fast


def tiny_llama(tokenizer, seed: int = 0):  # type: ignore[no-untyped-def]
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


def save_tiny_base(path: Path, model, tokenizer) -> Path:  # type: ignore[no-untyped-def]
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def bieb_kb(settings):  # type: ignore[no-untyped-def]
    from retrieval.kb_loader import load_brand

    return load_brand(settings.kb_dir, "bieb")


@pytest.fixture(scope="session")
def bieb_examples(bieb_kb, settings, hash_embedder):  # type: ignore[no-untyped-def]
    from training.generator_data import build_examples

    return build_examples(bieb_kb, settings, hash_embedder)


@pytest.fixture(scope="session")
def tiny(bieb_examples):  # type: ignore[no-untyped-def]
    """(tokenizer, model factory) for a tiny llama that knows the words of the bieb examples."""
    train, test = bieb_examples
    corpus = [m["content"] for e in train + test for m in e.messages] + [e.target for e in train + test]
    corpus += ["system user assistant"]
    tokenizer = tiny_tokenizer(corpus)
    return tokenizer, lambda seed=0: tiny_llama(tokenizer, seed)
