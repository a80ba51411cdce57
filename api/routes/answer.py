"""POST /v1/answer: the chatbot endpoint; answers a clear FAQ itself, else hands off to a human."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import BrandDep, ServicesDep, require_brand
from api.routes.suggestions import _ERRORS
from webcare.auto_answer import AutoAnswer, AutoAnswerer
from webcare.types import SuggestionRequest

router = APIRouter(prefix="/v1", tags=["chatbot"])


def get_answerer(request: Request, services: ServicesDep) -> AutoAnswerer:
    state = request.app.state
    if getattr(state, "auto_answerer", None) is None:
        state.auto_answerer = AutoAnswerer(services.pipeline, services.settings)
    return state.auto_answerer


@router.post("/answer", response_model=AutoAnswer, responses=_ERRORS, summary="Auto-answer a simple FAQ or hand off")
async def answer(
    request: SuggestionRequest, brand: BrandDep, answerer: Annotated[AutoAnswerer, Depends(get_answerer)]
) -> AutoAnswer:
    """Same request as /v1/suggestions. Returns `handoff: false` with `answer {text, sources, score}` only
    when the best FAQ match reaches the brand's confidence bar (chosen by `webcare eval` for a precision
    of at least 0.95) and no personal data, escalation, sarcasm or foreign language is flagged; otherwise
    `handoff: true` with a `reason` code (pii, escalation, sarcasm, language, no_faq_match,
    low_confidence) and a `detail` text."""
    require_brand(request.brand, brand)
    return await run_in_threadpool(answerer.answer, request)
