"""Commands to devices: id, expiry, correlation, persisted states, awaited outcomes."""
