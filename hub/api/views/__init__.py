"""Each kind of device as operators see it (pure functions over what the registry, the
twin and the domain's tables say): a locker's compartments and parcels, a vending
machine's slots and cabinet, a door's access log and incidents, telemetry sized for a
chart."""
