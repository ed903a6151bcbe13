"""DEX audit rows from a writer-made file (pure: no database)."""

from __future__ import annotations

from firmware_protocols.base import Event
from firmware_protocols.dex import AuditData, Currency, Product, SalesTotals, write_dex
from hub.domain.dex_audits import audit_row

AUDIT = AuditData(
    currency=Currency(decimal_places=2, numeric_code="1156"),
    paid_vends=SalesTotals(12_345, 67, 2_345, 12),
    cash=SalesTotals(10_000, 50),
    cashless=SalesTotals(2_345, 17),
    products=(
        Product("1", 350, "spinach", 20, 7_000, 4, 1_400),
        Product("2", 300, "tomato", 17, 5_100, 8, 2_400),
    ),
)


def event(text: str) -> Event:
    return Event(seq=77, ts_ms=1_700_000_000_000, type="dex_audit", data={"text": text})


def test_a_complete_file_gives_its_totals_and_passes_both_checks() -> None:
    row = audit_row("vm-1", event(write_dex(AUDIT).decode()), received_ms=5)
    assert (row["complete"], row["g85_ok"], row["se_ok"], row["error"]) == (True, True, True, None)
    assert (row["va1_value"], row["va1_count"]) == (12_345, 67)
    assert (row["va1_value_reset"], row["va1_count_reset"]) == (2_345, 12)
    assert (row["ca2_value"], row["ca2_count"], row["da2_value"], row["da2_count"]) == (
        10_000,
        50,
        2_345,
        17,
    )
    assert row["decimal_places"] == 2
    assert row["products"] == [
        {
            "selection": "1",
            "name": "spinach",
            "price": 350,
            "count": 20,
            "value": 7_000,
            "count_reset": 4,
            "value_reset": 1_400,
        },
        {
            "selection": "2",
            "name": "tomato",
            "price": 300,
            "count": 17,
            "value": 5_100,
            "count_reset": 8,
            "value_reset": 2_400,
        },
    ]
    assert (row["device_id"], row["seq"], row["received_ms"]) == ("vm-1", 77, 5)


def test_a_tampered_file_fails_its_crc_but_keeps_what_it_says() -> None:
    text = write_dex(AUDIT).decode().replace("VA1*12345", "VA1*99999")
    row = audit_row("vm-1", event(text), received_ms=5)
    assert row["complete"] and row["g85_ok"] is False and row["se_ok"] is True
    assert row["va1_value"] == 99_999


def test_a_cut_file_is_incomplete_and_text_that_is_not_dex_is_an_error() -> None:
    text = write_dex(AUDIT).decode()
    cut = text[: text.index("G85")]
    row = audit_row("vm-1", event(cut), received_ms=5)
    assert not row["complete"] and row["g85_ok"] is None and row["se_ok"] is None
    assert row["va1_count"] == 67
    garbage = audit_row("vm-1", event("hello, world"), received_ms=5)
    assert garbage["error"] == "not_dex" and garbage["va1_value"] is None
    assert not garbage["complete"]
