"""The devices of a report's place, each with the names of the places it sits in, and the
grouping of rows by device, building, community or district."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from hub.registry.models import Device, Node
from hub.registry.queries import scope_filter
from hub.registry.vocabulary import DeviceKind

Group = Literal["device", "building", "community", "district"]
GROUPS: tuple[Group, ...] = ("device", "building", "community", "district")
DEPTH: dict[str, int] = {"district": 2, "community": 4, "building": 5}


@dataclass(frozen=True, slots=True)
class ReportDevice:
    id: str
    kind: DeviceKind
    name: str
    path: str
    names: dict[str, str]  # place code > name, for every place on the path

    def code_at(self, level: str) -> str:
        parts = self.path.split("/")
        depth = DEPTH[level]
        return parts[depth - 1] if len(parts) >= depth else ""

    def identity(self, group: Group) -> dict[str, str]:
        """The columns that name this device's row in a report grouped by ``group``."""
        district = self.code_at("district")
        out = {"district": district, "district_name": self.names.get(district, "")}
        if group == "district":
            return out
        community = self.code_at("community")
        out |= {"community": community, "community_name": self.names.get(community, "")}
        if group == "community":
            return out
        if group == "building":
            building = self.code_at("building")
            return out | {"building": building, "building_name": self.names.get(building, "")}
        return out | {"device_id": self.id, "device_name": self.name}


def identity_columns(group: Group) -> list[str]:
    columns = ["district", "district_name"]
    if group != "district":
        columns += ["community", "community_name"]
    if group == "building":
        columns += ["building", "building_name"]
    elif group == "device":
        columns += ["device_id", "device_name"]
    return columns


def report_devices(session: Session, place_path: str, kind: DeviceKind) -> list[ReportDevice]:
    """Enabled or not, every device of ``kind`` at or below the place, by id."""
    devices = session.exec(
        select(Device)
        .where(scope_filter(place_path), col(Device.kind) == kind)
        .order_by(col(Device.id))
    ).all()
    codes = {part for device in devices for part in device.path.split("/")}
    names = dict(
        session.exec(select(Node.code, Node.name).where(col(Node.code).in_(sorted(codes)))).all()
    )
    return [
        ReportDevice(d.id, d.kind, d.name, d.path, {c: names.get(c, "") for c in d.path.split("/")})
        for d in devices
    ]
