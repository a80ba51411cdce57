"""Domain types that cross boundaries (API, CLI, eval): pydantic v2 models."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Channel(StrEnum):
    x = "x"
    facebook = "facebook"
    instagram = "instagram"
    whatsapp = "whatsapp"
    chat = "chat"
    email = "email"
    forum = "forum"
    dm = "dm"


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["customer", "agent"]
    text: str = Field(..., max_length=20_000)


class SuggestionRequest(BaseModel):
    """What an agent's helpdesk (or a chatbot) sends for one incoming customer message."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "brand": "bieb",
                    "channel": "x",
                    "message": "hoe kan ik mn boeken verlengen? app doet raar",
                    "thread": [],
                    "customer_id": "cust-123",
                }
            ]
        },
    )

    brand: str = Field(..., min_length=1, max_length=64, description="Brand (tenant) id, e.g. 'bieb'.")
    channel: Channel = Field(Channel.chat, description="Where the message was posted.")
    message: str = Field(..., description="The customer message to answer.")
    thread: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first.")
    customer_id: str | None = Field(None, max_length=128)
    agent: str | None = Field(None, max_length=16, description="Initials of the agent who will sign.")

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message is empty or only whitespace")
        return value


class Source(BaseModel):
    id: str
    kind: Literal["article", "canned", "past_answer"]
    score: float
    title: str | None = None
    article_id: str | None = Field(None, description="The FAQ article this passage is (based on), if any.")


class Draft(BaseModel):
    text: str
    score: float
    sources: list[Source]
    method: Literal["retrieval", "generator", "handover"] = Field(
        "retrieval",
        description="retrieval: built on retrieved answers; generator: the brand's fine-tuned model; "
        "handover: takes an escalated message on and says who picks it up (sources empty).",
    )
    notes: list[str] = Field(default_factory=list, description="Tone adaptations or guard findings.")


class PiiFlag(BaseModel):
    found: bool
    types: list[str] = Field(default_factory=list)


class SarcasmFlag(BaseModel):
    value: bool
    score: float


class EscalationFlag(BaseModel):
    value: bool
    level: Literal["none", "low", "medium", "high"]
    reasons: list[str] = Field(default_factory=list)
    explanations: list[str] = Field(default_factory=list)


class SentimentFlag(BaseModel):
    label: Literal["negative", "neutral", "positive"]
    scores: dict[str, float]


class Flags(BaseModel):
    language: str
    language_confidence: float | None = None
    pii: PiiFlag
    move_to_private: bool
    sarcasm: SarcasmFlag | None = None
    escalation: EscalationFlag | None = None
    sentiment: SentimentFlag | None = None


class Suggestion(BaseModel):
    brand: str
    drafts: list[Draft]
    flags: Flags
    auto_answerable: bool
    answer_confidence: float | None = Field(
        None,
        description="How sure the best retrieval draft answers a FAQ: (k + score) / 5, where k of 4 independent "
        "rankings (dense answers, dense articles, BM25 answers, BM25 articles) point at the article of that vetted "
        "answer and score is its retrieval score. Null when the best retrieval draft is not built on a vetted "
        "answer with an article.",
    )
    timings_ms: dict[str, float]
    versions: dict[str, str] = Field(default_factory=dict, description="Models and index serving this answer.")
