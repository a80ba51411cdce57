"""Schema of a brand's knowledge base files (see knowledge_base/README.md)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from webcare.types import Channel, Turn

ESCALATION_REASONS: tuple[str, ...] = (
    "privacy",
    "legal",
    "media",
    "churn",
    "safety",
    "security",
    "repeated",
    "heated",
)

_HOURS = re.compile(r"^(gesloten|\d{2}:\d{2}-\d{2}:\d{2})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ToneProfile(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # "register" in the file; renamed here because pydantic's BaseModel has a .register attribute
    address_form: Literal["je", "u"] = Field(..., alias="register")
    emoji: bool = False
    signature: Literal["initials", "first_name"]
    signature_template: str = Field(..., min_length=1)
    greetings: list[str] = Field(..., min_length=1)
    closings: list[str] = Field(default_factory=list)
    forbidden_phrases: list[str] = Field(default_factory=list)
    cliche_openers: list[str] = Field(default_factory=list)
    style_notes: str = ""

    @field_validator("signature_template")
    @classmethod
    def _has_placeholder(cls, value: str) -> str:
        if "{initials}" not in value and "{first_name}" not in value:
            raise ValueError("signature_template needs {initials} or {first_name}")
        return value


class Agent(Strict):
    first_name: str = Field(..., min_length=1)
    initials: str = Field(..., pattern=r"^[A-Z]{1,4}$")


class Channels(Strict):
    public: list[Channel]
    private: list[Channel]


class FlagSettings(Strict):
    """Per-brand settings of the flags (all optional, so older brand.yaml files stay valid)."""

    sarcasm_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="flags.sarcasm.value = score >= this; default: the threshold chosen when training"
    )
    privacy_exempt_types: list[str] = Field(
        default_factory=list,
        description="PII types that alone do not escalate for privacy on a public channel (e.g. order_number)",
    )


class BrandProfile(Strict):
    id: str = Field(..., pattern=r"^[a-z0-9_-]{2,32}$")
    name: str
    language: str = "nl"
    tone: ToneProfile
    agents: list[Agent] = Field(..., min_length=1)
    webcare_hours: dict[str, str]
    channels: Channels
    channel_limits: dict[Channel, int] = Field(default_factory=dict)
    escalation_contacts: dict[str, str] = Field(default_factory=dict)
    # Hand-over drafts for escalated messages, per reason; the product's defaults
    # (webcare/handover.py) apply to the reasons a brand leaves out.
    handover_templates: dict[str, str] = Field(default_factory=dict)
    pii_patterns: dict[str, str] = Field(default_factory=dict)
    flags: FlagSettings = Field(default_factory=FlagSettings)

    @field_validator("handover_templates")
    @classmethod
    def _handover_reasons(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = [r for r in value if r not in ESCALATION_REASONS]
        if unknown:
            raise ValueError(f"handover_templates: unknown reasons {unknown}; allowed: {list(ESCALATION_REASONS)}")
        empty = [r for r, text in value.items() if not text.strip()]
        if empty:
            raise ValueError(f"handover_templates: empty text for {empty}")
        return value

    @field_validator("webcare_hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, hours in value.items():
            if not _HOURS.match(hours):
                raise ValueError(f"webcare_hours.{day}: {hours!r} is not 'HH:MM-HH:MM' or 'gesloten'")
        return value

    @field_validator("pii_patterns")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for name, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pii_patterns.{name}: invalid regular expression ({exc})") from exc
        return value

    def agent(self, initials: str | None) -> Agent:
        """The agent with these initials, else the default (first) agent."""
        for agent in self.agents:
            if initials and agent.initials == initials.upper():
                return agent
        return self.agents[0]

    def is_public(self, channel: Channel | str) -> bool:
        return Channel(channel) in self.channels.public


class Article(Strict):
    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")
    title: str = Field(..., min_length=3)
    category: str = Field(..., min_length=1)
    tags: list[str] = Field(default_factory=list)
    body: str = Field(..., min_length=20)


class CannedAnswer(Strict):
    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    title: str = Field(..., min_length=3)
    intent: str = Field(..., min_length=1)
    article_id: str | None = None
    text: str = Field(..., min_length=10)


class PastAnswer(Strict):
    id: str = Field(..., min_length=1, max_length=80)
    conversation_id: str = Field(..., min_length=1, max_length=80)
    channel: Channel
    thread: list[Turn] = Field(default_factory=list)
    message: str = Field(..., min_length=1)
    answer: str = Field(..., min_length=1)
    agent: str | None = None
    article_id: str | None = None
    created_at: str | None = None


class EscalationLabel(Strict):
    value: bool
    reasons: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> EscalationLabel:
        unknown = [r for r in self.reasons if r not in ESCALATION_REASONS]
        if unknown:
            raise ValueError(f"unknown escalation reasons {unknown}; allowed: {list(ESCALATION_REASONS)}")
        if self.value != bool(self.reasons):
            raise ValueError("escalation.value must be true exactly when reasons is non-empty")
        return self


class LabelledMessage(Strict):
    id: str = Field(..., min_length=1, max_length=80)
    conversation_id: str = Field(..., min_length=1, max_length=80)
    channel: Channel
    thread: list[Turn] = Field(default_factory=list)
    message: str = Field(..., min_length=1)
    sarcasm: bool
    sentiment: Literal["negative", "neutral", "positive"]
    escalation: EscalationLabel
    split: Literal["train", "test"]
    # "traffic": written to look like the brand's everyday mix of messages; "targeted": written to cover
    # hard cases (e.g. escalation phrasings), so its label mix is not the traffic's. Targeted messages
    # train the heads but do not choose their thresholds (training/classifiers.py). "calibration":
    # traffic-like messages that nobody read while writing the escalation detectors; they train the
    # heads like traffic, and the classifier's "any" escalation gate is chosen on them alone.
    sample: Literal["traffic", "targeted", "calibration"] = "traffic"
