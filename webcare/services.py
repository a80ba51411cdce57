"""Wire the components together from settings: one place, used by the API, the CLI and eval."""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import torch

from models.embedder import SentenceTransformerEmbedder
from models.language import LanguageDetector
from webcare.brands import BrandRegistry
from webcare.pipeline import SuggestionPipeline
from webcare.settings import Settings
from webcare.storage import Storage


@dataclass
class Services:
    settings: Settings
    storage: Storage
    registry: BrandRegistry
    pipeline: SuggestionPipeline


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or Settings()
    faiss.omp_set_num_threads(settings.faiss_threads)  # process-wide library settings for serving
    if settings.torch_threads:
        torch.set_num_threads(settings.torch_threads)
    storage = Storage(settings.resolved_database_url)

    def embedder() -> SentenceTransformerEmbedder:
        return SentenceTransformerEmbedder(
            settings.embedder_model, device=settings.embedder_device, batch_size=settings.embedder_batch_size
        )

    registry = BrandRegistry(settings, embedder, storage)
    pipeline = SuggestionPipeline(settings, registry, LanguageDetector())
    return Services(settings, storage, registry, pipeline)
