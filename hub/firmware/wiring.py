"""Build the firmware parts of a running hub from its runtime (no I/O here)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from firmware_protocols.clock import wall_ms
from hub.firmware.campaign_metrics import CampaignMetrics
from hub.firmware.driver import CampaignDriver
from hub.firmware.tokens import DownloadTokens
from hub.runtime import HubRuntime


def campaign_driver(runtime: HubRuntime) -> CampaignDriver:
    """The campaign driver of the front: its command service, presence mirror, database
    and device directory (which follows the versions of updated devices); metrics on the
    front's registry."""
    settings = runtime.settings
    return CampaignDriver(
        engine=runtime.engine,
        commands=runtime.commands,
        is_online=runtime.presence.is_online,
        clock_ms=wall_ms,
        instance_id=settings.instance_id,
        tokens=DownloadTokens(settings.effective_secret_key),
        base_url=settings.effective_firmware_base_url,
        token_ttl_s=settings.firmware_token_ttl_s,
        lease_s=settings.campaign_lease_s,
        zone=ZoneInfo(settings.timezone),
        metrics=CampaignMetrics.create(runtime.metrics.registry),
        on_version=runtime.directory.follow_firmware,  # commands use the new codec
    )
