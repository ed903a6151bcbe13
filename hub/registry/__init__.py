"""The registry: hierarchy, devices, residents, door credentials and API tokens.

Modules, one concept each:
``vocabulary`` (closed value sets, naming rules), ``models`` (tables and API shapes),
``passwords`` (Mosquitto ``$7$`` hashes), ``queries`` (scopes, devices, residents),
``credentials`` (cards, PINs), ``tokens`` (API tokens), ``seeding`` (the demo fleet),
``csv_io`` (device import and export), ``secrets_file`` (where generated secrets go).
"""
