"""Turn an operator's campaign request into its settings and planned waves (synchronous:
reads the registry and the image).

The image decides the kind; the models default to the ones the image fits, and naming a
model it does not fit is refused. Places are node codes inside the operator's scope.
Devices already running the image's version are left out; a request that matches no
device is refused, so an empty campaign is never created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from hub.errors import HubError
from hub.firmware import evidence
from hub.firmware.campaign_store import CampaignSettings
from hub.firmware.images import ImageInfo, ImageStore
from hub.firmware.plan import Planned, Target, plan_waves, wave_count
from hub.firmware.rollout import RolloutRules
from hub.registry.queries import in_scope


class CampaignRefused(HubError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CampaignRequest:
    name: str
    image: str
    models: Sequence[str]
    version_min: str | None
    version_max: str | None
    places: Sequence[str]
    rules: RolloutRules


@dataclass(frozen=True, slots=True)
class Prepared:
    settings: CampaignSettings
    image: ImageInfo
    planned: list[Planned]
    waves: int


def prepare(
    engine: Engine, images: ImageStore, request: CampaignRequest, scope_path: str
) -> Prepared:
    image = images.get(request.image)
    if image is None:
        raise CampaignRefused("image", f"no firmware image {request.image}")
    models = tuple(request.models) or image.models
    unfit = sorted(set(models) - set(image.models))
    if unfit:
        raise CampaignRefused("models", f"the image does not fit {', '.join(unfit)}")
    found = evidence.place_paths(engine, list(request.places))
    unknown = [code for code in request.places if code not in found]
    outside = [code for code, path in found.items() if not in_scope(scope_path, path)]
    if unknown or outside:
        raise CampaignRefused("places", f"not in your scope: {', '.join(unknown + outside)}")
    paths = tuple(found[code] for code in request.places) or (scope_path,)
    target = Target(
        kind=image.kind,
        models=models,
        version_min=request.version_min,
        version_max=request.version_max,
        places=paths,
        vendor=image.vendor,
    )
    devices = [
        d
        for d in evidence.candidates(engine, image.kind, paths, models)
        if in_scope(scope_path, d.path) and target.matches(d, image.version)
    ]
    if not devices:
        raise CampaignRefused("places", "no device matches: nothing to update")
    planned = plan_waves(
        devices, request.rules.canary_share, request.rules.wave_size, seed=request.name
    )
    settings = CampaignSettings(
        name=request.name,
        image_sha256=image.sha256,
        kind=image.kind,
        target={
            "models": list(models),
            "vendor": image.vendor,
            "version_min": request.version_min,
            "version_max": request.version_max,
            "places": list(request.places),
        },
        scope_path=scope_path,
        rules=request.rules,
    )
    return Prepared(settings, image, planned, wave_count(planned))
