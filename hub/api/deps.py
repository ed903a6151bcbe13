"""Dependencies of the routes, as ``Annotated`` aliases.

``ContextDep`` and ``RuntimeDep`` give the API's parts and the hub's; ``SessionDep`` a
registry session for the request; ``OperatorDep`` and ``ResidentDep`` authenticate the
bearer token and require its role (401 without a valid token, 403 for the other role).
Cheap dependencies are ``async`` so they run on the loop (the token lookup too: see
:mod:`hub.db.loop_calls`); the registry session is a plain function, which FastAPI runs in
its thread pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session

from hub.api.auth import (
    Operator,
    ResidentCaller,
    as_operator,
    as_resident,
    bearer_scheme,
    identify,
)
from hub.api.context import ApiContext
from hub.registry.tokens import TokenIdentity
from hub.runtime import HubRuntime


async def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.api
    return context


ContextDep = Annotated[ApiContext, Depends(get_context)]


async def get_runtime(context: ContextDep) -> HubRuntime:
    return context.runtime


RuntimeDep = Annotated[HubRuntime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with Session(runtime.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def get_identity(runtime: RuntimeDep, credentials: Credentials) -> TokenIdentity:
    return await identify(runtime.loop_calls, credentials)


IdentityDep = Annotated[TokenIdentity, Depends(get_identity)]


async def get_operator(identity: IdentityDep) -> Operator:
    return as_operator(identity)


async def get_resident(identity: IdentityDep) -> ResidentCaller:
    return as_resident(identity)


OperatorDep = Annotated[Operator, Depends(get_operator)]
ResidentDep = Annotated[ResidentCaller, Depends(get_resident)]
