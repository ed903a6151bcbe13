"""Alarm rule configuration: defaults, overrides for all and for one community, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.alarms.config import AlarmConfigError, AlarmRules, community_of
from hub.alarms.vocabulary import AlarmType, Severity
from hub.errors import ConfigError


def test_built_in_defaults_follow_the_spec() -> None:
    rules = AlarmRules().base
    assert rules.cold_chain.max_temp_c == 8.0 and rules.cold_chain.for_s == 600
    assert rules.device_offline.for_s == 300
    assert rules.low_stock.below_fraction == 0.2
    assert (rules.access_denied_repeated.count, rules.access_denied_repeated.window_s) == (5, 60)
    assert rules.parcel_uncollected.after_s == 48 * 3600
    assert rules.rule(AlarmType.DOOR_FORCED_OPEN).severity is Severity.CRITICAL
    assert all(rules.rule(t).enabled for t in AlarmType)


def test_community_overrides_layer_on_the_defaults() -> None:
    rules = AlarmRules.from_mapping(
        {
            "defaults": {"cold_chain": {"max_temp_c": 7.5}},
            "communities": {
                "c0001": {"cold_chain": {"for_s": 120}, "tamper": {"severity": "minor"}}
            },
        }
    )
    own = rules.for_path("city/d/s/c0001/c0001-b01")
    assert own.cold_chain.max_temp_c == 7.5 and own.cold_chain.for_s == 120
    assert own.tamper.severity is Severity.MINOR
    other = rules.for_path("city/d/s/c0002")
    assert other.cold_chain.max_temp_c == 7.5 and other.cold_chain.for_s == 600
    assert other.tamper.severity is Severity.CRITICAL
    assert rules.for_path("city/d") is rules.base


def test_community_is_the_fourth_path_element() -> None:
    assert community_of("city/d/s/c9") == "c9"
    assert community_of("city/d/s/c9/b1") == "c9"
    assert community_of("city/d/s") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"defaults": {"cold_chain": {"max_temp": 7}}}, "defaults.cold_chain.max_temp"),
        ({"defaults": {"frost": {}}}, "defaults.frost"),
        ({"communities": {"c1": {"low_stock": {"below_fraction": 2}}}}, "communities.c1"),
        ({"communities": {"c1": {"tamper": {"severity": "loud"}}}}, "communities.c1.tamper"),
        ({"rules": {}}, "unknown keys"),
        ([1, 2], "must hold a map"),
    ],
)
def test_bad_settings_are_refused_with_their_place(data: object, message: str) -> None:
    with pytest.raises(AlarmConfigError) as caught:
        AlarmRules.from_mapping(data)
    assert message in str(caught.value)
    assert isinstance(caught.value, ConfigError)
    assert caught.value.variable == "HUB_ALARM_RULES_FILE"


def test_json_and_yaml_files(tmp_path: Path) -> None:
    as_json = tmp_path / "rules.json"
    as_json.write_text(json.dumps({"defaults": {"low_stock": {"below_fraction": 0.25}}}))
    assert AlarmRules.load(as_json).base.low_stock.below_fraction == 0.25
    as_yaml = tmp_path / "rules.yaml"
    as_yaml.write_text("communities:\n  c0001:\n    device_offline: {enabled: false}\n")
    rules = AlarmRules.load(as_yaml)
    assert not rules.for_path("a/b/c/c0001").device_offline.enabled
    assert rules.base.device_offline.enabled
    assert AlarmRules.load(None) == AlarmRules()


def test_unreadable_or_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(AlarmConfigError, match="cannot read"):
        AlarmRules.load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(AlarmConfigError, match="not valid JSON or YAML"):
        AlarmRules.load(broken)
    wrong = tmp_path / "wrong.yml"
    wrong.write_text("defaults:\n  cold_chain: {for_s: -1}\n")
    with pytest.raises(AlarmConfigError, match=r"wrong\.yml: defaults\.cold_chain\.for_s"):
        AlarmRules.load(wrong)


def test_the_cold_chain_band_and_the_dex_rule_are_configurable() -> None:
    rules = AlarmRules.from_mapping(
        {
            "defaults": {"cold_chain": {"min_temp_c": 1.0}},
            "communities": {"c0001": {"dex_audit": {"vend_tolerance": 5, "severity": "minor"}}},
        }
    )
    assert (rules.base.cold_chain.min_temp_c, rules.base.cold_chain.max_temp_c) == (1.0, 8.0)
    mine = rules.for_path("a/b/c/c0001").dex_audit
    assert (mine.vend_tolerance, mine.severity, mine.settle_s) == (5, Severity.MINOR, 120)
    assert rules.base.dex_audit.vend_tolerance == 2
    with pytest.raises(AlarmConfigError, match="min_temp_c must be below max_temp_c"):
        AlarmRules.from_mapping({"defaults": {"cold_chain": {"min_temp_c": 9.0}}})
