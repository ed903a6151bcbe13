"""Campaigns in the database: creation, state, lease, devices and history (synchronous;
the API runs it in its thread pool, the driver in its database lane).

Every change of a campaign's or a device's state goes through here with a history row
in the same transaction, so the history is complete whichever replica made the change.
State changes name the states they may leave, so two writers cannot move a row twice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select, update

from hub.firmware.plan import Planned, building_path, community_path
from hub.firmware.rollout import RolloutRules
from hub.firmware.tables import (
    ACTIVE_STATES,
    DRIVEN_STATES,
    ENDED_STATES,
    FINAL_DEVICE_STATES,
    firmware_campaign,
    firmware_campaign_device,
    firmware_campaign_event,
)

DETAIL_MAX = 256


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    """What an operator chose when creating a campaign."""

    name: str
    image_sha256: str
    kind: str
    target: Mapping[str, Any]
    scope_path: str
    rules: RolloutRules


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    name: str
    image_sha256: str
    kind: str
    target: dict[str, Any]
    scope_path: str
    rules: RolloutRules
    state: str
    wave: int
    waves: int
    wave_started_ms: int | None
    wave_done_ms: int | None
    reason: str | None
    created_by: str
    created_ms: int
    finished_ms: int | None
    updated_ms: int
    lease_owner: str | None
    lease_until_ms: int | None


@dataclass(frozen=True, slots=True)
class DeviceRow:
    campaign_id: int
    device_id: str
    kind: str
    device_path: str
    community_path: str | None
    building_path: str | None
    wave: int
    state: str
    from_version: str
    to_version: str
    command_id: str | None
    progress_pct: int | None
    bytes_sent: int
    attempts: int
    reason: str | None
    last_event_id: int
    started_ms: int | None
    finished_ms: int | None
    updated_ms: int


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    campaign_id: int
    device_id: str | None
    ts_ms: int
    action: str
    state: str | None
    actor: str
    detail: str


def _row(cls: type[Any], row: Any) -> Any:
    mapping = row._mapping
    return cls(**{f.name: mapping[f.name] for f in fields(cls)})


def _campaign(row: Any) -> CampaignRow:
    mapping = row._mapping
    values = {f.name: mapping[f.name] for f in fields(CampaignRow) if f.name != "rules"}
    return CampaignRow(**values, rules=RolloutRules.from_columns(mapping))


class CampaignStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # ------------------------------------------------------------ history
    @staticmethod
    def _log(
        conn: Connection,
        campaign_id: int,
        device_id: str | None,
        action: str,
        state: str | None,
        actor: str,
        detail: str,
        now_ms: int,
    ) -> None:
        conn.execute(
            firmware_campaign_event.insert().values(
                campaign_id=campaign_id,
                device_id=device_id,
                ts_ms=now_ms,
                action=action[:32],
                state=state,
                actor=actor[:64],
                detail=detail[:DETAIL_MAX],
            )
        )

    def log(
        self,
        campaign_id: int,
        action: str,
        actor: str,
        detail: str,
        now_ms: int,
        device_id: str | None = None,
    ) -> None:
        with self._engine.begin() as conn:
            self._log(conn, campaign_id, device_id, action, None, actor, detail, now_ms)

    def history(
        self, campaign_id: int, device_id: str | None = None, limit: int = 200
    ) -> list[HistoryRow]:
        """Newest first."""
        query = select(firmware_campaign_event).where(
            firmware_campaign_event.c.campaign_id == campaign_id
        )
        if device_id is not None:
            query = query.where(firmware_campaign_event.c.device_id == device_id)
        query = query.order_by(firmware_campaign_event.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [_row(HistoryRow, r) for r in conn.execute(query)]

    # ------------------------------------------------------------ campaigns
    def create(
        self,
        settings: CampaignSettings,
        planned: Sequence[Planned],
        *,
        to_version: str,
        waves: int,
        actor: str,
        now_ms: int,
    ) -> int:
        with self._engine.begin() as conn:
            campaign_id = int(
                conn.execute(
                    firmware_campaign.insert()
                    .values(
                        name=settings.name,
                        image_sha256=settings.image_sha256,
                        kind=settings.kind,
                        target=settings.target,
                        scope_path=settings.scope_path,
                        **settings.rules.columns(),
                        state="running",
                        wave=0,
                        waves=waves,
                        wave_started_ms=now_ms,
                        created_by=actor[:64],
                        created_ms=now_ms,
                        updated_ms=now_ms,
                    )
                    .returning(firmware_campaign.c.id)
                ).scalar_one()
            )
            rows = [
                {
                    "campaign_id": campaign_id,
                    "device_id": p.device.device_id,
                    "kind": p.device.kind,
                    "device_path": p.device.path,
                    "community_path": community_path(p.device.path),
                    "building_path": building_path(p.device.path)
                    if p.device.kind == "door"
                    else None,
                    "wave": p.wave,
                    "state": "pending",
                    "from_version": p.device.firmware_version[:32],
                    "to_version": to_version,
                    "bytes_sent": 0,
                    "attempts": 0,
                    "last_event_id": 0,
                    "updated_ms": now_ms,
                }
                for p in planned
            ]
            if rows:
                conn.execute(firmware_campaign_device.insert(), rows)
            detail = f"{len(rows)} devices in {waves} waves, image {settings.image_sha256[:12]}"
            self._log(conn, campaign_id, None, "created", "running", actor, detail, now_ms)
        return campaign_id

    def get(self, campaign_id: int) -> CampaignRow | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(firmware_campaign).where(firmware_campaign.c.id == campaign_id)
            ).first()
        return None if row is None else _campaign(row)

    def recent(self, scope_path: str | None = None, limit: int = 100) -> list[CampaignRow]:
        query = select(firmware_campaign).order_by(firmware_campaign.c.id.desc()).limit(limit)
        if scope_path is not None:
            column = firmware_campaign.c.scope_path
            query = query.where(or_(column == scope_path, column.like(scope_path + "/%")))
        with self._engine.connect() as conn:
            return [_campaign(r) for r in conn.execute(query)]

    def change_state(
        self,
        campaign_id: int,
        from_states: Collection[str],
        to_state: str,
        *,
        actor: str,
        reason: str | None,
        now_ms: int,
    ) -> bool:
        """Move the campaign; when it ends, its pending devices are cancelled (with
        history). False if it was not in one of ``from_states``."""
        values: dict[str, Any] = {"state": to_state, "updated_ms": now_ms}
        if reason is not None:
            values["reason"] = reason[:256]
        if to_state in ENDED_STATES:
            values["finished_ms"] = now_ms
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(firmware_campaign)
                .where(
                    firmware_campaign.c.id == campaign_id,
                    firmware_campaign.c.state.in_(list(from_states)),
                )
                .values(**values)
            ).rowcount
            if not changed:
                return False
            self._log(conn, campaign_id, None, to_state, to_state, actor, reason or "", now_ms)
            if to_state in ENDED_STATES:
                self._cancel_pending(conn, campaign_id, f"campaign {to_state}", actor, now_ms)
        return True

    def _cancel_pending(
        self, conn: Connection, campaign_id: int, why: str, actor: str, now_ms: int
    ) -> None:
        pending = conn.execute(
            select(firmware_campaign_device.c.device_id).where(
                firmware_campaign_device.c.campaign_id == campaign_id,
                firmware_campaign_device.c.state == "pending",
            )
        ).scalars()
        ids = list(pending)
        if not ids:
            return
        conn.execute(
            update(firmware_campaign_device)
            .where(
                firmware_campaign_device.c.campaign_id == campaign_id,
                firmware_campaign_device.c.state == "pending",
            )
            .values(state="cancelled", reason=why[:128], finished_ms=now_ms, updated_ms=now_ms)
        )
        conn.execute(
            firmware_campaign_event.insert(),
            [
                {
                    "campaign_id": campaign_id,
                    "device_id": device_id,
                    "ts_ms": now_ms,
                    "action": "cancelled",
                    "state": "cancelled",
                    "actor": actor[:64],
                    "detail": why,
                }
                for device_id in ids
            ],
        )

    def next_wave(self, campaign_id: int, wave: int, *, actor: str, now_ms: int) -> bool:
        """Move from ``wave`` to the next one (the caller checked it exists)."""
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(firmware_campaign)
                .where(
                    firmware_campaign.c.id == campaign_id,
                    firmware_campaign.c.wave == wave,
                    firmware_campaign.c.state == "running",
                )
                .values(wave=wave + 1, wave_started_ms=now_ms, wave_done_ms=None, updated_ms=now_ms)
            ).rowcount
            if changed:
                self._log(
                    conn, campaign_id, None, "wave", "running", actor, f"wave {wave + 1}", now_ms
                )
        return bool(changed)

    def mark_wave_done(self, campaign_id: int, wave: int, now_ms: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(firmware_campaign)
                .where(
                    firmware_campaign.c.id == campaign_id,
                    firmware_campaign.c.wave == wave,
                    firmware_campaign.c.wave_done_ms.is_(None),
                )
                .values(wave_done_ms=now_ms, updated_ms=now_ms)
            )

    # ------------------------------------------------------------ lease
    def to_drive(self) -> list[int]:
        """Campaigns that need a driver: running or paused, or ended with devices still
        updating (their outcome is still recorded)."""
        active = (
            select(firmware_campaign_device.c.campaign_id)
            .where(firmware_campaign_device.c.state.in_(ACTIVE_STATES))
            .distinct()
        )
        query = (
            select(firmware_campaign.c.id)
            .where(
                or_(
                    firmware_campaign.c.state.in_(DRIVEN_STATES),
                    firmware_campaign.c.id.in_(active),
                )
            )
            .order_by(firmware_campaign.c.id)
        )
        with self._engine.connect() as conn:
            return [int(i) for i in conn.execute(query).scalars()]

    def acquire(self, campaign_id: int, owner: str, now_ms: int, lease_ms: int) -> bool:
        """Take or renew the campaign's lease; False while another replica holds it."""
        column = firmware_campaign.c
        with self._engine.begin() as conn:
            taken = conn.execute(
                update(firmware_campaign)
                .where(
                    column.id == campaign_id,
                    or_(
                        column.lease_owner == owner,
                        column.lease_owner.is_(None),
                        column.lease_until_ms < now_ms,
                    ),
                )
                .values(lease_owner=owner, lease_until_ms=now_ms + lease_ms)
            ).rowcount
        return bool(taken)

    def release(self, campaign_id: int, owner: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(firmware_campaign)
                .where(
                    firmware_campaign.c.id == campaign_id,
                    firmware_campaign.c.lease_owner == owner,
                )
                .values(lease_owner=None, lease_until_ms=None)
            )

    # ------------------------------------------------------------ devices
    def devices(
        self,
        campaign_id: int,
        *,
        states: Iterable[str] | None = None,
        wave: int | None = None,
        device_id: str | None = None,
        place: str | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[DeviceRow]:
        column = firmware_campaign_device.c
        query = select(firmware_campaign_device).where(column.campaign_id == campaign_id)
        if states is not None:
            query = query.where(column.state.in_(list(states)))
        if wave is not None:
            query = query.where(column.wave == wave)
        if device_id is not None:
            query = query.where(column.device_id == device_id)
        if place is not None:
            query = query.where(
                or_(column.device_path == place, column.device_path.like(place + "/%"))
            )
        if after is not None:
            query = query.where(column.device_id > after)
        query = query.order_by(column.device_id)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [_row(DeviceRow, r) for r in conn.execute(query)]

    def move_device(
        self,
        campaign_id: int,
        device_id: str,
        from_states: Collection[str],
        *,
        state: str,
        actor: str,
        now_ms: int,
        detail: str = "",
        log: bool = True,
        **values: Any,
    ) -> bool:
        """Change one device's row (and log it); False if it had left ``from_states``."""
        column = firmware_campaign_device.c
        changes = {"state": state, "updated_ms": now_ms, **values}
        if state in FINAL_DEVICE_STATES:
            changes.setdefault("finished_ms", now_ms)
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(firmware_campaign_device)
                .where(
                    column.campaign_id == campaign_id,
                    column.device_id == device_id,
                    column.state.in_(list(from_states)),
                )
                .values(**changes)
            ).rowcount
            if changed and log:
                self._log(conn, campaign_id, device_id, state, state, actor, detail, now_ms)
        return bool(changed)

    def set_device_fields(self, campaign_id: int, device_id: str, **values: Any) -> None:
        """Progress that is no change of state (bytes sent, event watermark)."""
        column = firmware_campaign_device.c
        with self._engine.begin() as conn:
            conn.execute(
                update(firmware_campaign_device)
                .where(column.campaign_id == campaign_id, column.device_id == device_id)
                .values(**values)
            )

    def _counted(self, campaign_id: int, *keys: ColumnElement[Any]) -> list[tuple[Any, ...]]:
        """The campaign's devices counted per value of ``keys``: rows of keys and count."""
        column = firmware_campaign_device.c
        with self._engine.connect() as conn:
            query = select(*keys, func.count()).where(column.campaign_id == campaign_id)
            return [tuple(row) for row in conn.execute(query.group_by(*keys))]

    def counts(self, campaign_id: int) -> dict[str, int]:
        column = firmware_campaign_device.c
        rows = self._counted(campaign_id, column.state)
        return {state: int(n) for state, n in rows}

    def counts_by_place(self, campaign_id: int) -> dict[tuple[str, str], int]:
        """(community path, state) > devices."""
        column = firmware_campaign_device.c
        rows = self._counted(campaign_id, column.community_path, column.state)
        return {(place or "", state): int(n) for place, state, n in rows}

    def counts_by_wave(self, campaign_id: int) -> dict[tuple[int, str], int]:
        column = firmware_campaign_device.c
        rows = self._counted(campaign_id, column.wave, column.state)
        return {(int(wave), state): int(n) for wave, state, n in rows}

    def busy_doors(self, buildings: Collection[str]) -> dict[str, int]:
        """Doors updating right now per building, across every campaign."""
        if not buildings:
            return {}
        column = firmware_campaign_device.c
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(column.building_path, func.count())
                .where(
                    and_(
                        column.building_path.in_(list(buildings)),
                        column.state.in_(ACTIVE_STATES),
                    )
                )
                .group_by(column.building_path)
            ).all()
        return {building: int(n) for building, n in rows}
