"""Door access online: answer each card read and PIN with ``grant_access`` or
``deny_access`` and write the decision to ``access_log``.

One decision per report: the access log's key is (device, report seq, credential kind),
so a report decided before (by another replica, or before a crash) is not answered
again. The answer expires :data:`DECISION_TIMEOUT_S` after the report's own timestamp,
on the unit's clock, when the unit stops waiting and decides from its offline allow-list
(osdp PROTOCOL.md, access decisions): an answer that arrives later, or answers a report
the unit queued while offline, is refused by the unit, never executed on top of its own
decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, select
from sqlmodel import Session, col

from firmware_protocols.base import Event
from hub.db.joined_session import joined_session
from hub.domain.access_rules import (
    CardHolder,
    CardRead,
    Credential,
    Decision,
    PinEntry,
    card_from_event,
    decide_card,
    decide_pin,
    pin_from_event,
)
from hub.domain.background import BackgroundTasks
from hub.domain.issuing import CommandIssuer, issue_logged
from hub.domain.models import ACCESS_LOG
from hub.domain.twin_settings import unlock_pulse_ms
from hub.ingest.directory import DeviceInfo
from hub.live import LiveEvent, LiveSink
from hub.registry.credentials import find_card, find_pin, is_valid_pin
from hub.registry.models import Device, Node
from hub.store.writer import insert_for
from hub.twin import TwinStore

log = logging.getLogger(__name__)

DECISION_TIMEOUT_S = 2.0
ACCESS_EVENTS = frozenset({"card_read", "keypad"})


class GrantListener(Protocol):
    """Told of every grant (the door watch: openings right after it are authorised)."""

    def granted(self, device_id: str, now_ms: int, pulse_ms: int) -> None: ...


def door_building_id(session: Session, device_id: str) -> int | None:
    """The id of the building node a door unit is registered under, or None."""
    statement = (
        select(col(Node.id))
        .join(Device, col(Device.node_id) == col(Node.id))
        .where(
            col(Device.id) == device_id,
            col(Device.kind) == "door",
            col(Node.level) == "building",
        )
    )
    return session.execute(statement).scalar_one_or_none()


def decide(session: Session, secret_key: str, device_id: str, credential: Credential) -> Decision:
    """The decision for ``credential`` presented at door ``device_id``."""
    building_id = door_building_id(session, device_id)
    if isinstance(credential, PinEntry):
        valid = is_valid_pin(credential.pin)
        match = (
            find_pin(session, secret_key, building_id, credential.pin)
            if valid and building_id is not None
            else None
        )
        return decide_pin(valid, None if match is None else match[1].id, building_id)
    holder = None
    if credential.readable and building_id is not None:
        assert credential.format is not None and credential.facility is not None
        assert credential.card is not None
        found = find_card(
            session, credential.format, credential.facility, credential.card, include_revoked=True
        )
        if found is not None and found[1].id is not None:
            holder = CardHolder(found[1].id, found[1].building_id, found[0].revoked)
    return decide_card(credential, holder, building_id)


@dataclass(frozen=True, slots=True)
class AccessRequest:
    device_id: str
    event: Event
    credential: Credential
    decided_ms: int


def access_row(request: AccessRequest, decision: Decision, instance_id: str) -> dict[str, Any]:
    credential = request.credential
    card = credential if isinstance(credential, CardRead) else None
    return {
        "device_id": request.device_id,
        "ts_ms": request.decided_ms,
        "event_seq": request.event.seq,
        "event_ts_ms": request.event.ts_ms,
        "credential_kind": "card" if card is not None else "pin",
        "card_format": card.format if card else None,
        "facility_code": card.facility if card else None,
        "card_number": card.card if card else None,
        "resident_id": decision.resident_id,
        "result": decision.result,
        "reason": decision.reason,
        "instance_id": instance_id,
    }


@dataclass(frozen=True, slots=True)
class Decided:
    """A report decided and logged in the batch's transaction, to be answered once the
    batch is committed."""

    device: DeviceInfo
    request: AccessRequest
    decision: Decision


class DoorAccess:
    """Card reads and PINs decided and logged in the ingest batch's transaction
    (:meth:`record`), answered once it is committed (:meth:`answer`): a decision is never
    sent that the access log does not hold, nor logged twice."""

    def __init__(
        self,
        *,
        engine: Engine,
        secret_key: str,
        instance_id: str,
        commands: CommandIssuer,
        twins: TwinStore,
        grants: GrantListener,
        live: LiveSink,
        tasks: BackgroundTasks,
        clock_ms: Callable[[], int],
        decision_timeout_s: float = DECISION_TIMEOUT_S,
    ) -> None:
        self._secret_key = secret_key
        self._instance_id = instance_id
        self._commands = commands
        self._twins = twins
        self._grants = grants
        self._live = live
        self._tasks = tasks
        self._clock_ms = clock_ms
        self._timeout_s = decision_timeout_s
        self._insert = (
            insert_for(engine)(ACCESS_LOG)
            .on_conflict_do_nothing(index_elements=["device_id", "event_seq", "credential_kind"])
            .returning(ACCESS_LOG.c.id)
        )

    def record(self, conn: Connection, device: DeviceInfo, event: Event) -> Decided | None:
        """Decide and log one ``card_read`` or ``keypad`` event; None if that report was
        decided before."""
        if event.type == "card_read":
            credential: Credential = card_from_event(event.data)
        elif event.type == "keypad":
            credential = pin_from_event(event.data)
        else:
            raise ValueError(f"not an access event: {event.type}")
        request = AccessRequest(device.device_id, event, credential, self._clock_ms())
        with joined_session(conn) as session:
            decision = decide(session, self._secret_key, request.device_id, credential)
        row = access_row(request, decision, self._instance_id)
        if conn.execute(self._insert.values(row)).first() is None:
            return None
        return Decided(device, request, decision)

    def answer(self, decided: Decided) -> Decision:
        """Send the decision to the door unit (and tell the door watch of a grant)."""
        device, request, decision = decided.device, decided.request, decided.decision
        device_id = device.device_id
        if decision.granted:
            pulse = unlock_pulse_ms(self._twins, device_id)
            self._grants.granted(device_id, self._clock_ms(), pulse)
            name, params = "grant_access", {"pulse_ms": pulse}
        else:
            name, params = "deny_access", {}
        kind = "card" if isinstance(request.credential, CardRead) else "pin"
        self._tasks.spawn(
            issue_logged(
                self._commands,
                device_id,
                name,
                params,
                issued_by=f"door-access:{kind}",
                timeout_s=self._timeout_s,
                # The unit stops waiting 2 s after its report, by its own clock: an answer
                # to a report it queued while offline (and has decided itself) expires
                # before it arrives, and the unit refuses it rather than open again.
                expires_at_ms=request.event.ts_ms + int(self._timeout_s * 1000),
            ),
            f"{name}-{device_id}",
        )
        self._live.publish(
            LiveEvent(
                type="door_access",
                device_id=device_id,
                path=device.path,
                ts_ms=request.decided_ms,
                data={
                    "credential": kind,
                    "result": decision.result,
                    "reason": decision.reason,
                    "resident_id": decision.resident_id,
                },
            )
        )
        return decision
