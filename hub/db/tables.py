"""How the hub declares a table: a SQLModel class (``table=True``) on the one
``SQLModel.metadata``; code that wants Core statements takes the class's table with
:func:`table_of`. See "How tables are defined" in ``docs/architecture.md``.

The helpers here make a field from an exact Core column, so a table keeps the types,
nullability and (absent) defaults its migration creates, column for column.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import BigInteger, Column, Integer, Table
from sqlalchemy.sql.schema import SchemaItem
from sqlalchemy.types import TypeEngine
from sqlmodel import Field, SQLModel

# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT one.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model (for bulk, ON CONFLICT and COPY statements)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def column(
    type_: TypeEngine[Any] | type[TypeEngine[Any]],
    *items: SchemaItem,
    nullable: bool = False,
    **kwargs: Any,
) -> Any:
    """A field stored in exactly ``Column(type_, *items, nullable=nullable, **kwargs)``:
    no default on the Python or the database side; None unless given when nullable."""
    return Field(
        default=None if nullable else ...,
        sa_column=Column(type_, *items, nullable=nullable, **kwargs),
    )


def big_id() -> Any:
    """An autoincrementing BIGINT primary key ``id`` (INTEGER on SQLite, see ``BigId``)."""
    return Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
