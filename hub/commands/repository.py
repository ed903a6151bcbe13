"""Persistence of commands and replies. Synchronous; the service runs it off the loop.

State changes only move forward: an UPDATE names the states it may leave, so two
replicas applying the same reply, or a reply racing a time-out, cannot move a final
command again. Each write is one statement, so on PostgreSQL it commits on its own
(:func:`~hub.db.engine.connect_per_statement`): one round trip, not three with BEGIN and
COMMIT, for the four or five writes every command makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Executable, select, update
from sqlalchemy.exc import IntegrityError

from hub.commands.models import CommandRecord, CommandReplyRecord, CommandState
from hub.db.engine import connect_per_statement
from hub.db.tables import table_of

COMMAND = table_of(CommandRecord)
REPLY = table_of(CommandReplyRecord)
OPEN_STATES = (CommandState.QUEUED.value, CommandState.SENT.value, CommandState.ACKNOWLEDGED.value)


class CommandRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _write(self, statement: Executable) -> int:
        """Run one writing statement and commit it; how many rows it changed."""
        with connect_per_statement(self._engine) as conn:
            changed = conn.execute(statement).rowcount
            conn.commit()
        return changed

    def insert(self, values: Mapping[str, Any]) -> None:
        self._write(COMMAND.insert().values(**values))

    def advance(
        self,
        command_id: str,
        state: CommandState,
        *,
        at_ms: int,
        reason: str | None = None,
        not_after_ms: int | None = None,
    ) -> bool:
        """Move an open command to ``state``; False if it was already final (or, with
        ``not_after_ms``, if the change comes after the command's expiry)."""
        values: dict[str, Any] = {"state": state.value}
        if reason is not None:
            values["reason"] = reason
        if state is CommandState.SENT:
            values["sent_ms"] = at_ms
            allowed: tuple[str, ...] = (CommandState.QUEUED.value,)
        elif state is CommandState.ACKNOWLEDGED:
            values["acknowledged_ms"] = at_ms
            allowed = (CommandState.QUEUED.value, CommandState.SENT.value)
        else:
            values["completed_ms"] = at_ms
            allowed = OPEN_STATES
        statement = update(COMMAND).where(COMMAND.c.id == command_id, COMMAND.c.state.in_(allowed))
        if not_after_ms is not None:
            statement = statement.where(COMMAND.c.expires_ms >= not_after_ms)
        return bool(self._write(statement.values(**values)))

    def record_reply(self, values: Mapping[str, Any]) -> bool:
        """Store a reply once (a second replica's copy is ignored); True if new."""
        try:
            self._write(REPLY.insert().values(**values))
        except IntegrityError:
            return False
        return True

    def get(self, command_id: str) -> CommandRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(COMMAND).where(COMMAND.c.id == command_id)).first()
        return CommandRecord.model_validate(row._mapping) if row is not None else None

    def replies(self, command_id: str) -> list[CommandReplyRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(REPLY).where(REPLY.c.command_id == command_id).order_by(REPLY.c.id)
            ).all()
        return [CommandReplyRecord.model_validate(r._mapping) for r in rows]
