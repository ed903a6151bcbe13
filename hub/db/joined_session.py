"""An ORM session inside a connection's transaction that someone else owns.

The ingest batch's transaction writes what the domain records from the batch's events,
each under its own savepoint; some of those writes read through the ORM. A session bound
to a connection in a savepoint would, by SQLAlchemy's default, open a savepoint of its
own and roll it back when closed uncommitted, silently undoing the writes made beside
it. :func:`joined_session` joins the transaction without ever committing or rolling it
back: the owner of the connection decides.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel import Session


def joined_session(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="rollback_only")
