"""``hub bench``: the hub's performance figures, measured in one run.

One module per phase: :mod:`broker` (a private broker), :mod:`children` (``hub serve``
and the simulators as child processes), :mod:`raw_subscriber` (the bare paho ceiling),
:mod:`ingest`, :mod:`unlock`, :mod:`presence_storm`; :mod:`runner` runs them in order and
:mod:`report` prints the table and writes the JSON.
"""
