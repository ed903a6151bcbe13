"""Schemathesis against /openapi.json of a real hub and API (uvicorn on a free port, the
hub's loop in a background thread: schemathesis drives a synchronous HTTP client).

Every operation gets at most 30 generated requests with a valid operator token, and the
resident operations 30 more with a resident token; no answer may be a server error or
differ from the documented schema (status, content type, body, headers), and requests
without a token or with invalid data must be refused. Not checked: that every
schema-valid request succeeds (a well-formed id of a device that does not exist is a
404, a well-formed time in month 13 a 422). The event stream never ends, so it is left out here
(tests/integration/api/test_stream.py covers it).

Then every operation again, with what JSON schemas cannot describe and schemathesis does
not generate: a leaf of the generated JSON body replaced by a non-finite number (``NaN``,
``Infinity``, ``1e400``, ...) as raw text, which must be a 422 that says so, and integer
query and path parameters (and digit-string cursors) replaced by boundary integers
(2**31, 2**63, 10**30, -1, ...), which must never be a 5xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel import Session

from hub.api.app import create_app
from hub.config import Settings
from hub.db.engine import make_engine
from hub.registry.tokens import mint_operator_token, mint_resident_token
from hub.service import build_runtime, run_hub
from tests.conftest import TEST_SECRET_KEY
from tests.integration.api.conftest import TEST_LIMITS
from tests.support.broker import PrivateMosquitto, mosquitto_available
from tests.support.ports import free_port
from tests.support.tiny_fleet import create_tiny_fleet
from tests.support.waiting import async_wait_until

pytestmark = pytest.mark.broker

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class BackgroundApi:
    """A hub with its API, running on an event loop in a thread of its own."""

    def __init__(self, settings: Settings, broker_url: str) -> None:
        self.settings = settings
        self.broker_url = broker_url
        self.port = free_port()
        self._ready: Future[None] = Future()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="api-under-test", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BackgroundApi:
        self._thread.start()
        self._ready.result(timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runtime = build_runtime(self.settings, self.broker_url)
        hub = asyncio.create_task(run_hub(runtime), name="hub")
        config = uvicorn.Config(
            create_app(runtime, limits=TEST_LIMITS),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
        )
        server = uvicorn.Server(config)
        api = asyncio.create_task(server.serve(), name="api")
        try:
            await runtime.transport.wait_connected()
            await async_wait_until(lambda: server.started, what="uvicorn started")
            self._ready.set_result(None)
            await self._stop.wait()
        except BaseException as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise
        finally:
            server.should_exit = True
            await api
            hub.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hub
            runtime.engine.dispose()


@pytest.fixture(scope="module")
def running_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BackgroundApi, str]]:
    if not mosquitto_available():
        pytest.skip("mosquitto binary not installed")
    workdir: Path = tmp_path_factory.mktemp("schemathesis")
    broker = PrivateMosquitto(workdir=workdir / "mosquitto")
    broker.start()
    url = f"sqlite:///{workdir / 'hub.db'}"
    settings = Settings(
        database_url=url, secret_key=TEST_SECRET_KEY, instance_id="schemathesis", api_port=0
    )  # type: ignore[call-arg]
    engine = make_engine(url)
    fleet = create_tiny_fleet(engine, TEST_SECRET_KEY)
    with Session(engine) as session:
        operator = mint_operator_token(session, "testcity", "schemathesis")
        resident = mint_resident_token(session, fleet.residents["c0001-b01/0101"], "schemathesis")
    engine.dispose()
    try:
        with BackgroundApi(settings, broker.url) as api:
            yield api, f"{operator}\n{resident}"
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def api_schema(running_api: tuple[BackgroundApi, str]) -> Any:
    api, _ = running_api
    return schemathesis.openapi.from_url(f"{api.url}/openapi.json")


@pytest.fixture(scope="module")
def tokens(running_api: tuple[BackgroundApi, str]) -> tuple[str, str]:
    operator, resident = running_api[1].split("\n")
    return operator, resident


def run_operations(api_schema: Any, token: str, *, tag: str | None = None) -> int:
    """Run every operation's generated cases; fail listing each operation that broke.

    (schemathesis' lazy pytest fixture loader does not work with pytest 9, so the
    operations are driven here with Hypothesis directly.)"""
    failures: list[str] = []
    ran = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/events/stream":
            continue
        if tag is not None and tag not in (operation.tags or []):
            continue

        @EXAMPLES
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                excluded_checks=[positive_data_acceptance],
            )

        ran += 1
        try:
            check()
        except Exception as exc:  # collected: one report for every operation
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    return ran


NON_FINITE = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E+999")
BOUNDARY_INTS = (
    0, -1, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**62 + 1, 2**63 - 1, 2**63, 10**19,
    -(2**63) - 1, 10**30,
)  # fmt: skip
MARKER = "\u0000non-finite\u0000"


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _numeric_parameters(api_schema: Any, operation: Any) -> dict[str, tuple[str, bool]]:
    """Name > (where, as text) of the operation's integer parameters and digit-string ones
    (cursors), from the OpenAPI document."""
    raw = api_schema.raw_schema["paths"][operation.path][operation.method.lower()]
    found: dict[str, tuple[str, bool]] = {}
    for parameter in raw.get("parameters", []):
        schema = parameter.get("schema", {})
        variants = schema.get("anyOf", [schema])
        if any(v.get("type") == "integer" for v in variants):
            found[parameter["name"]] = (parameter["in"], False)
        elif any(v.get("pattern", "").startswith("^[0-9]") for v in variants):
            found[parameter["name"]] = (parameter["in"], True)
    return found


def _with_boundaries(
    params: dict[str, Any] | None, numeric: dict[str, tuple[str, bool]], where: str, draw: Any
) -> dict[str, Any]:
    """``params`` with some of their integer parameters set to boundary integers."""
    out = dict(params or {})
    for name, (location, as_text) in numeric.items():
        if location == where and (location == "path" or draw(st.booleans())):
            chosen = draw(st.sampled_from(BOUNDARY_INTS))
            out[name] = str(abs(chosen)) if as_text else chosen
    return out


def _hostile_check(
    client: httpx.Client, api_schema: Any, operation: Any, token: str, sent: list[int]
) -> Any:
    """A Hypothesis test sending the operation's generated cases made hostile."""
    numeric = _numeric_parameters(api_schema, operation)

    @EXAMPLES
    @given(case=operation.as_strategy(), data=st.data())
    def check(case: Any, data: Any) -> None:
        draw = data.draw
        path_parameters = _with_boundaries(case.path_parameters, numeric, "path", draw)
        query = _with_boundaries(case.query, numeric, "query", draw)
        if path_parameters:
            case.path_parameters = path_parameters
        headers = {"Authorization": f"Bearer {token}"}
        content = None
        literal = None
        if case.body is not None and not isinstance(case.body, NotSet):
            literal = draw(st.sampled_from(NON_FINITE))
            leaf = draw(st.sampled_from(_leaves(case.body)))
            body = json.dumps(_replaced(case.body, leaf, MARKER))
            content = body.replace(json.dumps(MARKER), literal)
            headers["Content-Type"] = "application/json"
        response = client.request(
            case.method, case.formatted_path, params=query, headers=headers, content=content
        )
        sent[0] += 1
        where = f"{case.method} {case.formatted_path} {query} {content!r}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
        if literal is not None:
            sent[1] += 1
            assert response.status_code == 422, f"{where}: {response.status_code}"
            assert "finite" in response.text and literal in response.text, response.text

    return check


