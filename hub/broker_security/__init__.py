"""Broker security: Mosquitto's password files, ACL file and configuration snippet,
generated from the device registry so that each device can only publish and subscribe
under its own topics (``hub broker-config``, docs/broker-security.md).

Modules, one concept each: ``rules`` (ACL rules from each protocol's topics), ``texts``
(the files' texts and the listener and queue policy), ``build`` (registry rows and the
hub account to texts, pure), ``files`` (reading the hub account, writing the files),
``errors``, ``tls`` (certificate paths of TLS listeners), ``limits`` (the largest
payload of any device protocol).
"""

from hub.broker_security.build import BrokerConfig, DeviceRow, HubAccount, build_broker_config
from hub.broker_security.errors import BrokerConfigError
from hub.broker_security.files import HubCredentials, hub_credentials, write_broker_config
from hub.broker_security.rules import AclRule, device_rules, hub_rules
from hub.broker_security.texts import Account, BrokerPolicy, Listener
from hub.broker_security.tls import TlsFiles

__all__ = [
    "Account",
    "AclRule",
    "BrokerConfig",
    "BrokerConfigError",
    "BrokerPolicy",
    "DeviceRow",
    "HubAccount",
    "HubCredentials",
    "Listener",
    "TlsFiles",
    "build_broker_config",
    "device_rules",
    "hub_credentials",
    "hub_rules",
    "write_broker_config",
]
