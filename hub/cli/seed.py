"""``hub seed``: create the demo fleet of Wuxi (deterministic per ``--seed``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.config import load_settings
from hub.errors import RegistryError
from hub.registry.database import migrated_engine
from hub.registry.fleet_plan import FleetSize
from hub.registry.secrets_file import DEFAULT_SECRETS_PATH
from hub.registry.seeding import seed_registry


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "seed",
        help="fill an empty registry with a realistic fleet (2000 devices, ~20,000 residents)",
        description="Fill an empty registry with a realistic fleet. The same seed gives the "
        "same fleet; device passwords and resident PINs are random and written once to the "
        "secrets file (mode 0600), never printed.",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--secrets",
        type=Path,
        default=DEFAULT_SECRETS_PATH,
        help=f"where to write generated secrets (default ./{DEFAULT_SECRETS_PATH})",
    )
    parser.add_argument(
        "--force", action="store_true", help="wipe the registry tables first if not empty"
    )
    default = FleetSize()
    parser.add_argument(
        "--communities",
        type=int,
        default=default.communities,
        help=f"number of communities (default {default.communities})",
    )
    parser.add_argument(
        "--residents-per-building",
        type=int,
        default=default.residents_per_building,
        help=f"average residents per building (default {default.residents_per_building})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        size = FleetSize(
            communities=args.communities, residents_per_building=args.residents_per_building
        )
    except ValueError as exc:
        raise RegistryError(str(exc)) from exc
    with migrated_engine(settings) as engine:
        report = seed_registry(
            engine,
            secret_key=settings.effective_secret_key,
            seed=args.seed,
            secrets_path=args.secrets,
            size=size,
            force=args.force,
        )
    print(report.summary())
    return 0
