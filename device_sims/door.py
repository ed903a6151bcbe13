"""A door unit: an OSDP peripheral (reader, keypad, door contact, exit button, strike)
whose frames travel over MQTT in the envelopes of ``firmware_protocols.osdp``.

Daily pattern: rush hours (07-09 and 17-20) bring most traffic: residents' cards and PINs,
a share of unknown cards and wrong PINs, and people leaving with the exit button. The
hub answers reads with osdp_OUT (grant) or LED/buzzer (deny). The strike releases only
for an OUT command the firmware's CommandGuard accepts, or, while the unit is offline,
for a card on the allow-list the hub pushed (the offline fallback); after a release the
contact opens and closes again (osdp_ISTATR reports). A door may be held open, or forced
open (contact opens with no release), depending on the fault profile.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from device_sims.device import LOG_LENGTH, SentReply, SimDevice
from device_sims.firmware import UpdateJob, corrupt
from device_sims.inventory import Card, Resident
from device_sims.patterns import DOOR_PASSAGES, poisson
from device_sims.sequence import SequenceCounter, boot_sequence_u32
from firmware_protocols.base import Outbound
from firmware_protocols.command_guard import CommandGuard
from firmware_protocols.firmware import FirmwareState
from firmware_protocols.osdp import topics
from firmware_protocols.osdp.allowlist_chunks import AllowList
from firmware_protocols.osdp.codes import NakError, OutputControl, nak_reason
from firmware_protocols.osdp.commands import FileTransfer, LedCommand, MfgCommand, OutCommand
from firmware_protocols.osdp.device import (
    ReceivedCommand,
    admit,
    encode_command_reply,
    encode_report,
    receive_command,
)
from firmware_protocols.osdp.door import (
    INPUT_EXIT,
    OUTPUT_STRIKE,
    READER,
    inputs_reply,
    local_status_reply,
)
from firmware_protocols.osdp.envelope import ReplyStatus
from firmware_protocols.osdp.errors import OsdpError
from firmware_protocols.osdp.file_transfer import FileReceiver, FtStatus
from firmware_protocols.osdp.firmware import (
    DoorProgress,
    is_manifest,
    manifest_from_command,
    progress_reply,
)
from firmware_protocols.osdp.replies import (
    FileTransferStatus,
    KeypadReply,
    Nak,
    RawCardReply,
    ReplyPayload,
)
from firmware_protocols.osdp.status import LAST_WILL, DeviceStatus, encode_status
from firmware_protocols.wiegand import WiegandCard, WiegandError, encode_bits

TICK_S = 30.0
DECISION_WAIT_S = 2.0  # real seconds the unit waits for the hub's grant or deny
HELD_OPEN_S = (60.0, 300.0)
PASS_S = (2.0, 6.0)  # how long a door stays open for one person
_STATUS_NAMES = {
    ReplyStatus.CONFIRMED: "confirmed",
    ReplyStatus.EXPIRED: "expired",
    ReplyStatus.REPLAYED: "replayed",
    ReplyStatus.REJECTED: "rejected",
}


@dataclass(slots=True)
class DoorLog:
    """What the door did, for tests and reports."""

    strikes: deque[str] = field(
        default_factory=lambda: deque(maxlen=LOG_LENGTH)
    )  # command ids, or "allowlist:<card>"
    reads: deque[str] = field(
        default_factory=lambda: deque(maxlen=LOG_LENGTH)
    )  # "card:<fmt>:<fac>:<no>", "pin:<digits>"
    forced: int = 0


class Door(SimDevice):
    kind: ClassVar = "door"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = CommandGuard()
        self.door_open = False
        self.exit_pressed = False
        self.tampered = False
        self.power_ok = True
        self.allowlist: AllowList | None = None
        self.log = DoorLog()
        self._strike_until_s = -1.0
        self._decided = asyncio.Event()
        self._people = [r for r in self.residents if r.building in self.spec.buildings]
        self.receiver: FileReceiver | None = None  # the image being received
        self._cut_done = False

    # ------------------------------------------------------------ protocol hooks
    def new_sequence(self) -> SequenceCounter:
        return SequenceCounter(boot_sequence_u32(self.clock.now_ms()), modulus=2**32)

    def subscriptions(self) -> tuple[tuple[str, int], ...]:
        return ((topics.topic(self.device_id, topics.CMD), 1),)

    def will(self) -> Outbound:
        return Outbound(topics.topic(self.device_id, topics.STATUS), LAST_WILL, 1, True)

    def online_messages(self) -> list[Outbound]:
        status = DeviceStatus(
            online=True,
            firmware=self.firmware_version,
            model="DU-200",
            ts=self.clock.now_ms(),
            allowlist_version=None if self.allowlist is None else self.allowlist.version,
        )
        return [
            self._status(status),
            self._report(inputs_reply(self.door_open, self.exit_pressed)),
            self._report(local_status_reply(self.tampered, self.power_ok)),
        ]

    def offline_messages(self, reason: str) -> list[Outbound]:
        status = DeviceStatus(online=False, reason=reason, ts=self.clock.now_ms())
        return [self._status(status)]

    def telemetry_message(self) -> Outbound:
        """The heartbeat report: door inputs and local status. PROTOCOL.md asks for them
        on change and after connecting; the periodic copy keeps a quiet door from looking
        hung to the hub's silence timeout (1.5 x keepalive + 1 s)."""
        return self._report(
            inputs_reply(self.door_open, self.exit_pressed),
            local_status_reply(self.tampered, self.power_ok),
        )

    # ------------------------------------------------------------ scenario methods
    async def present_card(self, card: Card | None = None, *, known: bool = True) -> Card:
        """Someone shows a card: a resident's (``known``), or one nobody registered.
        While offline, a card on the pushed allow-list opens the door locally."""
        if card is None:
            card = self._resident_card() if known else self._unknown_card()
        try:
            bits = encode_bits(WiegandCard(card.format, card.facility, card.number))  # type: ignore[arg-type]
        except WiegandError:
            bits = "1" * 26  # a badly programmed card: parity error
        self.log.reads.append(f"card:{card.format}:{card.facility}:{card.number}")
        self._decided.clear()
        self._emit_report(RawCardReply(READER, bits))
        if self.link.connected:
            self.spawn(self._fallback_unless_answered(card), "fallback")
        else:
            self._fallback(card)
        return card

    async def _fallback_unless_answered(self, card: Card) -> None:
        """Online, the unit waits for the hub's grant or deny; after 2 s it decides
        itself (PROTOCOL.md section 9). ``asyncio.timeout``, not ``wait_for``: on Python
        3.11 ``wait_for`` loses a cancellation that comes as the event is set."""
        try:
            async with asyncio.timeout(DECISION_WAIT_S):
                await self._decided.wait()
        except TimeoutError:
            self._fallback(card)

    def _fallback(self, card: Card) -> None:
        """The offline decision: a card on the allow-list opens; anything else is denied."""
        if self._allowed_offline(card):
            self.log.strikes.append(f"allowlist:{card.facility}:{card.number}")
            self.spawn(self._release(3000), "release")

    async def enter_pin(self, pin: str | None = None, *, known: bool = True) -> str:
        """Someone types a PIN and presses ``#``."""
        if pin is None:
            resident = self._pick_resident()
            if known and resident is not None and resident.pin:
                pin = resident.pin
            else:
                pin = f"{self.rng.randrange(10**6):06d}"
        self.log.reads.append(f"pin:{pin}")
        self._emit_report(KeypadReply(READER, pin + "#"))
        return pin

    async def press_exit(self) -> None:
        """The request-to-exit button: the door opens from inside and closes again."""
        self.exit_pressed = True
        self._emit_report(inputs_reply(self.door_open, True))
        self.exit_pressed = False
        await self._pass_through(self.rng.uniform(*PASS_S))

    async def force_open(self, open_s: float = 10.0) -> None:
        """The contact opens with no release: a forced door."""
        self.log.forced += 1
        await self._pass_through(open_s)

    def tamper(self, active: bool = True) -> None:
        self.tampered = active
        self._emit_report(local_status_reply(self.tampered, self.power_ok))

    @property
    def strike_released(self) -> bool:
        return self.clock.sim_seconds() < self._strike_until_s

    # ------------------------------------------------------------ commands
    def handle_command(self, topic: str, payload: bytes) -> None:
        """PROTOCOL.md section 7.1: expiry and replay (the guard), then the problems
        ``receive_command`` found in the packets, then execute them in order and answer."""
        try:
            received = receive_command(payload)
        except OsdpError as exc:  # not even the header: nothing to answer
            self.record(None, "?", "undecodable", exc.reason)
            return
        command_id = received.command_id.hex()
        status = admit(received, self.guard, self.clock.now_ms())
        replies: list[ReplyPayload] | None = None
        reason = None
        if status is ReplyStatus.CONFIRMED and received.problem is not None:
            status, reason = ReplyStatus.REJECTED, nak_reason(received.problem.error)
            replies = [received.problem]
        if status is ReplyStatus.CONFIRMED and replies is None:
            status, replies, reason = self._firmware_commands(received, command_id)
        verdict = "accepted" if status is ReplyStatus.CONFIRMED else _STATUS_NAMES[status]
        self.record(command_id, _name(received), verdict, reason)
        if status is ReplyStatus.CONFIRMED:
            if received.allowlist is not None:
                self.allowlist = received.allowlist
            self._execute(received, command_id)
        if self._cut_now():
            self.spawn(self.blip(self.rng.uniform(5, 15)), "cut")  # no answer: the hub resends
            return
        self.spawn(self._answer(received, status, replies), "reply")

    async def _answer(
        self,
        received: ReceivedCommand,
        status: ReplyStatus,
        replies: list[ReplyPayload] | None,
    ) -> None:
        if not await self.delay_reply():
            return
        payload = encode_command_reply(
            received, status, self.seq.next(), self.clock.now_ms(), replies
        )
        self.replies.append(SentReply(received.command_id.hex(), _STATUS_NAMES[status]))
        self.emit(Outbound(topics.topic(self.device_id, topics.REPLY), payload, 1, False))

    def _execute(self, received: ReceivedCommand, command_id: str) -> None:
        if any(isinstance(c, OutCommand | LedCommand) for c in received.commands):
            self._decided.set()  # the hub answered a read (grant or deny)
        for command in received.commands:
            if not isinstance(command, OutCommand):
                continue
            for record in command.outputs:
                if record.output == OUTPUT_STRIKE and record.control_code in (
                    OutputControl.TEMPORARY_ON,
                    OutputControl.PERMANENT_ON_ABORT_TIMED,
                    OutputControl.PERMANENT_ON_ALLOW_TIMED,
                ):
                    self.log.strikes.append(command_id)
                    self.spawn(self._release(max(100, record.timer * 100)), "release")

    # ------------------------------------------------------------ firmware (PROTOCOL.md 13)
    def _firmware_commands(
        self, received: ReceivedCommand, command_id: str
    ) -> tuple[ReplyStatus, list[ReplyPayload] | None, str | None]:
        """Take a manifest or file transfer fragments; the reply to send, or
        (CONFIRMED, None, None) when the envelope carries neither."""
        manifests = [c for c in received.commands if isinstance(c, MfgCommand) and is_manifest(c)]
        pieces = [c for c in received.commands if isinstance(c, FileTransfer)]
        if manifests:
            order = manifest_from_command(manifests[0])
            job = self.firmware.current
            if job is not None and job.order != order:
                return ReplyStatus.REJECTED, [Nak(NakError.UNABLE_TO_PROCESS)], "busy"
            if job is None:
                if order.version == self.firmware_version:
                    return ReplyStatus.CONFIRMED, None, None  # already running it
                job = self.firmware.start(command_id, order)
                self.receiver = FileReceiver(order)
                self._cut_done = False
                self.report_firmware(job, "downloading", progress_pct=0)
            return ReplyStatus.CONFIRMED, None, None
        if pieces:
            return ReplyStatus.CONFIRMED, [self._fragment(p) for p in pieces], None
        return ReplyStatus.CONFIRMED, None, None

    def _fragment(self, piece: FileTransfer) -> FileTransferStatus:
        job, receiver = self.firmware.current, self.receiver
        if job is None or receiver is None:
            return FileTransferStatus(FtStatus.UNRECOGNIZED)  # no manifest announced it
        if job.fault == "bad_checksum" and piece.offset <= job.order.size // 2 < piece.offset + len(
            piece.data
        ):
            piece = FileTransfer(
                piece.file_type, piece.total_size, piece.offset, corrupt(piece.data)
            )
        before = receiver.received * 100 // job.order.size
        answer = receiver.receive(piece)
        after = receiver.received * 100 // job.order.size
        if receiver.verified is None and after // 25 > before // 25:
            self.report_firmware(job, "downloading", progress_pct=after - after % 25)
        if receiver.verified is False:
            self.firmware.fail(job, receiver.failure or "checksum_mismatch")
            self.receiver = None
        elif receiver.verified:
            data = receiver.data
            self.receiver = None
            self.spawn(self.firmware.finish(job, data, self.clock.sleep), "firmware-install")
        return answer

    def _cut_now(self) -> bool:
        """The cut_download fault: the link drops once, halfway through the transfer."""
        job, receiver = self.firmware.current, self.receiver
        if job is None or receiver is None or job.fault != "cut_download" or self._cut_done:
            return False
        if receiver.received * 2 < job.order.size:
            return False
        self._cut_done = True
        return True

    def report_firmware(
        self,
        job: UpdateJob,
        state: FirmwareState,
        *,
        progress_pct: int | None = None,
        reason: str | None = None,
    ) -> None:
        progress = DoorProgress(
            state, job.order.version, bytes.fromhex(job.command_id), progress_pct, reason
        )
        self._emit_report(progress_reply(progress))

    def answer_firmware(self, job: UpdateJob, status: str, reason: str | None) -> None:
        """Door units answer each envelope at once; the outcome is in the progress."""

    async def misbehave(self) -> None:
        self.tamper(True)
        await self.blip(self.rng.uniform(5, 30))
        self.tamper(False)

    # ------------------------------------------------------------ behaviour
    async def behave(self) -> None:
        profile = self.options.faults
        while True:
            await self.clock.sleep(TICK_S)
            if self.silent:
                continue
            mean = DOOR_PASSAGES.at(self.clock.sim_hour()) * TICK_S / 3600
            for _ in range(poisson(self.rng, mean)):
                roll = self.rng.random()
                if roll < 0.40:
                    await self.press_exit()
                elif roll < 0.85:
                    await self.present_card(known=self.rng.random() < 0.9)
                else:
                    await self.enter_pin(known=self.rng.random() < 0.8)
            if self.faults.happens(profile.forced_door_per_hour, TICK_S):
                await self.force_open(self.rng.uniform(5, 30))
            if self.faults.happens(profile.tamper_per_hour, TICK_S):
                self.tamper(True)
                self.spawn(self._clear_tamper(), "tamper")

    async def _clear_tamper(self) -> None:
        await self.clock.sleep(self.rng.uniform(60, 600))
        self.tamper(False)

    # ------------------------------------------------------------ internals
    async def _release(self, pulse_ms: int) -> None:
        """The strike is released for the pulse; most of the time someone walks in."""
        self._strike_until_s = self.clock.sim_seconds() + pulse_ms / 1000
        await self.clock.sleep(self.rng.uniform(0.5, min(2.0, pulse_ms / 1000)))
        if not self.faults.chance(self.options.faults.unused_grant_ratio):
            held = self.faults.chance(self.options.faults.held_open_ratio)
            await self._pass_through(
                self.rng.uniform(*HELD_OPEN_S) if held else self.rng.uniform(*PASS_S)
            )

    async def _pass_through(self, open_s: float) -> None:
        if self.door_open:
            return
        self.door_open = True
        self._emit_report(inputs_reply(True, False))
        await self.clock.sleep(open_s)
        self.door_open = False
        self._emit_report(inputs_reply(False, False))

    def _emit_report(self, *replies: ReplyPayload) -> None:
        self.emit(self._report(*replies))

    def _report(self, *replies: ReplyPayload) -> Outbound:
        payload = encode_report(self.seq.next(), self.clock.now_ms(), replies)
        return Outbound(topics.topic(self.device_id, topics.UP), payload, 1, False)

    def _status(self, status: DeviceStatus) -> Outbound:
        return Outbound(topics.topic(self.device_id, topics.STATUS), encode_status(status), 1, True)

    def _allowed_offline(self, card: Card) -> bool:
        if self.allowlist is None:
            return False
        try:
            return self.allowlist.allows(WiegandCard(card.format, card.facility, card.number))  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False

    def _pick_resident(self) -> Resident | None:
        return self.rng.choice(self._people) if self._people else None

    def _resident_card(self) -> Card:
        resident = self._pick_resident()
        if resident is None or resident.card is None:
            return self._unknown_card()
        return resident.card

    def _unknown_card(self) -> Card:
        return Card("H10301", self.rng.randint(200, 255), self.rng.randint(50_000, 65_535))


def _name(received: ReceivedCommand) -> str:
    kinds = {type(c).__name__ for c in received.commands}
    if "OutCommand" in kinds:
        return "grant_access"
    if "FileTransfer" in kinds:
        return "file_transfer"
    if "MfgCommand" in kinds:
        allowlist = any(isinstance(c, MfgCommand) and not is_manifest(c) for c in received.commands)
        return "push_allowlist" if allowlist else "firmware_update"
    if "LedCommand" in kinds and "BuzzerCommand" in kinds:
        return "deny_access"
    return "+".join(sorted(kinds))


__all__ = ["INPUT_EXIT", "Door"]
