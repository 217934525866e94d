"""The GraphQL types of the contract (and the few fields added beside it), built from `UnzrInfoRecord`.

The stored `info` is the register's person record as received, keys named after its elements. It is
third-party data, so each field is read defensively: a value of an unexpected shape becomes null
instead of failing the whole answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from api.global_ids import encode_global_id
from api.permissions import CanReadUnzr
from api.temporal_links import run_history_url
from db.audit_store import AuditAction
from db.records import UnzrInfoRecord
from settings import Settings

UNZR_INFO_TYPE_NAME = "UnzrInfo"


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@strawberry.type(description="A document of the person as the register lists it.")
class UnzrInfoDocument:
    type: str | None
    number: str | None
    date_issue: str | None
    date_expiry: str | None
    dep_issue: str | None

    @classmethod
    def from_register(cls, document: dict[str, Any]) -> UnzrInfoDocument:
        return cls(
            type=_text(document.get("type")),
            number=_text(document.get("number")),
            date_issue=_text(document.get("date_issue")),
            date_expiry=_text(document.get("date_expiry")),
            dep_issue=_text(document.get("dep_issue")),
        )


@strawberry.type(description="The person record the EIS MVS register returned for the UNZR.")
class UnzrInfoDetails:
    first_name: str | None
    last_name: str | None
    middle_name: str | None
    rnokpp: str | None
    gender: str | None
    date_birth: str | None
    documents: list[UnzrInfoDocument] | None

    @classmethod
    def from_register(cls, person: dict[str, Any]) -> UnzrInfoDetails:
        documents = person.get("documents")
        if isinstance(documents, dict):
            documents = [documents]
        return cls(
            first_name=_text(person.get("first_name")),
            last_name=_text(person.get("last_name")),
            middle_name=_text(person.get("middle_name")),
            rnokpp=_text(person.get("rnokpp")),
            gender=_text(person.get("gender")),
            date_birth=_text(person.get("date_birth")),
            documents=[UnzrInfoDocument.from_register(item) for item in documents if isinstance(item, dict)]
            if isinstance(documents, list)
            else None,
        )


@strawberry.type(description="Why the last sync failed: codes and the X-Road message id, no personal data.")
class UnzrInfoLastError:
    code: str | None
    kind: str | None = strawberry.field(description="`transient` (retried, then given up) or `permanent`.")
    message_id: str | None = strawberry.field(description="X-Road message id of the failed call.")

    @classmethod
    def from_stored(cls, error: dict[str, Any]) -> UnzrInfoLastError:
        return cls(
            code=_text(error.get("code")),
            kind=_text(error.get("kind")),
            message_id=_text(error.get("message_id")) or None,
        )


def _shown_info(root: UnzrInfo, info: Info[Any, None]) -> UnzrInfoDetails | None:
    # Reached only with `unzr:read` (the field's permission): the person record leaves, so it is noted
    # for the audit trail, which the request writes before it answers.
    if not root.read_recorded:
        info.context.audit.note(root.audit_action, root.database_id)
    return root.details


@strawberry.type(description="What the EIS MVS register holds for one UNZR, and the state of its sync job.")
class UnzrInfo(Node):
    database_id: uuid.UUID
    unzr: str
    job_status: str = strawberry.field(description="`pending`, `processed` or `failed`.")
    # The register's answer needs `unzr:read` field by field: a caller with `unzr:write` alone gets the
    # row the mutation started, with these null and FORBIDDEN errors on their paths.
    info: UnzrInfoDetails | None = strawberry.field(
        resolver=_shown_info,
        description="Null until a sync found the person, and after the register answered with nothing.",
        permission_classes=[CanReadUnzr],
    )
    synced_at: dt.datetime | None = strawberry.field(
        description="When `info` was last synced successfully (found or empty)."
    )
    inserted_at: dt.datetime
    inserted_by: uuid.UUID
    updated_at: dt.datetime
    updated_by: uuid.UUID
    workflow_id: str | None = strawberry.field(description="Temporal workflow id of the sync job.")
    temporal_ui_url: str | None = strawberry.field(
        description="Temporal web UI page of the run that last owned the row."
    )
    last_error: UnzrInfoLastError | None = strawberry.field(
        description="Why the last sync failed; null unless `jobStatus` is `failed`.",
        permission_classes=[CanReadUnzr],
    )
    details: strawberry.Private[UnzrInfoDetails | None]
    # How showing `info` is written in the audit trail: `read`, or `list` under the operators' list.
    audit_action: strawberry.Private[AuditAction]
    # True when the statement that read the row wrote its `read` audit row too (unzrInfoRegister).
    read_recorded: strawberry.Private[bool] = False

    @classmethod
    def from_record(
        cls, record: UnzrInfoRecord, settings: Settings, audit_action: AuditAction = "read"
    ) -> UnzrInfo:
        return cls(
            id=strawberry.ID(encode_global_id(UNZR_INFO_TYPE_NAME, str(record.id))),
            database_id=record.id,
            unzr=record.unzr,
            job_status=record.job_status,
            details=UnzrInfoDetails.from_register(record.info) if isinstance(record.info, dict) else None,
            synced_at=record.synced_at,
            inserted_at=record.inserted_at,
            inserted_by=record.inserted_by,
            updated_at=record.updated_at,
            updated_by=record.updated_by,
            workflow_id=record.workflow_id,
            temporal_ui_url=run_history_url(settings, record.workflow_id, record.run_id),
            last_error=UnzrInfoLastError.from_stored(record.last_error)
            if record.job_status == "failed" and isinstance(record.last_error, dict)
            else None,
            audit_action=audit_action,
        )


@strawberry.input
class SyncUnzrInfoRegisterInput:
    unzr: str


@strawberry.type
class SyncUnzrInfoRegisterPayload:
    unzr_info: UnzrInfo | None


@strawberry.input(description="All given conditions must hold.")
class UnzrInfoFilter:
    job_status: str | None = strawberry.field(default=None, description="`pending`, `processed` or `failed`.")
    synced_before: dt.datetime | None = strawberry.field(
        default=None, description="Rows synced before this moment (exclusive); never-synced rows excluded."
    )
    synced_after: dt.datetime | None = strawberry.field(
        default=None, description="Rows synced at or after this moment; never-synced rows excluded."
    )


@strawberry.enum(description="Columns `unzrInfos` can be ordered by; the row id breaks ties.")
class UnzrInfoOrderField(Enum):
    INSERTED_AT = "inserted_at"
    UPDATED_AT = strawberry.enum_value(
        "updated_at",
        description="A row updated while paging moves in this order, and may be seen twice or missed.",
    )


@strawberry.enum
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input
class UnzrInfoOrder:
    field: UnzrInfoOrderField = UnzrInfoOrderField.INSERTED_AT
    direction: OrderDirection = OrderDirection.DESC


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class UnzrInfoEdge:
    cursor: str
    node: UnzrInfo


@strawberry.type
class UnzrInfoConnection:
    edges: list[UnzrInfoEdge]
    page_info: PageInfo
