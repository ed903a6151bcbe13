"""Errors of the hub's MQTT transport (what :mod:`mqtt_link` raises, as the hub's errors).

HubError
 +-- TransportError              anything the transport raises on purpose
      +-- NotConnectedError      the operation needs a connection and there is none
      +-- SubscribeError         the broker refused some subscriptions
      +-- PublishError           a publish that did not complete
           +-- PublishTimeout         no PUBACK in time; the broker may still have it
           +-- PublishConnectionLost  the connection dropped before the PUBACK
           +-- PublishRejected        the broker answered with a failure reason code
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.errors import HubError


class TransportError(HubError):
    pass


class NotConnectedError(TransportError):
    def __init__(self, operation: str) -> None:
        super().__init__(f"cannot {operation}: not connected to the broker")
        self.operation = operation


class SubscribeError(TransportError):
    def __init__(self, refused: Sequence[tuple[str, str]]) -> None:
        listed = ", ".join(f"{topic} ({reason})" for topic, reason in refused)
        super().__init__(f"broker refused subscriptions: {listed}")
        self.refused = list(refused)


class PublishError(TransportError):
    def __init__(self, topic: str, reason: str) -> None:
        super().__init__(f"publish to {topic!r} failed: {reason}")
        self.topic = topic
        self.reason = reason


class PublishTimeout(PublishError):
    def __init__(self, topic: str, timeout_s: float) -> None:
        super().__init__(topic, f"no PUBACK within {timeout_s:g}s (outcome unknown)")
        self.timeout_s = timeout_s


class PublishConnectionLost(PublishError):
    def __init__(self, topic: str) -> None:
        super().__init__(topic, "connection lost before the PUBACK (outcome unknown)")


class PublishRejected(PublishError):
    pass
