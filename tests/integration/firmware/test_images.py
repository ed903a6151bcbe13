"""Firmware images through the real stack: ``hub firmware add`` and the API store them
content-addressed; devices download them with an expiring token, whole or by ``Range``."""

from __future__ import annotations

import hashlib
import random

import pytest
from sqlalchemy import func, select

from firmware_protocols.codecs import all_codecs
from hub.api.audit.tables import audit_entry
from hub.cli import main
from hub.db.engine import make_engine
from hub.db.migrate import upgrade
from hub.firmware.demo_images import store_demo_images
from hub.firmware.tables import CHUNK_BYTES, firmware_chunk
from hub.firmware.tokens import DownloadGrant, DownloadTokens
from hub.firmware.versions import version_key
from hub.registry.fleet_data import DOOR_MODELS, LOCKER_MODELS, VENDING_MODELS
from hub.registry.vocabulary import PROTOCOL_FOR_KIND
from tests.conftest import TEST_SECRET_KEY
from tests.integration.firmware.fleet import create_firmware_fleet, image_query
from tests.integration.firmware.harness import firmware_hub, firmware_settings

pytestmark = pytest.mark.broker
MODELS = {"locker": LOCKER_MODELS, "vending": VENDING_MODELS, "door": DOOR_MODELS}
IMAGE = random.Random(7).randbytes(CHUNK_BYTES * 2 + 1234)
SHA = hashlib.sha256(IMAGE).hexdigest()


def test_cli_adds_an_image_once_and_infers_its_kind(
    sqlite_url, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    create_firmware_fleet(engine, lockers=1)
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("HUB_SECRET_KEY", TEST_SECRET_KEY)
    image = tmp_path / "kl-2.0.0.bin"
    image.write_bytes(IMAGE)
    args = ["firmware", "add", str(image), "--vendor", "Kerong", "--version", "2.0.0"]
    assert main([*args, "--model", "KL-24C"]) == 0
    assert f"stored: {SHA} Kerong locker 2.0.0" in capsys.readouterr().out
    assert main([*args, "--model", "KL-48C", "--kind", "locker"]) == 0  # one more model
    assert "already stored" in capsys.readouterr().out
    assert main(["firmware", "list"]) == 0
    assert "KL-24C, KL-48C" in capsys.readouterr().out
    assert (
        main(["firmware", "add", str(image), "--vendor", "X", "--version", "1", "--model", "Q"])
        == 2
    )
    assert "give --kind" in capsys.readouterr().err
    with engine.connect() as conn:
        chunks = conn.execute(select(func.count()).select_from(firmware_chunk)).scalar_one()
        audited = conn.execute(
            select(func.count()).where(audit_entry.c.action == "firmware:add")
        ).scalar_one()
    assert chunks == 3 and audited == 2
    engine.dispose()


async def test_api_stores_and_devices_download_with_ranges(
    settings_factory, private_mosquitto
) -> None:  # type: ignore[no-untyped-def]
    settings = firmware_settings(settings_factory)
    engine = make_engine(settings.database_url)
    fleet = create_firmware_fleet(engine, lockers=1)
    engine.dispose()
    async with firmware_hub(settings, private_mosquitto.url) as hub:
        city = hub.operator(fleet.city)
        query = image_query("locker", "2.0.0")
        created = await hub.client.post(
            "/api/v1/firmware", params=query, content=IMAGE, headers=city
        )
        assert created.status_code == 201, created.text
        assert created.json()["sha256"] == SHA and created.json()["size"] == len(IMAGE)
        again = await hub.client.post("/api/v1/firmware", params=query, content=IMAGE, headers=city)
        assert again.status_code == 200
        community = hub.operator(fleet.communities[0])
        refused = await hub.client.post(
            "/api/v1/firmware", params=query, content=IMAGE, headers=community
        )
        assert refused.status_code == 403
        empty = await hub.client.post("/api/v1/firmware", params=query, content=b"", headers=city)
        assert empty.status_code == 422 and "empty" in empty.text
        listed = await hub.client.get("/api/v1/firmware", headers=community)
        assert [i["sha256"] for i in listed.json()] == [SHA]
        assert (
            await hub.client.get(f"/api/v1/firmware/{'0' * 64}", headers=city)
        ).status_code == 404

        tokens = DownloadTokens(settings.effective_secret_key)
        far = 2**60
        token = tokens.issue(DownloadGrant("fw-locker-0001", SHA, far))
        whole = await hub.client.get(f"/firmware/download/{token}")
        assert whole.status_code == 200 and whole.content == IMAGE
        assert whole.headers["accept-ranges"] == "bytes"
        tail = await hub.client.get(
            f"/firmware/download/{token}", headers={"Range": "bytes=300000-"}
        )
        assert tail.status_code == 206 and tail.content == IMAGE[300000:]
        assert tail.headers["content-range"] == f"bytes 300000-{len(IMAGE) - 1}/{len(IMAGE)}"
        middle = await hub.client.get(
            f"/firmware/download/{token}",
            headers={"Range": f"bytes={CHUNK_BYTES - 5}-{CHUNK_BYTES + 4}"},
        )
        assert middle.content == IMAGE[CHUNK_BYTES - 5 : CHUNK_BYTES + 5]
        head = await hub.client.head(f"/firmware/download/{token}")
        assert head.status_code == 200 and head.headers["content-length"] == str(len(IMAGE))
        past = await hub.client.get(
            f"/firmware/download/{token}", headers={"Range": "bytes=9999999-"}
        )
        assert past.status_code == 416
        expired = tokens.issue(DownloadGrant("fw-locker-0001", SHA, 1))
        assert (await hub.client.get(f"/firmware/download/{expired}")).status_code == 403
        forged = DownloadTokens("another-secret-key-000").issue(DownloadGrant("x", SHA, far))
        assert (await hub.client.get(f"/firmware/download/{forged}")).status_code == 403
        metrics = (await hub.client.get("/metrics")).text
        assert 'hub_firmware_download_requests_total{result="partial"} 2.0' in metrics
        assert 'hub_firmware_download_requests_total{result="refused"} 2.0' in metrics


def test_demo_images_fit_the_seeded_models_and_are_stored_once(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    first = store_demo_images(engine, 10**7)
    again = store_demo_images(engine, 10**7)
    assert [i.sha256 for i in first] == [i.sha256 for i in again]
    kinds = {i.kind for i in first}
    assert kinds == {"locker", "vending", "door"}
    for info in first:
        seeded = next(m for m in MODELS[info.kind] if m.model in info.models)
        assert info.vendor == seeded.vendor
        assert all(version_key(v) < version_key(info.version) for v in seeded.firmware_versions)
        all_codecs().resolve(PROTOCOL_FOR_KIND[info.kind], info.version)  # has a codec
    engine.dispose()
