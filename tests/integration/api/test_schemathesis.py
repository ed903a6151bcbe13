"""Schemathesis against /openapi.json of a real hub and API (uvicorn on a free port, the
hub's loop in a background thread: schemathesis drives a synchronous HTTP client).

Every operation gets at most 30 generated requests with a valid operator token, and the
resident operations 30 more with a resident token; no answer may be a server error or
differ from the documented schema (status, content type, body, headers), and requests
without a token or with invalid data must be refused. Not checked: that every
schema-valid request succeeds (a well-formed id of a device that does not exist is a
404, a well-formed time in month 13 a 422). The event stream never ends, so it is left out here
(tests/integration/api/test_stream.py covers it).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
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


def test_operator_token(api_schema: Any, tokens: tuple[str, str]) -> None:
    assert run_operations(api_schema, tokens[0]) >= 14


def test_resident_token(api_schema: Any, tokens: tuple[str, str]) -> None:
    assert run_operations(api_schema, tokens[1], tag="residents") >= 3
