"""Error handlers: every failure is a clear JSON body {error, detail} with a fitting status code."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retrieval.kb_loader import KBValidationError, UnknownBrandError
from retrieval.store import StoreError
from webcare.pipeline import InputTooLargeError

log = logging.getLogger("webcare.api")


def _body(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail})


def _describe_validation(exc: RequestValidationError) -> tuple[int, str, str]:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx", {}) or {}
            return 400, "malformed_json", f"request body is not valid JSON: {ctx.get('error', 'parse error')}"
    parts = []
    for err in errors[:10]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{loc or 'body'}: {err.get('msg')}")
    return 422, "invalid_request", "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _body(*_describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # FastAPI's message when the body is not decodable (e.g. invalid UTF-8)
            return _body(400, "malformed_body", "the request body could not be read: send JSON encoded as UTF-8")
        codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        return _body(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    @app.exception_handler(UnknownBrandError)
    async def unknown_brand(_: Request, exc: UnknownBrandError) -> JSONResponse:
        return _body(404, "unknown_brand", str(exc))

    @app.exception_handler(InputTooLargeError)
    async def too_large(_: Request, exc: InputTooLargeError) -> JSONResponse:
        return _body(413, "too_large", str(exc))

    @app.exception_handler(KBValidationError)
    async def kb_invalid(_: Request, exc: KBValidationError) -> JSONResponse:
        log.error("knowledge base invalid: %d problem(s)", len(exc.problems))
        return _body(503, "knowledge_base_invalid", str(exc))

    @app.exception_handler(StoreError)
    async def index_problem(_: Request, exc: StoreError) -> JSONResponse:
        log.error("index problem: %s", type(exc).__name__)
        return _body(503, "index_unavailable", str(exc))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # the message may hold customer text: log the type only, never the content
        log.error("unhandled %s", type(exc).__name__)
        return _body(500, "internal_error", "the server failed on this request; it has been logged (without its content)")
