"""The alarm rules, one module each (pure: state in memory, time passed in).

Each rule turns what it is told (twin states, device events, presence changes, domain
alerts) into :class:`~hub.alarms.vocabulary.Fire` and ``Clear`` signals, and answers
``due(now_ms, ...)`` for conditions that fire when they have lasted long enough. Rules
emit a ``Clear`` whenever they see a condition absent that might have fired; the engine
drops those that match no open alarm.
"""
