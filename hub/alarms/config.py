"""Alarm thresholds: built-in defaults per alarm type, overridable for every community
at once and for single communities, from a JSON or YAML file (``HUB_ALARM_RULES_FILE``).

The file holds two optional maps, each of partial rule settings by alarm type::

    defaults:                      # every community
      cold_chain: {max_temp_c: 7.5}
    communities:                   # by community code (the 4th element of a path)
      c0001:
        low_stock: {below_fraction: 0.3, severity: minor}
        device_offline: {enabled: false}

Unknown alarm types, unknown fields and out-of-range values are refused with the place
they were found. A door's held-open limit is not here: it is the door's own desired
configuration (``held_open_limit_s``), which the door watch applies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.alarms.vocabulary import AlarmType, Severity
from hub.errors import ConfigError

COMMUNITY_DEPTH = 4  # city/district/subdistrict/community


class AlarmConfigError(ConfigError):
    """The rules file cannot be read or does not validate."""

    def __init__(self, reason: str) -> None:
        super().__init__("HUB_ALARM_RULES_FILE", reason)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity


class ColdChainRule(Rule):
    severity: Severity = Severity.CRITICAL
    max_temp_c: float = Field(default=8.0, ge=-40, le=60)
    min_temp_c: float = Field(
        default=0.0,
        ge=-40,
        le=60,
        description="floor of the cold-chain band that the page and the compliance report "
        "show; the alarm itself fires above max_temp_c only",
    )
    for_s: float = Field(default=600, gt=0, description="above max_temp_c this long")
    hold_stock: bool = Field(
        default=True, description="the slots' stock is unsellable until an operator clears it"
    )

    @model_validator(mode="after")
    def _band(self) -> ColdChainRule:
        if self.min_temp_c >= self.max_temp_c:
            raise ValueError("min_temp_c must be below max_temp_c")
        return self


class DoorHeldOpenRule(Rule):
    severity: Severity = Severity.MAJOR


class DoorForcedOpenRule(Rule):
    severity: Severity = Severity.CRITICAL


class DeviceOfflineRule(Rule):
    severity: Severity = Severity.MAJOR
    for_s: float = Field(default=300, gt=0)


class CompartmentLeftOpenRule(Rule):
    severity: Severity = Severity.MINOR
    for_s: float = Field(
        default=180, gt=0, description="a compartment door open this long (from the twin)"
    )


class TamperRule(Rule):
    severity: Severity = Severity.CRITICAL
    quiet_clear_s: float = Field(
        default=900, gt=0, description="a locker tamper alarm clears after this long quiet"
    )


class LowStockRule(Rule):
    severity: Severity = Severity.WARNING
    below_fraction: float = Field(default=0.2, gt=0, le=1)


class AccessDeniedRule(Rule):
    severity: Severity = Severity.MAJOR
    count: int = Field(default=5, ge=2, le=1000)
    window_s: float = Field(default=60, gt=0)
    quiet_clear_s: float = Field(default=300, gt=0)


class ParcelUncollectedRule(Rule):
    severity: Severity = Severity.MINOR
    after_s: float = Field(default=48 * 3600, gt=0)


class DexAuditRule(Rule):
    severity: Severity = Severity.MAJOR
    vend_tolerance: int = Field(
        default=2, ge=0, le=10_000, description="vends audit and live may differ by"
    )
    vend_tolerance_fraction: float = Field(
        default=0.05, ge=0, le=1, description="... or by this share of the audit's vends"
    )
    settle_s: float = Field(
        default=120,
        ge=0,
        le=86_400,
        description="wait this long after an audit arrives before comparing it with the "
        "live vends (those sent with it are stored after it)",
    )


class RuleSet(BaseModel):
    """The rules of every alarm type, as they apply to one community."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cold_chain: ColdChainRule = ColdChainRule()
    door_held_open: DoorHeldOpenRule = DoorHeldOpenRule()
    door_forced_open: DoorForcedOpenRule = DoorForcedOpenRule()
    device_offline: DeviceOfflineRule = DeviceOfflineRule()
    compartment_left_open: CompartmentLeftOpenRule = CompartmentLeftOpenRule()
    tamper: TamperRule = TamperRule()
    low_stock: LowStockRule = LowStockRule()
    access_denied_repeated: AccessDeniedRule = AccessDeniedRule()
    parcel_uncollected: ParcelUncollectedRule = ParcelUncollectedRule()
    dex_audit: DexAuditRule = DexAuditRule()

    def rule(self, alarm_type: AlarmType) -> Rule:
        rule: Rule = getattr(self, alarm_type.value)
        return rule


def _merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


def _rule_set(data: Mapping[str, Any], where: str) -> RuleSet:
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(part) for part in (where, *first["loc"]))
        raise AlarmConfigError(f"{place}: {first['msg']}") from exc


def community_of(path: str) -> str | None:
    """The community code in a device path, or None above community level."""
    parts = path.split("/")
    return parts[COMMUNITY_DEPTH - 1] if len(parts) >= COMMUNITY_DEPTH else None


@dataclass(frozen=True, slots=True)
class AlarmRules:
    """Rules for every community: ``base`` unless a community has its own."""

    base: RuleSet = field(default_factory=RuleSet)
    communities: Mapping[str, RuleSet] = field(default_factory=dict)

    def for_path(self, path: str) -> RuleSet:
        community = community_of(path)
        if community is None:
            return self.base
        return self.communities.get(community, self.base)

    @classmethod
    def from_mapping(cls, data: object) -> AlarmRules:
        """Validate a parsed rules file (see the module docstring)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise AlarmConfigError("the rules file must hold a map")
        unknown = set(data) - {"defaults", "communities"}
        if unknown:
            raise AlarmConfigError(f"unknown keys {sorted(unknown)}: use defaults, communities")
        defaults, communities = data.get("defaults") or {}, data.get("communities") or {}
        if not isinstance(defaults, Mapping) or not isinstance(communities, Mapping):
            raise AlarmConfigError("defaults and communities must be maps")
        base = _rule_set(_merge(RuleSet().model_dump(), defaults), "defaults")
        own: dict[str, RuleSet] = {}
        for code, patch in communities.items():
            if not isinstance(patch, Mapping):
                raise AlarmConfigError(f"communities.{code} must be a map")
            own[str(code)] = _rule_set(_merge(base.model_dump(), patch), f"communities.{code}")
        return cls(base, own)

    @classmethod
    def load(cls, path: str | Path | None) -> AlarmRules:
        """The rules in a ``.json``, ``.yaml`` or ``.yml`` file; defaults for None."""
        if path is None:
            return cls()
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise AlarmConfigError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise AlarmConfigError(f"{file} is not valid JSON or YAML: {exc}") from exc
        try:
            return cls.from_mapping(data)
        except AlarmConfigError as exc:
            raise AlarmConfigError(f"{file}: {exc.reason}") from exc
