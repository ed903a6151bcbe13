"""A broker of the hub's own, for the demo, the bench and a hub started with no broker URL:
:mod:`.launcher` starts a private Mosquitto or :mod:`.amqtt_process` as a child process."""
