"""The audit trail of unlocks, compartment openings and operator commands.

Append-only and hash-chained: each row carries the SHA-256 of its own fields and of the
previous row's hash (:mod:`.chain`), so ``hub audit verify`` notices a row that was edited
or deleted. Modules: ``tables`` (the audit and idempotency tables, migration 0005),
``chain`` (canonical serialisation and hashes, pure), ``trail`` (append, read, verify).
"""
