"""Registry changes reach the running hub within a second, without a restart.

``hub.registry.change_feed`` records every registry write; here the
:class:`~hub.registry_sync.watcher.RegistryWatcher` follows that feed and hands each
batch of changes to listeners that bring the hub's in-memory views up to date. The
front runs the watcher and relays each change set to its ingest workers
(:mod:`~hub.registry_sync.processes`); in each process:

- :mod:`~hub.registry_sync.devices`: the device directory (codec sessions, the decoder's
  ``unknown_device`` and ``device_disabled``, the alarms', command lane's and commands'
  view of devices) and presence (new devices registered, disabled ones offline at once);
- :mod:`~hub.registry_sync.allowlists`: new allow-lists for the affected online doors
  (in the worker that owns each door).

What reads the registry per request needs nothing here: the API (command checks, device
detail, residents' doors), door access decisions and ``hub broker-config`` query it each
time. :func:`hub.registry_sync.front.run_registry_sync` is the one hook the front
starts; a worker hands the relayed ``RegistryChanged`` to
:class:`~hub.registry_sync.processes.WorkerRegistrySync`.
"""
