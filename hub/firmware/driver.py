"""The campaign driver: one self-contained async component that moves firmware campaigns
forward, wave by wave, in whichever process and replica holds each campaign's lease.

Every tick (1 s) it takes or renews the database lease of each campaign that needs
driving (a replica that stops renewing loses it after ``HUB_CAMPAIGN_LEASE_S``), then,
for each campaign it holds:

1. reads what its updating devices reported (``firmware`` events, registry versions),
   and moves their rows: ``downloading`` ... ``updated`` or ``failed`` (with the device's
   reason), failing those past the campaign's time limit;
2. when the current wave is finished: stops the campaign if too many of the wave failed,
   else, after the soak time, if updated devices raise more alarms or go offline more
   than the rest; otherwise opens the next wave (or completes the campaign);
3. starts pending devices of the wave that are online, inside their community's
   maintenance window, within the campaign's in-flight limit and, for doors, within the
   limit of doors of one building updating at once (across every campaign).

Lockers and vending machines get a ``firmware_update`` command with a download URL and
an expiring token; doors get the manifest and the image in OSDP file-transfer fragments
(:mod:`hub.firmware.transfer`). State lives in the database, so a restarted hub or another
replica continues a campaign where it stood. Every step is in the campaign's history and
the audit trail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from hub.api.audit.chain import AuditDraft
from hub.api.audit.trail import AuditTrail
from hub.commands.models import CommandState
from hub.commands.service import CommandService
from hub.domain.db_lane import DbLane
from hub.errors import HubError
from hub.firmware import evidence
from hub.firmware.campaign_metrics import CampaignMetrics
from hub.firmware.campaign_store import CampaignRow, CampaignStore, DeviceRow
from hub.firmware.health import HealthInput, WaveResult, health_problem, wave_failure
from hub.firmware.images import ImageInfo, ImageStore
from hub.firmware.progress import fold_progress
from hub.firmware.tables import ACTIVE_STATES, CHUNK_BYTES, ENDED_STATES
from hub.firmware.tokens import DownloadGrant, DownloadTokens
from hub.firmware.transfer import DoorTransfer

log = logging.getLogger(__name__)
T = TypeVar("T")

TICK_S = 1.0
ORDER_TIMEOUT_S = 30.0  # a device must accept the update command within this
SEND_GRACE_MS = 60_000  # a "sending" row no task of ours owns is sent again after this
MAX_ATTEMPTS = 3
EVENT_SKEW_MS = 10 * 60_000  # device clocks may be behind the hub's


class CampaignDriver:
    def __init__(
        self,
        *,
        engine: Engine,
        commands: CommandService,
        is_online: Callable[[str], bool],
        clock_ms: Callable[[], int],
        instance_id: str,
        tokens: DownloadTokens,
        base_url: str,
        token_ttl_s: int,
        lease_s: float,
        zone: ZoneInfo,
        metrics: CampaignMetrics | None = None,
        on_version: Callable[[str, str], object] | None = None,
        tick_s: float = TICK_S,
    ) -> None:
        """``on_version(device_id, version)`` is told when a device of a campaign runs
        its new version (the front's device directory follows it with it)."""
        self._engine = engine
        self._commands = commands
        self._is_online = is_online
        self._clock_ms = clock_ms
        self._owner = instance_id
        self._tokens = tokens
        self._base_url = base_url.rstrip("/")
        self._token_ttl_ms = token_ttl_s * 1000
        self._lease_ms = int(lease_s * 1000)
        self._zone = zone
        self._metrics = metrics
        self._on_version = on_version
        self._tick_s = tick_s
        self._store = CampaignStore(engine)
        self._images = ImageStore(engine, 0)
        self._audit = AuditTrail(engine)
        self._lane = DbLane("firmware-campaigns")
        self._held: set[int] = set()
        self._tasks: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._door_tasks: set[tuple[int, str]] = set()  # keys of running transfers
        self._transferred: set[tuple[int, str]] = set()  # transfers that ended here
        self._image_cache: dict[str, ImageInfo] = {}

    # ------------------------------------------------------------ loop
    async def _db(self, call: Callable[[], T]) -> T:
        return await self._lane.run(call)

    async def run(self) -> None:
        """Drive campaigns until cancelled; leases are released on the way out."""
        try:
            while True:
                try:
                    await self.tick()
                except Exception:  # the loop's edge: a bad tick must not stop campaigns
                    log.exception("firmware campaign tick failed")
                await asyncio.sleep(self._tick_s)
        finally:
            await self._stop_all()

    async def _stop_all(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for campaign_id in list(self._held):
            with contextlib.suppress(Exception):
                await self._db(partial(self._store.release, campaign_id, self._owner))
        self._lane.close()

    async def tick(self) -> None:
        wanted = await self._db(self._store.to_drive)
        for campaign_id in wanted:
            acquire = partial(
                self._store.acquire, campaign_id, self._owner, self._clock_ms(), self._lease_ms
            )
            held = await self._db(acquire)
            if not held:
                self._let_go(campaign_id)
                continue
            self._held.add(campaign_id)
            await self._drive(campaign_id)
        for campaign_id in self._held - set(wanted):
            self._let_go(campaign_id)
            await self._db(partial(self._store.release, campaign_id, self._owner))

    def _let_go(self, campaign_id: int) -> None:
        """Another replica drives it now (or nobody needs to): stop our tasks for it."""
        self._held.discard(campaign_id)
        for key, task in list(self._tasks.items()):
            if key[0] == campaign_id:
                task.cancel()
        if self._metrics is not None:
            self._metrics.forget(campaign_id)

    # ------------------------------------------------------------ one campaign
    async def _drive(self, campaign_id: int) -> None:
        campaign = await self._db(lambda: self._store.get(campaign_id))
        if campaign is None:
            return
        devices = await self._db(lambda: self._store.devices(campaign_id))
        moved = await self._sync(campaign, devices)
        if campaign.state in ENDED_STATES:
            await self._stop_transfers(campaign)
        elif campaign.state == "running":
            if moved:
                devices = await self._db(lambda: self._store.devices(campaign_id))
            await self._advance(campaign, devices)
        if self._metrics is not None:
            counts = await self._db(lambda: self._store.counts(campaign_id))
            self._metrics.show(campaign_id, counts)

    async def _sync(self, campaign: CampaignRow, devices: list[DeviceRow]) -> bool:
        """Move updating devices by what they reported, and time out the silent ones;
        whether any row changed."""
        active = [d for d in devices if d.state in ACTIVE_STATES]
        if not active:
            return False
        now = self._clock_ms()
        ids = [d.device_id for d in active]
        floor = min(d.last_event_id for d in active)
        since = min(d.started_ms or now for d in active) - EVENT_SKEW_MS
        events = await self._db(lambda: evidence.firmware_events(self._engine, ids, floor, since))
        versions = await self._db(lambda: evidence.registry_versions(self._engine, ids))
        moved = False
        for device in active:
            mine = [e for e in events if e.device_id == device.device_id]
            mine = [e for e in mine if e.id > device.last_event_id]
            version = versions.get(device.device_id)
            moved |= await self._sync_device(campaign, device, mine, version, now)
        return moved

    async def _sync_device(
        self,
        campaign: CampaignRow,
        device: DeviceRow,
        events: list[evidence.FirmwareEvent],
        version: str | None,
        now: int,
    ) -> bool:
        """Apply one device's reports; True if its row changed."""
        progress = fold_progress(
            device.state, device.progress_pct, device.to_version, [e.data for e in events]
        )
        watermark = max([device.last_event_id, *(e.id for e in events)])
        state, reason = progress.state, progress.reason
        changed = False
        if state not in ("updated", "failed") and version == device.to_version:
            state = "updated"  # the device came back with the version: its status says so
        key = (campaign.id, device.device_id)
        started = device.started_ms or now
        if state in ACTIVE_STATES and now - started > campaign.rules.device_timeout_s * 1000:
            state = "failed"
            reason = "did_not_return" if device.state == "rebooting" else "timeout"
        if state == "sending" and key not in self._tasks and now - started > SEND_GRACE_MS:
            if campaign.state in ENDED_STATES:
                await self._move(campaign, device, "cancelled", f"campaign {campaign.state}")
            else:
                await self._move(campaign, device, "pending", "no answer; sent again later")
            return True
        if state != device.state:
            changed = await self._move(
                campaign,
                device,
                state,
                reason or "",
                progress_pct=progress.progress_pct,
                last_event_id=watermark,
                reason=reason,
            )
            if changed and state in ("updated", "failed"):
                await self._finished(campaign, device, state, reason)
        elif watermark != device.last_event_id or progress.progress_pct != device.progress_pct:
            await self._db(
                lambda: self._store.set_device_fields(
                    campaign.id,
                    device.device_id,
                    last_event_id=watermark,
                    progress_pct=progress.progress_pct,
                )
            )
        if (
            device.kind == "door"
            and state == "downloading"
            and key not in self._tasks
            and key not in self._transferred
            and campaign.state not in ENDED_STATES
        ):
            self._spawn(campaign, device, self._resume_door(campaign, device), door=True)
        return changed

    async def _finished(
        self, campaign: CampaignRow, device: DeviceRow, state: str, reason: str | None
    ) -> None:
        task = self._tasks.pop((campaign.id, device.device_id), None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        if self._metrics is not None:
            self._metrics.updates.labels(device.kind, state).inc()
        if state == "updated" and self._on_version is not None:
            self._on_version(device.device_id, device.to_version)
        await self._audit_step(
            campaign, "firmware:update", state, device=device, detail=reason or device.to_version
        )

    async def _move(
        self,
        campaign: CampaignRow,
        device: DeviceRow,
        state: str,
        detail: str,
        **values: Any,
    ) -> bool:
        now = self._clock_ms()
        return await self._db(
            lambda: self._store.move_device(
                campaign.id,
                device.device_id,
                (device.state,),
                state=state,
                actor=self._actor(campaign),
                now_ms=now,
                detail=detail,
                **values,
            )
        )

    # ------------------------------------------------------------ waves
    async def _advance(self, campaign: CampaignRow, devices: list[DeviceRow]) -> None:
        wave = [d for d in devices if d.wave == campaign.wave]
        if any(d.state == "pending" or d.state in ACTIVE_STATES for d in wave):
            await self._start_devices(campaign, devices, wave)
            return
        now = self._clock_ms()
        result = WaveResult(
            campaign.wave,
            sum(d.state == "updated" for d in wave),
            sum(d.state == "failed" for d in wave),
        )
        problem = wave_failure(result, campaign.rules.failure_threshold)
        if problem is not None:
            await self._abort(campaign, "failures", problem)
            return
        if campaign.wave + 1 >= campaign.waves:
            await self._end(campaign, "completed", f"{result.updated} devices in the last wave")
            return
        if campaign.wave_done_ms is None:
            await self._db(lambda: self._store.mark_wave_done(campaign.id, campaign.wave, now))
            await self._audit_step(campaign, "firmware:wave", "done", detail=_wave_text(result))
            if campaign.rules.health_soak_s > 0:
                return
        elif now - campaign.wave_done_ms < campaign.rules.health_soak_s * 1000:
            return
        health = await self._health(campaign, devices, now)
        if health is not None:
            await self._abort(campaign, "health", health)
            return
        moved = await self._db(
            lambda: self._store.next_wave(
                campaign.id, campaign.wave, actor=self._actor(campaign), now_ms=now
            )
        )
        if moved:
            await self._audit_step(
                campaign, "firmware:wave", "started", detail=f"wave {campaign.wave + 1}"
            )

    async def _health(
        self, campaign: CampaignRow, devices: list[DeviceRow], now: int
    ) -> str | None:
        updated = {d.device_id: d.finished_ms or now for d in devices if d.state == "updated"}
        rest = [d.device_id for d in devices if d.state == "pending"]
        if not updated or not rest:
            return None
        since = min(updated.values())
        found = await self._db(lambda: evidence.incidents(self._engine, [*updated, *rest], since))
        data = HealthInput(updated, rest, found, now)
        return health_problem(data, campaign.rules.health_factor, campaign.rules.health_min_events)

    async def _abort(self, campaign: CampaignRow, cause: str, reason: str) -> None:
        if self._metrics is not None:
            self._metrics.aborts.labels(cause).inc()
        await self._end(campaign, "aborted", reason)

    async def _end(self, campaign: CampaignRow, state: str, reason: str) -> None:
        now = self._clock_ms()
        changed = await self._db(
            lambda: self._store.change_state(
                campaign.id,
                ("running", "paused"),
                state,
                actor=self._actor(campaign),
                reason=reason,
                now_ms=now,
            )
        )
        if changed:
            log.warning("firmware campaign %s %s: %s", campaign.id, state, reason)
            await self._audit_step(campaign, f"campaign:{state}", state, detail=reason)

    async def _stop_transfers(self, campaign: CampaignRow) -> None:
        """An ended campaign sends no more fragments; its doors keep their old image."""
        for key, task in list(self._tasks.items()):
            if key[0] != campaign.id or key not in self._door_tasks or task.done():
                continue
            task.cancel()
            del self._tasks[key]
            rows = await self._db(partial(self._store.devices, campaign.id, device_id=key[1]))
            for device in rows:
                if device.kind == "door" and device.state in ("sending", "downloading"):
                    await self._move(campaign, device, "cancelled", f"campaign {campaign.state}")

    # ------------------------------------------------------------ starting devices
    async def _start_devices(
        self, campaign: CampaignRow, devices: list[DeviceRow], wave: list[DeviceRow]
    ) -> None:
        pending = [d for d in wave if d.state == "pending"]
        budget = campaign.rules.max_in_flight - sum(d.state in ACTIVE_STATES for d in devices)
        if not pending or budget <= 0:
            return
        now = self._clock_ms()
        windows = {}
        if campaign.rules.respect_windows:
            places = {d.community_path for d in pending if d.community_path}
            windows = await self._db(lambda: evidence.windows(self._engine, places))
        buildings = {d.building_path for d in pending if d.building_path}
        busy: Counter[str] = Counter(
            await self._db(lambda: self._store.busy_doors(buildings)) if buildings else {}
        )
        image = await self._image(campaign.image_sha256)
        for device in pending:
            if budget <= 0:
                return
            window = windows.get(device.community_path or "")
            if window is not None and not window.open_at(now, self._zone):
                continue
            if not self._is_online(device.device_id):
                waited = now - (campaign.wave_started_ms or now)
                if waited > campaign.rules.device_timeout_s * 1000:
                    await self._move(campaign, device, "skipped", "offline", reason="offline")
                continue
            building = device.building_path
            if building is not None:
                if busy[building] >= campaign.rules.max_doors_per_building:
                    continue
                busy[building] += 1
            watermark = await self._db(lambda: evidence.latest_event_id(self._engine))
            moved = await self._move(
                campaign,
                device,
                "sending",
                f"attempt {device.attempts + 1}",
                attempts=device.attempts + 1,
                started_ms=now,
                progress_pct=None,
                command_id=None,
                last_event_id=max(device.last_event_id, watermark),
            )
            if not moved:
                continue
            budget -= 1
            sending = replace(
                device,
                state="sending",
                attempts=device.attempts + 1,
                started_ms=now,
                last_event_id=max(device.last_event_id, watermark),
            )
            if device.kind == "door":
                work = self._update_door(campaign, sending, image)
                self._spawn(campaign, sending, work, door=True)
            else:
                self._spawn(campaign, sending, self._order(campaign, sending, image))

    def _spawn(
        self, campaign: CampaignRow, device: DeviceRow, work: Awaitable[None], door: bool = False
    ) -> None:
        key = (campaign.id, device.device_id)
        if door:
            self._door_tasks.add(key)

        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:  # one device's trouble must not stop the campaign
                log.exception("firmware update of %s failed", device.device_id)
            finally:
                if self._tasks.get(key) is asyncio.current_task():
                    del self._tasks[key]
                    self._door_tasks.discard(key)

        self._tasks[key] = asyncio.get_running_loop().create_task(
            guarded(), name=f"firmware-{campaign.id}-{device.device_id}"
        )

    async def _image(self, sha256: str) -> ImageInfo:
        cached = self._image_cache.get(sha256)
        if cached is None:
            found = await self._db(lambda: self._images.get(sha256))
            if found is None:
                raise HubError(f"campaign image {sha256} is gone")
            cached = self._image_cache[sha256] = found
        return cached

    async def _order(self, campaign: CampaignRow, device: DeviceRow, image: ImageInfo) -> None:
        """A locker's or vending machine's ``firmware_update`` command."""
        now = self._clock_ms()
        grant = DownloadGrant(device.device_id, image.sha256, now + self._token_ttl_ms)
        params = {
            "version": image.version,
            "size": image.size,
            "sha256": image.sha256,
            "url": f"{self._base_url}/firmware/download/{self._tokens.issue(grant)}",
        }
        try:
            outcome = await self._commands.issue(
                device.device_id,
                "firmware_update",
                params,
                issued_by=self._actor(campaign),
                timeout_s=ORDER_TIMEOUT_S,
                wait_for="accepted",
            )
        except HubError as exc:
            await self._retry(campaign, device, f"not sent: {exc}")
            return
        await self._audit_step(
            campaign,
            "firmware:order",
            outcome.state.value,
            device=device,
            command_id=outcome.command_id,
            detail=outcome.reason or image.version,
        )
        state, reason = outcome.state, outcome.reason
        if state is CommandState.CONFIRMED and reason == "already_installed":
            if await self._move(campaign, device, "updated", reason, command_id=outcome.command_id):
                await self._finished(campaign, device, "updated", reason)
        elif state in (CommandState.ACKNOWLEDGED, CommandState.CONFIRMED) or reason == "busy":
            await self._move(
                campaign, device, "downloading", "accepted", command_id=outcome.command_id
            )
        elif state in (CommandState.REJECTED, CommandState.FAILED):
            if await self._move(
                campaign,
                device,
                "failed",
                reason or state.value,
                command_id=outcome.command_id,
                reason=(reason or state.value)[:128],
            ):
                await self._finished(campaign, device, "failed", reason)
        else:
            await self._retry(campaign, device, f"command {state.value}")

    async def _retry(self, campaign: CampaignRow, device: DeviceRow, why: str) -> None:
        if device.attempts >= MAX_ATTEMPTS:
            if await self._move(campaign, device, "failed", why, reason=why[:128]):
                await self._finished(campaign, device, "failed", why)
            return
        await self._move(campaign, device, "pending", why)

    async def _update_door(
        self, campaign: CampaignRow, device: DeviceRow, image: ImageInfo
    ) -> None:
        """A door: the manifest, then the image in fragments from the start."""
        transfer = self._transfer(campaign, device, image)
        try:
            state, reason = await transfer.announce()
        except HubError as exc:
            await self._retry(campaign, device, f"not sent: {exc}")
            return
        await self._audit_step(
            campaign, "firmware:order", state.value, device=device, detail=reason or ""
        )
        if state is CommandState.CONFIRMED:
            if not await self._move(campaign, device, "downloading", "manifest accepted"):
                return
            await self._send_door(campaign, device, transfer, 0)
        elif state in (CommandState.REJECTED, CommandState.FAILED):
            if await self._move(
                campaign, device, "failed", reason or "", reason=(reason or state.value)[:128]
            ):
                await self._finished(campaign, device, "failed", reason)
        else:
            await self._retry(campaign, device, f"manifest {state.value}")

    async def _resume_door(self, campaign: CampaignRow, device: DeviceRow) -> None:
        """A door whose transfer this process did not start (a restart, another replica):
        announce again (the door keeps what it has) and go on from the saved offset."""
        image = await self._image(campaign.image_sha256)
        if device.bytes_sent >= image.size:
            return  # all sent: the door's reports finish it
        transfer = self._transfer(campaign, device, image)
        state, _ = await transfer.announce()
        if state is CommandState.CONFIRMED:
            await self._db(
                lambda: self._store.log(
                    campaign.id,
                    "resumed",
                    self._actor(campaign),
                    f"from byte {device.bytes_sent}",
                    self._clock_ms(),
                    device.device_id,
                )
            )
            await self._send_door(campaign, device, transfer, device.bytes_sent)

    async def _send_door(
        self, campaign: CampaignRow, device: DeviceRow, transfer: DoorTransfer, offset: int
    ) -> None:
        result = await transfer.send(offset)
        self._transferred.add((campaign.id, device.device_id))
        if result.outcome != "sent":
            log.info("transfer to %s ended %s: %s", device.device_id, result.outcome, result.reason)

    def _transfer(self, campaign: CampaignRow, device: DeviceRow, image: ImageInfo) -> DoorTransfer:
        async def read_chunk(index: int) -> bytes:
            start = index * CHUNK_BYTES
            end = min(image.size, start + CHUNK_BYTES)
            return await self._db(lambda: self._images.read(image.sha256, start, end))

        async def save_offset(offset: int) -> None:
            await self._db(
                lambda: self._store.set_device_fields(
                    campaign.id,
                    device.device_id,
                    bytes_sent=offset,
                    progress_pct=offset * 100 // image.size,
                )
            )

        return DoorTransfer(
            commands=self._commands,
            device_id=device.device_id,
            image=image,
            read_chunk=read_chunk,
            save_offset=save_offset,
            is_online=self._is_online,
            issued_by=self._actor(campaign),
        )

    # ------------------------------------------------------------ audit
    @staticmethod
    def _actor(campaign: CampaignRow) -> str:
        return f"campaign:{campaign.id}"

    async def _audit_step(
        self,
        campaign: CampaignRow,
        action: str,
        result: str,
        *,
        device: DeviceRow | None = None,
        command_id: str | None = None,
        detail: str = "",
    ) -> None:
        draft = AuditDraft(
            ts_ms=self._clock_ms(),
            actor=self._actor(campaign),
            role="campaign",
            action=action[:32],
            result=result[:32],
            http_status=0,
            device_id=None if device is None else device.device_id,
            device_path=campaign.scope_path if device is None else device.device_path,
            command_id=command_id,
            detail=detail[:256],
        )
        await self._db(lambda: self._audit.append(draft))


def _wave_text(result: WaveResult) -> str:
    return f"wave {result.wave}: {result.updated} updated, {result.failed} failed"
