"""``hub firmware add FILE --vendor V --model M [--model M2] --version X [--kind K]`` and
``hub firmware list``: firmware images in the hub's database (see docs/firmware.md).

``--kind`` may be left out when the registry has devices of that vendor and model: the
image is then for their kind. Adding the same bytes again only adds models.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from firmware_protocols.clock import wall_ms
from hub.api.audit.chain import AuditDraft
from hub.api.audit.trail import AuditTrail
from hub.config import load_settings
from hub.db.tables import table_of
from hub.firmware.images import ImageError, ImageStore
from hub.registry.database import migrated_engine
from hub.registry.models import Device
from hub.registry.vocabulary import DEVICE_KINDS, DeviceKind

DEVICE = table_of(Device)
ACTOR = f"cli:{os.environ.get('USER', 'operator')}"[:64]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "firmware", help="add and list firmware images"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="store an image (content-addressed by its SHA-256)",
        description="Store FILE as a firmware image for the named models.",
    )
    add.add_argument("file", type=Path)
    add.add_argument("--vendor", required=True)
    add.add_argument("--model", required=True, action="append", help="repeat for several")
    add.add_argument("--version", required=True, help="the version the image contains")
    add.add_argument("--kind", choices=DEVICE_KINDS, help="default: the kind of those models")
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="every image, newest first")
    listing.set_defaults(handler=run_list)


def kind_of_models(engine: Engine, vendor: str, models: list[str]) -> DeviceKind:
    """The one kind the registry's devices of ``vendor`` and ``models`` have."""
    with engine.connect() as conn:
        kinds = set(
            conn.execute(
                select(DEVICE.c.kind).where(DEVICE.c.vendor == vendor, DEVICE.c.model.in_(models))
            ).scalars()
        )
    if len(kinds) != 1:
        found = "no devices" if not kinds else f"devices of kinds {sorted(kinds)}"
        raise ImageError(f"the registry has {found} of {vendor} {models}: give --kind")
    kind: DeviceKind = kinds.pop()
    return kind


def run_add(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read {args.file}: {exc.strerror}") from exc
    with migrated_engine(settings) as engine:
        kind = args.kind or kind_of_models(engine, args.vendor, args.model)
        store = ImageStore(engine, settings.firmware_max_image_mb * 1024 * 1024)
        now = wall_ms()
        info, new = store.add(
            data,
            vendor=args.vendor,
            kind=kind,
            version=args.version,
            models=args.model,
            filename=args.file.name,
            uploaded_by=ACTOR,
            now_ms=now,
        )
        AuditTrail(engine).append(
            AuditDraft(
                ts_ms=now,
                actor=ACTOR,
                role="cli",
                action="firmware:add",
                result="stored" if new else "exists",
                http_status=0,
                detail=f"{info.sha256} {info.vendor} {info.kind} {info.version}",
            )
        )
    print(
        f"{'stored' if new else 'already stored'}: {info.sha256} {info.vendor} {info.kind}"
        f" {info.version} ({info.size} bytes) for {', '.join(info.models)}"
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with migrated_engine(load_settings()) as engine:
        images = ImageStore(engine, 0).list()
    for info in images:
        print(
            f"{info.sha256}  {info.kind:<7} {info.vendor:<12} {info.version:<10}"
            f" {info.size:>9}  {', '.join(info.models)}"
        )
    if not images:
        print("no firmware images")
    return 0
