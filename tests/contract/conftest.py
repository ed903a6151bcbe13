"""The contract layer: the hub's parts between the wire and the database (ingest
pipeline, decoder, store, twins, presence, domain, alarm rules, command service) driven
through the in-memory broker and a real SQLite file. See docs/architecture.md, "Three
layers of tests"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.contract_hub import ContractHub, Template, contract_hub, migrated_template


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The migrated database with the tiny fleet, made once; each test gets a copy."""
    return migrated_template(tmp_path_factory.mktemp("contract"))


@pytest.fixture
async def hub(template: Template, tmp_path: Path) -> AsyncIterator[ContractHub]:
    async with contract_hub(template, tmp_path) as running:
        yield running
