"""Knowledge-base routes: list, add, update and delete articles and canned answers of the key's brand.

Every change is recorded in the database (so nothing is lost on re-indexing) and the brand's index
follows it at once.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool

from api.deps import BrandDep, ServicesDep, require_brand
from api.schemas import ArticleList, CannedList, ErrorBody, KBChange
from retrieval.kb_schema import Article, CannedAnswer

router = APIRouter(prefix="/v1/kb/{brand}", tags=["knowledge base"])
_ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 422: {"model": ErrorBody}}


def _change(services: ServicesDep, brand: str, kind: str, item_id: str, action: str) -> KBChange:
    return KBChange(brand=brand, kind=kind, id=item_id, action=action, index_items=len(services.registry.get(brand).store))


@router.get("/articles", response_model=ArticleList, responses=_ERRORS, summary="List articles")
async def list_articles(brand: str, key: BrandDep, services: ServicesDep) -> ArticleList:
    require_brand(brand, key)
    runtime = await run_in_threadpool(services.registry.get, brand)
    return ArticleList(brand=brand, items=runtime.kb.articles)


@router.get("/canned", response_model=CannedList, responses=_ERRORS, summary="List canned answers")
async def list_canned(brand: str, key: BrandDep, services: ServicesDep) -> CannedList:
    require_brand(brand, key)
    runtime = await run_in_threadpool(services.registry.get, brand)
    return CannedList(brand=brand, items=runtime.kb.canned)


@router.put("/articles/{item_id}", response_model=KBChange, responses=_ERRORS, summary="Add or replace an article")
async def put_article(brand: str, item_id: str, article: Article, key: BrandDep, services: ServicesDep, response: Response) -> KBChange:
    require_brand(brand, key)
    if article.id != item_id:
        raise HTTPException(422, f"the body's id {article.id!r} differs from the path's {item_id!r}")
    created = await run_in_threadpool(services.registry.upsert_item, brand, article)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _change(services, brand, "article", item_id, "created" if created else "updated")


@router.post("/articles", response_model=KBChange, status_code=201, responses=_ERRORS, summary="Add an article")
async def post_article(brand: str, article: Article, key: BrandDep, services: ServicesDep) -> KBChange:
    require_brand(brand, key)
    if any(a.id == article.id for a in (await run_in_threadpool(services.registry.get, brand)).kb.articles):
        raise HTTPException(409, f"article {article.id!r} exists; use PUT to replace it")
    await run_in_threadpool(services.registry.upsert_item, brand, article)
    return _change(services, brand, "article", article.id, "created")


@router.delete("/articles/{item_id}", response_model=KBChange, responses=_ERRORS, summary="Delete an article")
async def delete_article(brand: str, item_id: str, key: BrandDep, services: ServicesDep) -> KBChange:
    require_brand(brand, key)
    if not await run_in_threadpool(services.registry.delete_item, brand, "article", item_id):
        raise HTTPException(404, f"no article {item_id!r} in brand {brand!r}")
    return _change(services, brand, "article", item_id, "deleted")


@router.put("/canned/{item_id}", response_model=KBChange, responses=_ERRORS, summary="Add or replace a canned answer")
async def put_canned(brand: str, item_id: str, canned: CannedAnswer, key: BrandDep, services: ServicesDep, response: Response) -> KBChange:
    require_brand(brand, key)
    if canned.id != item_id:
        raise HTTPException(422, f"the body's id {canned.id!r} differs from the path's {item_id!r}")
    created = await run_in_threadpool(services.registry.upsert_item, brand, canned)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return _change(services, brand, "canned", item_id, "created" if created else "updated")


@router.post("/canned", response_model=KBChange, status_code=201, responses=_ERRORS, summary="Add a canned answer")
async def post_canned(brand: str, canned: CannedAnswer, key: BrandDep, services: ServicesDep) -> KBChange:
    require_brand(brand, key)
    if any(c.id == canned.id for c in (await run_in_threadpool(services.registry.get, brand)).kb.canned):
        raise HTTPException(409, f"canned answer {canned.id!r} exists; use PUT to replace it")
    await run_in_threadpool(services.registry.upsert_item, brand, canned)
    return _change(services, brand, "canned", canned.id, "created")


@router.delete("/canned/{item_id}", response_model=KBChange, responses=_ERRORS, summary="Delete a canned answer")
async def delete_canned(brand: str, item_id: str, key: BrandDep, services: ServicesDep) -> KBChange:
    require_brand(brand, key)
    if not await run_in_threadpool(services.registry.delete_item, brand, "canned", item_id):
        raise HTTPException(404, f"no canned answer {item_id!r} in brand {brand!r}")
    return _change(services, brand, "canned", item_id, "deleted")
