"""Request / response bodies of the HTTP API that are not domain types."""

from __future__ import annotations

from pydantic import BaseModel, Field

from retrieval.kb_schema import Article, CannedAnswer


class ErrorBody(BaseModel):
    error: str = Field(..., description="Machine-readable error code.")
    detail: str = Field(..., description="What went wrong and what to do.")


class Health(BaseModel):
    status: str
    version: str
    brands: list[str]
    loaded: list[str]


class ArticleList(BaseModel):
    brand: str
    items: list[Article]


class CannedList(BaseModel):
    brand: str
    items: list[CannedAnswer]


class KBChange(BaseModel):
    brand: str
    kind: str
    id: str
    action: str
    index_items: int
