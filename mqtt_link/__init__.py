"""MQTT on asyncio, for the hub and the simulators alike: a paho-mqtt 2.x client whose
socket the event loop drives (:class:`~mqtt_link.loop_client.LoopClient`), the broker's
address (:class:`~mqtt_link.address.BrokerAddress`), reconnect delays with jitter
(:class:`~mqtt_link.backoff.Backoff`). It knows nothing of the hub or of the devices:
``hub.transport`` and ``device_sims.link`` build their connections on it."""
