"""Places: the city > district > subdistrict > community > building tree as operators
drill through it, with each place's figures rolled up from its devices (online share by
kind, open alarms by severity, the day's unlocks, parcels waiting, the day's sales)."""
