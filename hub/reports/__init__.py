"""Monthly reports for a place: cold-chain compliance, sales (DEX and live), parcel dwell
time, door incidents. Each module computes per-device figures for the month, then rows
grouped by device (or building), community or district; :mod:`.table` renders CSV."""
