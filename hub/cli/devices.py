"""``hub devices export|import``: the device registry as CSV (see hub.registry.csv_io)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlmodel import Session

from hub.config import load_settings
from hub.errors import RegistryError
from hub.registry import secrets_file
from hub.registry.csv_io import COLUMNS, export_devices, import_devices
from hub.registry.database import migrated_engine
from hub.registry.errors import ImportRejected


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "devices", help="export or import the device registry as CSV"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    export = actions.add_parser(
        "export", help="write every device as CSV", description=f"Columns: {','.join(COLUMNS)}."
    )
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.set_defaults(handler=run_export)

    importer = actions.add_parser(
        "import",
        help="add or update devices from CSV (all rows or none)",
        description=f"Columns: {','.join(COLUMNS)}. Every row is checked first; any bad row "
        "is reported with its line and field and nothing is imported. New devices get a "
        "random MQTT password, added to the --secrets file.",
    )
    importer.add_argument("file", type=Path, help="CSV file with a header row")
    importer.add_argument(
        "--secrets", type=Path, help="JSON file to add new devices' MQTT passwords to"
    )
    importer.set_defaults(handler=run_import)


def run_export(args: argparse.Namespace) -> int:
    with migrated_engine(load_settings()) as engine, Session(engine) as session:
        if args.out is None:
            count = export_devices(session, sys.stdout)
        else:
            with _open(args.out, "w") as out:
                count = export_devices(session, out)
    if args.out is not None:
        print(f"exported {count} devices to {args.out}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    with (
        migrated_engine(load_settings()) as engine,
        Session(engine) as session,
        _open(args.file, "r") as source,
    ):
        try:
            result = import_devices(session, source)
        except ImportRejected as rejected:
            for error in rejected.errors:
                print(f"hub: error: {error}", file=sys.stderr)
            raise
        except UnicodeDecodeError as exc:
            raise RegistryError(f"{args.file} is not UTF-8 text") from exc
        staged = None
        if result.passwords:
            if args.secrets is None:
                raise RegistryError(
                    f"{len(result.passwords)} new devices need --secrets FILE to receive "
                    "their MQTT passwords: nothing imported"
                )
            document = secrets_file.with_devices(secrets_file.load(args.secrets), result.passwords)
            staged = secrets_file.stage(args.secrets, document)
        try:
            session.commit()
        except BaseException:
            if staged is not None:
                secrets_file.discard(staged)
            raise
        if staged is not None:
            secrets_file.publish(staged, args.secrets)
    print(
        f"imported {len(result.created) + len(result.updated)} devices: "
        f"{len(result.created)} new, {len(result.updated)} updated"
        + (f"; new passwords added to {args.secrets}" if result.passwords else "")
    )
    return 0


def _open(path: Path, mode: Literal["r", "w"]) -> TextIO:
    """Open a CSV file (reading accepts the byte-order mark spreadsheets write)."""
    try:
        if mode == "r":
            return path.open("r", encoding="utf-8-sig", newline="")
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise RegistryError(f"cannot open {path}: {exc.strerror}") from exc
