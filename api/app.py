"""FastAPI app factory: routes are thin, the pipeline does the work."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.middleware import BodySizeLimit
from api.routes import answer, health, kb, suggestions
from webcare import __version__
from webcare.services import Services, build_services
from webcare.settings import Settings

DESCRIPTION = """
Reply suggestions for Dutch webcare teams.

Send a customer message (with its thread and channel) to **POST /v1/suggestions** and get draft
replies in the brand's tone, each naming its sources, plus flags (language, personal data, move to
a private channel). Authenticate with the brand's API key (`Authorization: Bearer <key>` or
`X-API-Key`); a key only ever reaches its own brand. Create keys with `webcare keys create --brand B`.
"""


def create_app(settings: Settings | None = None, services: Services | None = None, *, preload: bool = False) -> FastAPI:
    """Build the app. ``services`` may be given (tests); ``preload`` loads every brand at start-up."""
    services = services or build_services(settings)
    app = FastAPI(
        title="webcare-assist",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "suggestions", "description": "Draft replies and flags for agents."},
            {"name": "chatbot", "description": "Auto-answer simple FAQs above the brand's confidence bar, else hand off."},
            {"name": "knowledge base", "description": "The brand's articles and canned answers; the index follows every change."},
            {"name": "health", "description": "Liveness."},
        ],
    )
    app.state.services = services
    app.add_middleware(BodySizeLimit, max_bytes=services.settings.max_request_bytes)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(suggestions.router)
    app.include_router(answer.router)
    app.include_router(kb.router)
    if preload:
        for brand in services.registry.brands():
            services.registry.get(brand)
        logging.getLogger("webcare.api").info("loaded brands: %s", ", ".join(services.registry.loaded()))
    return app
