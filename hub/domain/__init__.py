"""Domain logic: what the hub knows about each kind of hardware.

- doors: :mod:`.access_rules` (pure decisions), :mod:`.door_access` (answer card reads
  and PINs, ``access_log``), :mod:`.door_state` (pure per-door state machine),
  :mod:`.door_watch` (forced and held open), :mod:`.building_allowlist` (a building's
  offline allow-list), :mod:`.allowlist_cache` (every building's, read at once);
- lockers: :mod:`.parcels` (``parcel`` rows), :mod:`.occupancy` (compartment gauge);
- vending: :mod:`.vending_sales` and :mod:`.stock` (sales, twin stock),
  :mod:`.dex_audits` (``dex_audit`` rows), :mod:`.sparkplug_host` (host STATE, rebirths);
- all kinds: :mod:`.config_push` (desired configuration pushed on reconnect, and to
  online doors when their building's cards change);
- wiring: :mod:`.services` (the ingest observer, its queues and workers), :mod:`.models`
  (tables, created by migration 0004).
"""
