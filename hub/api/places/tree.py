"""Nodes of the hierarchy within an operator's scope: one place, its children, and the
trail from the scope's root down to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from hub.registry.models import Device, Node
from hub.registry.queries import in_scope, scope_filter
from hub.registry.vocabulary import DeviceKind, Level, is_code


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    level: Level
    path: str

    @classmethod
    def of(cls, node: Node) -> Place:
        return cls(node.code, node.name, node.level, node.path)


@dataclass(frozen=True, slots=True)
class PlacedDevice:
    """A device as the roll-up needs it: where it is and what it is."""

    id: str
    kind: DeviceKind
    name: str
    path: str
    node_id: int
    enabled: bool


def place_in_scope(session: Session, code: str, scope_path: str) -> Node | None:
    """The node called ``code`` if it lies within the scope (else None: a 404)."""
    if not is_code(code):
        return None
    node = session.exec(select(Node).where(col(Node.code) == code)).first()
    if node is None or not in_scope(scope_path, node.path):
        return None
    return node


def scope_root(session: Session, scope_path: str) -> Node | None:
    return session.exec(select(Node).where(col(Node.path) == scope_path)).first()


def children(session: Session, node: Node) -> list[Node]:
    statement = select(Node).where(col(Node.parent_id) == node.id).order_by(col(Node.code))
    return list(session.exec(statement).all())


def trail(session: Session, node: Node, scope_path: str) -> list[Place]:
    """The places from the scope's root down to ``node`` (both included)."""
    parts = node.path.split("/")
    paths = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    visible = [p for p in paths if in_scope(scope_path, p)]
    rows = session.exec(select(Node).where(col(Node.path).in_(visible))).all()
    by_path = {row.path: row for row in rows}
    return [Place.of(by_path[p]) for p in visible if p in by_path]


def devices_below(session: Session, node: Node) -> list[PlacedDevice]:
    """Every device at or below the node, ordered by id."""
    statement = select(Device).where(scope_filter(node.path)).order_by(col(Device.id))
    return [
        PlacedDevice(d.id, d.kind, d.name, d.path, d.node_id, d.enabled)
        for d in session.exec(statement).all()
    ]