def run_hostile_numbers(api_url: str, api_schema: Any, token: str) -> tuple[int, int]:
    """Every operation with non-finite numbers in its body and boundary integers in its
    parameters; (requests sent, of which with a non-finite number)."""
    failures: list[str] = []
    sent = [0, 0]
    with httpx.Client(base_url=api_url, timeout=30) as client:
        for result in api_schema.get_all_operations():
            operation = result.ok()
            if operation.path == "/api/v1/events/stream":
                continue
            try:
                _hostile_check(client, api_schema, operation, token, sent)()
            except Exception as exc:  # collected: one report for every operation
                failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    return sent[0], sent[1]


def test_hostile_numbers_are_refused_and_never_a_server_error(
    running_api: tuple[BackgroundApi, str], api_schema: Any, tokens: tuple[str, str]
) -> None:
    requests, non_finite = run_hostile_numbers(running_api[0].url, api_schema, tokens[0])
    # (POST /api/v1/devices/{id}/commands is the operation with a JSON body)
    assert requests >= 14 * 10 and non_finite >= 20


def test_operator_token(api_schema: Any, tokens: tuple[str, str]) -> None:
    assert run_operations(api_schema, tokens[0]) >= 14


def test_resident_token(api_schema: Any, tokens: tuple[str, str]) -> None:
    assert run_operations(api_schema, tokens[1], tag="residents") >= 3
