"""Security checks and the secrets derived for them (``hub security audit``,
docs/broker-security.md).

Modules, one concept each: ``share_group`` (the replicas' secret shared-subscription
group), ``stream_revocation`` (ending open event streams of revoked tokens),
``numbers`` (refusing non-finite numbers in API input), and the audit: ``audit_model``
(checks, results, report), ``broker_probe`` (MQTT clients that record what a broker
does), ``broker_checks`` (what a device account can and cannot do on a running broker),
``registry_checks`` (devices, broker accounts and tokens), ``config_checks`` (the
generated broker files), ``audit`` (running them all).
"""
