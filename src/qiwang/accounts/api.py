"""API: the current user, branches, API tokens, the audit log."""

from datetime import datetime
from typing import ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from qiwang.accounts.choices import Role
from qiwang.accounts.models import ApiToken, AuditEvent, Branch
from qiwang.accounts.permissions import ROLE_PERMISSIONS, Action, require
from qiwang.accounts.services import (
    TokenError,
    TokenNotAllowed,
    create_api_token,
    revoke_api_token,
)
from qiwang.errors import ConflictError, ServiceError
from qiwang.project.api import ERRORS, WRITE_ERRORS, Pagination
from qiwang.project.api_conventions import CreatedFilter

router = Router(tags=["accounts"])


class BranchOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    is_administrator: bool
    branches: list[BranchOut]
    permissions: list[str]


class TokenIn(Schema):
    name: str
    expires_at: datetime | None = None
    can_create_tokens: bool = False


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    can_create_tokens: bool
    expires_soon: bool = Field(
        description="Active and expiring within QIWANG_API_TOKEN_WARN_DAYS days (14 by default)."
    )


class TokenCreatedOut(TokenOut):
    key: str


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    branch_id: int | None
    changes: dict


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The authenticated user")
def me(request: HttpRequest):
    user = request.user
    visible = user.visible_branch_ids()
    branches = Branch.objects.all() if visible is None else Branch.objects.filter(pk__in=visible)
    role_actions = (
        list(Action) if user.is_administrator else ROLE_PERMISSIONS.get(Role(user.role), [])
    )
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "role": user.role,
        "is_administrator": user.is_administrator,
        "branches": list(branches),
        "permissions": sorted(action.value for action in role_actions),
    }


@router.get("/branches", response={200: list[BranchOut], **ERRORS}, summary="Visible branches")
@paginate(Pagination)
def list_branches(request: HttpRequest):
    return Branch.objects.for_user(request.user).order_by("code")


@router.get(
    "/tokens",
    response={200: list[TokenOut], **ERRORS},
    summary="Your API tokens",
    description="`expires_soon` warns of active tokens expiring within "
    "QIWANG_API_TOKEN_WARN_DAYS days: create a replacement before then.",
)
@paginate(Pagination)
def list_tokens(request: HttpRequest):
    return ApiToken.objects.filter(user=request.user)


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **WRITE_ERRORS},
    summary="Create an API token (the key is shown only in this response)",
    description=(
        "A new token expires after QIWANG_API_TOKEN_DAYS (90 by default) unless `expires_at` "
        "says otherwise. A request authenticated by a token may create tokens only when that "
        "token was created with `can_create_tokens` (403 otherwise)."
    ),
)
def create_token(request: HttpRequest, payload: TokenIn):
    try:
        issued = create_api_token(
            user=request.user,
            name=payload.name,
            expires_at=payload.expires_at,
            can_create_tokens=payload.can_create_tokens,
            via_token=getattr(request, "api_token", None),
        )
    except TokenNotAllowed as error:
        raise HttpError(403, str(error).partition(": ")[2]) from None
    except TokenError as error:
        field, _sep, message = str(error).partition(": ")
        if field == "expires_at":
            raise ServiceError(message, field=field) from None
        raise ConflictError(message, field=field) from None
    token = issued.token
    return Status(201, {**TokenOut.from_orm(token).dict(), "key": issued.key})


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, **WRITE_ERRORS},
    summary="Revoke one of your API tokens",
)
def revoke_token(request: HttpRequest, token_id: int):
    queryset = ApiToken.objects.all()
    if not request.user.is_administrator:
        queryset = queryset.filter(user=request.user)
    token = get_object_or_404(queryset, pk=token_id)
    try:
        return revoke_api_token(token=token, actor=request.user)
    except TokenError as error:
        raise ConflictError(str(error).partition(": ")[2], field="token") from None


class AuditEventFilter(CreatedFilter):
    """``created_after`` is the time of the event; newest first unless ``ordering`` says."""

    created_field: ClassVar[str] = "at"

    ordering: Literal["at", "-at"] | None = None
    object_type: str | None = Field(None, max_length=60, description="e.g. customer, complaint")
    action: str | None = Field(None, max_length=60, description="e.g. tier_change_confirmed")


@router.get(
    "/audit-events",
    response={200: list[AuditEventOut], **ERRORS},
    summary="The audit log of your branches",
)
@paginate(Pagination)
def list_audit_events(request: HttpRequest, filters: Query[AuditEventFilter]):
    require(request.user, Action.VIEW_AUDIT_LOG)
    return filters.filter(AuditEvent.objects.for_user(request.user))
