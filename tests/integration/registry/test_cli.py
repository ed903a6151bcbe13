"""``hub seed``, ``hub devices`` and ``hub token`` run in-process, as a user would."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from hub.cli import main
from hub.db.engine import make_engine
from hub.registry.models import ApiToken, Device
from hub.registry.passwords import verify_password
from hub.registry.tokens import authenticate_token

SMALL_SEED = ["seed", "--communities", "3", "--residents-per-building", "3"]


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], url: str) -> None:
        self.capsys = capsys
        self.url = url

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def count(self, model: type[ApiToken] | type[Device]) -> int:
        engine = make_engine(self.url)
        try:
            with Session(engine) as session:
                return session.exec(select(func.count()).select_from(model)).one()[0]
        finally:
            engine.dispose()


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_SECRET_KEY", "cli-test-secret-key-0123")
    monkeypatch.delenv("HUB_DEMO", raising=False)
    monkeypatch.chdir(tmp_path)
    return Cli(capsys, database_url)


def test_seed_writes_secrets_once_and_refuses_to_reseed(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli(*SMALL_SEED, "--secrets", "s.json")
    assert code == 0, err
    assert "3 community" in out and "12 devices" in out and " s;" in out
    secrets = json.loads((tmp_path / "s.json").read_text())
    assert stat.S_IMODE((tmp_path / "s.json").stat().st_mode) == 0o600
    for entry in secrets["devices"].values():
        assert entry["password"] not in out + err
    code, out, err = cli(*SMALL_SEED, "--secrets", "again.json")
    assert code == 2 and out == ""
    assert err.startswith("hub: error: the registry already holds") and "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "again.json").exists()
    code, out, err = cli(*SMALL_SEED, "--secrets", "again.json", "--force")
    assert code == 0, err
    assert (tmp_path / "again.json").exists()


def test_seed_defaults_to_demo_secrets_in_the_working_directory(cli: Cli, tmp_path: Path) -> None:
    assert cli(*SMALL_SEED)[0] == 0
    assert "locker-0001" in json.loads((tmp_path / "demo-secrets.json").read_text())["devices"]


def test_unknown_scope_is_one_error_line_and_changes_nothing(cli: Cli) -> None:
    assert cli(*SMALL_SEED)[0] == 0
    before = cli.count(ApiToken)
    code, out, err = cli("token", "operator", "--scope", "wuxi-atlantis")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "hub: error: unknown scope 'wuxi-atlantis': "
        "not a city, district, subdistrict or community code"
    ]
    assert cli.count(ApiToken) == before


def test_tokens_mint_authenticate_and_revoke(cli: Cli, tmp_path: Path) -> None:
    assert cli(*SMALL_SEED, "--secrets", "s.json")[0] == 0
    resident = json.loads((tmp_path / "s.json").read_text())["residents"][0]
    code, out, err = cli("token", "operator", "--scope", "wuxi-liangxi", "--label", "ops")
    assert code == 0, err
    operator_token = out.strip()
    code, out, err = cli(
        "token", "resident", "--building", resident["building"], "--unit", resident["unit"]
    )
    assert code == 0, err
    resident_token = out.strip()
    code, out, _ = cli("token", "resident", "--resident-id", str(resident["resident_id"]))
    assert code == 0 and out.strip() != resident_token
    engine = make_engine(cli.url)
    with Session(engine) as session:
        operator = authenticate_token(session, operator_token)
        assert operator is not None and operator.scope_path == "wuxi/wuxi-liangxi"
        holder = authenticate_token(session, resident_token)
        assert holder is not None and holder.resident_id == resident["resident_id"]
    code, out, err = cli("token", "revoke", operator_token)
    assert code == 0 and out.startswith(f"revoked token {operator.token_id} (operator, 'ops')")
    code, out, err = cli("token", "revoke", str(holder.token_id))
    assert code == 0, err
    with Session(engine) as session:
        assert authenticate_token(session, operator_token) is None
        assert authenticate_token(session, resident_token) is None
    engine.dispose()
    code, _, err = cli("token", "resident", "--building", resident["building"], "--unit", "0")
    assert code == 2 and "no resident in unit '0'" in err
    code, _, err = cli("token", "revoke", "12345678")
    assert code == 2 and "no API token with id 12345678" in err


def test_devices_import_bad_file_reports_lines_and_imports_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli(*SMALL_SEED)[0] == 0
    before = cli.count(Device)
    lines = [
        "id,kind,vendor,model,firmware_version,protocol,location,name,enabled",
        *(f"locker-05{n:02d},locker,Kerong,KR-1,1.6.0,lockerlink,c0001,ok,true" for n in range(5)),
        "fridge-0001,fridge,Haier,F1,1.0,lockerlink,c0001,cold,true",
        "vending-0500,vending,Ubox,UB,2.4.0,sparkplug_b,c0001,ok,maybe",
    ]
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n")
    code, out, err = cli("devices", "import", "bad.csv", "--secrets", "new.json")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "hub: error: line 7, field 'kind': 'fridge' is not one of locker, vending, door",
        "hub: error: line 8, field 'enabled': 'maybe' is not true or false",
        "hub: error: 2 bad rows: nothing imported",
    ]
    assert cli.count(Device) == before
    assert not (tmp_path / "new.json").exists()


def test_devices_export_import_round_trip_with_new_device(cli: Cli, tmp_path: Path) -> None:
    assert cli(*SMALL_SEED, "--secrets", "s.json")[0] == 0
    code, exported, _ = cli("devices", "export")
    assert code == 0 and exported.startswith("id,kind,vendor,model,firmware_version,protocol")
    assert cli("devices", "export", "--out", "devices.csv")[0] == 0
    assert (tmp_path / "devices.csv").read_text() == exported
    new_row = "vending-0900,vending,Ubox,UB-GV30,2.4.0,sparkplug_b,c0002,Extra fresh,true\n"
    (tmp_path / "more.csv").write_text(exported + new_row)
    code, _, err = cli("devices", "import", "more.csv")
    assert code == 2 and "need --secrets FILE" in err
    assert cli.count(Device) == 12
    code, out, err = cli("devices", "import", "more.csv", "--secrets", "s.json")
    assert code == 0, err
    assert "13 devices: 1 new, 12 updated" in out
    secrets = json.loads((tmp_path / "s.json").read_text())
    assert len(secrets["devices"]) == 13 and len(secrets["residents"]) > 0
    password = secrets["devices"]["vending-0900"]["password"]
    assert password not in out + err
    assert stat.S_IMODE((tmp_path / "s.json").stat().st_mode) == 0o600
    engine = make_engine(cli.url)
    with Session(engine) as session:
        device = session.get(Device, "vending-0900")
        assert device is not None and verify_password(password, device.mqtt_password_hash)
    engine.dispose()
    header, *rows = exported.splitlines(keepends=True)
    assert cli("devices", "export")[1] == header + "".join(sorted([*rows, new_row]))


def test_missing_file_is_one_error_line(cli: Cli) -> None:
    code, out, err = cli("devices", "import", "absent.csv")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "hub: error: cannot open absent.csv: No such file or directory"
    ]
