"""What :class:`~mqtt_link.loop_client.LoopClient` raises. Its users translate these into
their own errors (the hub's are :class:`hub.errors.HubError` subclasses).

MqttError
 +-- BrokerUrlError     a broker URL that cannot be parsed (also a ValueError)
 +-- ConnectFailed      one connection attempt failed
 +-- NotConnected       the operation needs a connection and there is none
 +-- ConnectionLost     the connection ended before the broker answered
 +-- PublishFailed      paho would not take the message (its error code, as text)
 +-- PublishRefused     the broker answered the PUBLISH with a failure reason code
"""

from __future__ import annotations


class MqttError(Exception):
    pass


class BrokerUrlError(MqttError, ValueError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"bad broker URL {url!r}: {reason}")
        self.reason = reason


class ConnectFailed(MqttError):
    """``protocol_rejected``: the CONNACK says the broker does not speak the MQTT version we
    offered. ``unanswered``: the broker hung up or stayed silent after our CONNECT (a
    3.1.1-only broker may do that to an MQTT 5 CONNECT, or it may just be overloaded)."""

    def __init__(
        self, reason: str, protocol_rejected: bool = False, unanswered: bool = False
    ) -> None:
        super().__init__(f"connection attempt failed: {reason}")
        self.reason = reason
        self.protocol_rejected = protocol_rejected
        self.unanswered = unanswered


class NotConnected(MqttError):
    def __init__(self, operation: str) -> None:
        super().__init__(f"cannot {operation}: not connected to the broker")
        self.operation = operation


class ConnectionLost(MqttError):
    def __init__(self, operation: str) -> None:
        super().__init__(f"connection lost before the broker answered the {operation}")
        self.operation = operation


class PublishFailed(MqttError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"publish failed: {reason}")
        self.reason = reason


class PublishRefused(MqttError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"broker refused the publish: {reason}")
        self.reason = reason
