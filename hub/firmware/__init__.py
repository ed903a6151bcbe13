"""Firmware: images (content-addressed, downloaded with expiring tokens), campaigns that
update a fleet in waves, and the registry following the versions devices report."""
