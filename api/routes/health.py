"""GET /health: liveness plus which brands are known and loaded (no brand data)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas import Health
from webcare import __version__

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness and loaded brands")
async def health(services: ServicesDep) -> Health:
    registry = services.registry
    return Health(status="ok", version=__version__, brands=registry.brands(), loaded=registry.loaded())
