"""Registry nodes for the fleets tests build."""

from __future__ import annotations

from sqlmodel import Session

from hub.registry.models import Node


def add_node(
    session: Session, code: str, level: str, parent: Node | None, name: str | None = None
) -> Node:
    """Node ``code`` at ``level`` under ``parent`` (``None`` for the root), named ``name``
    (its code unless given); flushed, so it has its id."""
    node = Node(
        code=code,
        name=code if name is None else name,
        level=level,  # type: ignore[arg-type]
        parent_id=None if parent is None else parent.id,
        path=code if parent is None else f"{parent.path}/{code}",
    )
    session.add(node)
    session.flush()
    return node
