"""The registry: hierarchy, devices, residents, door credentials and API tokens.

Modules, one concept each:

- ``vocabulary``: closed value sets (kinds, levels, card formats) and naming rules
- ``models``: tables and their API shapes; ``timestamps``: aware UTC columns
- ``queries``: scopes, devices, residents; ``credentials``: cards and PINs;
  ``tokens``: API bearer tokens; ``passwords``: Mosquitto ``$7$`` hashes
- ``fleet_data``, ``fleet_plan``, ``seeding``, ``bulk``: the demo fleet (``hub seed``)
- ``csv_io``: device import and export; ``secrets_file``: where generated secrets go
- ``database``: a migrated engine for command-line tools; ``errors``: registry errors
"""
