"""POST /v1/suggestions: draft replies and flags for one customer message."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import BrandDep, ServicesDep, require_brand
from api.schemas import ErrorBody
from webcare.types import Suggestion, SuggestionRequest

router = APIRouter(prefix="/v1", tags=["suggestions"])

_ERRORS = {
    400: {"model": ErrorBody, "description": "Malformed JSON or invalid UTF-8."},
    401: {"model": ErrorBody, "description": "Missing or invalid API key."},
    403: {"model": ErrorBody, "description": "The key belongs to another brand."},
    413: {"model": ErrorBody, "description": "Message, thread or body over the configured limit."},
    422: {"model": ErrorBody, "description": "Invalid request (e.g. empty message, unknown channel)."},
}


@router.post("/suggestions", response_model=Suggestion, responses=_ERRORS, summary="Draft replies for a customer message")
async def suggestions(request: SuggestionRequest, brand: BrandDep, services: ServicesDep) -> Suggestion:
    """Retrieves the brand's best knowledge-base passages and past answers, drafts replies in the
    brand's tone for the channel, and flags language, personal data and more."""
    require_brand(request.brand, brand)
    return await run_in_threadpool(services.pipeline.suggest, request)
