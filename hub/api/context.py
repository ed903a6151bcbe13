"""The API's own parts, built once per app next to the hub's runtime."""

from __future__ import annotations

from dataclasses import dataclass

from hub.alarms.config import AlarmRules
from hub.api.actuation import Actuator
from hub.api.alarm_view import AlarmView
from hub.api.audit.trail import AuditTrail
from hub.api.idempotency import IdempotencyKeys
from hub.api.limits import ApiLimits
from hub.api.message_rate import RateSampler
from hub.api.rate_limit import SlidingWindowLimiter
from hub.api.token_watch import TokenWatch
from hub.runtime import HubRuntime


@dataclass(frozen=True, slots=True)
class ApiContext:
    runtime: HubRuntime
    limits: ApiLimits
    audit: AuditTrail
    keys: IdempotencyKeys
    limiter: SlidingWindowLimiter
    message_rate: RateSampler
    alarms: AlarmView
    actuator: Actuator
    tokens: TokenWatch
    rules: AlarmRules

    @classmethod
    def create(
        cls, runtime: HubRuntime, limits: ApiLimits, alarms: AlarmView | None = None
    ) -> ApiContext:
        audit = AuditTrail(runtime.engine)
        keys = IdempotencyKeys(runtime.engine)
        limiter = SlidingWindowLimiter(limits.unlock_rate_per_minute, 60.0)
        workers = runtime.workers
        return cls(
            runtime=runtime,
            limits=limits,
            audit=audit,
            keys=keys,
            limiter=limiter,
            message_rate=RateSampler(lambda: workers.committed_messages),
            alarms=alarms if alarms is not None else runtime.alarms,
            actuator=Actuator(runtime, limits, audit, keys, limiter),
            tokens=TokenWatch(runtime.engine, limits.stream_token_check_s),
            rules=AlarmRules.load(runtime.settings.alarm_rules_file),
        )
