"""Bearer tokens: who is calling, and whether their role may do this.

401 for a missing, malformed, unknown, revoked or expired token (with
``WWW-Authenticate: Bearer``); 403 for a valid token of the wrong role.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.db.loop_calls import LoopCalls
from hub.registry.tokens import TokenIdentity, authenticate_token

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="`hub token operator|resident` mints one; send `Authorization: Bearer hub_...`",
)


@dataclass(frozen=True, slots=True)
class Operator:
    """Staff: every query is limited to the subtree of ``scope_path``."""

    token_id: int
    scope_path: str

    @property
    def actor(self) -> str:
        return f"operator-token:{self.token_id}"


@dataclass(frozen=True, slots=True)
class ResidentCaller:
    token_id: int
    resident_id: int
    building_id: int

    @property
    def actor(self) -> str:
        return f"resident:{self.resident_id}"


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def identify(
    calls: LoopCalls, credentials: HTTPAuthorizationCredentials | None
) -> TokenIdentity:
    """The identity behind the request's bearer token, or a 401. One indexed read, made
    from the loop (:mod:`hub.db.loop_calls`)."""
    if credentials is None:
        raise unauthorized("a bearer token is required")
    raw_token = credentials.credentials
    identity = await calls.read(lambda conn: authenticate_token(conn, raw_token))
    if identity is None:
        raise unauthorized("the token is unknown, revoked or expired")
    return identity


def as_operator(identity: TokenIdentity) -> Operator:
    if identity.role != "operator" or identity.scope_path is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an operator token")
    return Operator(identity.token_id, identity.scope_path)


def as_resident(identity: TokenIdentity) -> ResidentCaller:
    if identity.role != "resident" or identity.resident_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs a resident token")
    assert identity.building_id is not None
    return ResidentCaller(identity.token_id, identity.resident_id, identity.building_id)
