"""Dependencies: the services object and the brand that the caller's API key belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from webcare.services import Services

_bearer = HTTPBearer(auto_error=False, description="Brand API key as a bearer token.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Brand API key.")


def get_services(request: Request) -> Services:
    return request.app.state.services


def key_brand(
    services: Annotated[Services, Depends(get_services)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    header_key: Annotated[str | None, Security(_header)] = None,
) -> str:
    """The brand whose key was sent; 401 without a valid key."""
    key = header_key or (bearer.credentials if bearer else None)
    if not key:
        raise HTTPException(401, "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    brand = services.storage.brand_for_key(key)
    if brand is None:
        raise HTTPException(401, "invalid or revoked API key")
    return brand


def require_brand(requested: str, authorised: str) -> None:
    """A key may only touch its own brand's data."""
    if requested != authorised:
        raise HTTPException(403, "this API key does not give access to that brand")


ServicesDep = Annotated[Services, Depends(get_services)]
BrandDep = Annotated[str, Depends(key_brand)]
