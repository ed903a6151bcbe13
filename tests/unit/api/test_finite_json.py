"""Non-finite numbers in JSON bodies, found where they are, and the app refusing them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from hub.api.finite_json import FiniteJsonMiddleware, non_finite_number
from hub.api.validation_errors import validation_error


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b'{"name":"unlock","pulse_ms":NaN}', (["pulse_ms"], "NaN")),
        (b'{"a":[1,{"b":Infinity}]}', (["a", 1, "b"], "Infinity")),
        (b'{"setpoint_c":-Infinity}', (["setpoint_c"], "-Infinity")),
        (b'{"timeout_s":1e400}', (["timeout_s"], "1e400")),
        (b"[0.5,-1E+999]", ([1], "-1E+999")),
        (b"NaN", ([], "NaN")),
        (b'{"n":' + b"9" * 5000 + b"}", ([], "an integer of more than 4300 digits")),
    ],
)
def test_non_finite_numbers_are_found_where_they_are(
    body: bytes, found: tuple[list[str | int], str]
) -> None:
    assert non_finite_number(body) == found


@pytest.mark.parametrize(
    "body",
    [b'{"a":1e308,"b":-2.5,"c":123456789012345678901234567890}', b"[]", b"{not json", b""],
)
def test_finite_and_malformed_documents_are_left_alone(body: bytes) -> None:
    assert non_finite_number(body) is None


class Body(BaseModel):
    value: float


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    def echo(body: Body) -> dict[str, float]:
        return {"value": body.value}

    @app.get("/query")
    def query(x: float = Query(ge=0, le=10)) -> dict[str, float]:
        return {"x": x}

    app.add_middleware(FiniteJsonMiddleware, max_bytes=1000)
    app.add_exception_handler(RequestValidationError, validation_error)
    return app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://test")


async def test_the_app_answers_422_naming_the_field_and_passes_good_bodies_on() -> None:
    async with _client() as client:
        for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
            for headers in ({"content-type": "application/json"}, {}):
                body = f'{{"value":{literal}}}'
                response = await client.post("/echo", content=body, headers=headers)
                assert response.status_code == 422, literal
                (error,) = response.json()["detail"]
                assert error["loc"] == ["body", "value"] and literal in error["msg"]
                assert "finite" in error["msg"]
        assert (await client.post("/echo", json={"value": 2.5})).json() == {"value": 2.5}
        assert (await client.post("/echo", content=b"{bad")).status_code == 422  # FastAPI's
        too_big = b'{"value":' + b"1" * 1000 + b"}"
        assert (await client.post("/echo", content=too_big)).status_code == 413


async def test_a_non_finite_query_value_gets_a_renderable_422() -> None:
    async with _client() as client:
        for value in ("nan", "inf", "-inf", "1e400"):
            response = await client.get("/query", params={"x": value})
            assert response.status_code == 422, (value, response.text)
            assert response.json()["detail"][0]["loc"] == ["query", "x"]
