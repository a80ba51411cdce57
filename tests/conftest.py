"""Shared fixtures: real demo knowledge base, real embedder, isolated data directory per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from webcare.services import Services, build_services  # noqa: E402
from webcare.settings import REPO_ROOT, Settings  # noqa: E402

KB_DIR = REPO_ROOT / "knowledge_base"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("webcare-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(kb_dir=KB_DIR, data_dir=data_dir, _env_file=None)


@pytest.fixture(scope="session")
def services(settings: Settings) -> Services:
    """One set of real services (real MiniLM embedder, real FAISS) for the whole session."""
    return build_services(settings)


@pytest.fixture(scope="session")
def embedder(services: Services):  # type: ignore[no-untyped-def]
    return services.registry.embedder


@pytest.fixture(scope="session")
def api_keys(services: Services) -> dict[str, str]:
    return {brand: services.storage.create_api_key(brand, "tests") for brand in ("bieb", "shop")}


@pytest.fixture(scope="session")
def client(services: Services, api_keys: dict[str, str]) -> Iterator:  # type: ignore[type-arg]
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(services=services)) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def bieb_flag_classifier(embedder):  # type: ignore[no-untyped-def]
    """A flag classifier trained on bieb's own train split (all thread examples + 60 without a thread,
    3 folds: seconds), shared by the flag tests."""
    from models.flag_classifier import FlagClassifier
    from retrieval.kb_loader import load_brand
    from training.classifiers import Hyper, fit, prepare, rules_for

    kb = load_brand(KB_DIR, "bieb")
    train = [m for m in kb.labelled if m.split == "train"]
    items = [m for m in train if m.thread] + [m for m in train if not m.thread][:60]
    prepared = prepare(items, kb, rules_for(kb), embedder, progress=False)
    bundle, _ = fit(prepared, Hyper(folds=3))
    bundle["embedder"] = embedder.name
    return FlagClassifier(bundle, version="test")
