"""A 405 names every method the path serves (FastAPI makes one route per method)."""
import httpx
from fastapi import APIRouter, FastAPI

from fc_shared.errors import install_problem_handlers


async def test_405_allow_lists_every_method_of_the_path():
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter(prefix="/api/v1")

    @router.get("/communities")
    async def list_():
        return []

    @router.post("/communities")
    async def create():
        return {}

    @router.get("/communities/{cid}")
    async def one(cid: str):
        return {}

    @router.patch("/communities/{cid}")
    async def change(cid: str):
        return {}

    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.delete("/api/v1/communities")
        assert r.status_code == 405 and r.headers["content-type"] == "application/problem+json"
        assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
        r = await client.options("/api/v1/communities/c-1")
        assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "PATCH"}
