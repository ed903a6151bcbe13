"""Security: the replicas' secret shared-subscription group, and ``hub security audit``
(docs/broker-security.md).

Modules, one concept each: ``share_group`` (the group's name, derived from the secret
key), ``audit_model`` (check results and the report), ``broker_probe`` (MQTT clients that
record what a broker answers), ``broker_checks`` (what a device account can and cannot do
on a running broker), ``registry_checks`` (device credentials, broker accounts, operator
tokens), ``config_checks`` (the files of ``hub broker-config``), ``audit`` (running them
all). Ending revoked tokens' event streams and refusing non-finite numbers belong to the
API (``hub.api.token_watch``, ``hub.api.finite_json``).
"""
