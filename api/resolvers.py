"""What each root field does. The scope checks sit on the fields (api/permissions.py) and run first."""

from __future__ import annotations

import asyncio
import uuid

import strawberry
from graphql import FieldNode
from strawberry.types import Info

from api.audit import current_request_id
from api.context import RequestContext
from api.errors import InputError, UnprocessableEntity, invalid_input
from api.global_ids import MalformedGlobalId, decode_global_id
from api.listing import ListFilter
from api.pagination import (
    DEFAULT_PAGE_SIZE,
    BadCursor,
    Position,
    SortColumn,
    decode_cursor,
    encode_cursor,
    page_size,
)
from api.permissions import UNZR_READ
from api.types import (
    UNZR_INFO_TYPE_NAME,
    Node,
    OrderDirection,
    PageInfo,
    SyncUnzrInfoRegisterInput,
    SyncUnzrInfoRegisterPayload,
    UnzrInfo,
    UnzrInfoConnection,
    UnzrInfoEdge,
    UnzrInfoFilter,
    UnzrInfoOrder,
    UnzrInfoOrderField,
)
from db.records import JobStatus
from unzr import InvalidUnzr, validate_unzr

# The mutation waits for step 1 only; a worker that does not pick the job up within this long is an
# outage, reported as such instead of holding the request open. The job itself stays started.
STEP_ONE_DEADLINE_SECONDS = 30.0

Ctx = Info[RequestContext, None]

_JOB_STATUSES: dict[str, JobStatus] = {"pending": "pending", "processed": "processed", "failed": "failed"}
_SORT_COLUMNS = {
    UnzrInfoOrderField.INSERTED_AT: SortColumn.INSERTED_AT,
    UnzrInfoOrderField.UPDATED_AT: SortColumn.UPDATED_AT,
}


def _valid_unzr(unzr: str, *path: str) -> str:
    try:
        return validate_unzr(unzr)
    except InvalidUnzr as error:
        # InvalidUnzr's messages say what is wrong without repeating the value.
        raise invalid_input(str(error), *path) from None


def _list_filter(given: UnzrInfoFilter | None) -> ListFilter:
    if given is None:
        return ListFilter()
    errors = []
    job_status = None
    if given.job_status is not None:
        job_status = _JOB_STATUSES.get(given.job_status)
        if job_status is None:
            errors.append(
                InputError("jobStatus must be pending, processed or failed", ("filter", "jobStatus"))
            )
    for name, moment in (("syncedBefore", given.synced_before), ("syncedAfter", given.synced_after)):
        if moment is not None and moment.tzinfo is None:
            errors.append(InputError(f"{name} must carry a time zone offset", ("filter", name)))
    if errors:
        raise UnprocessableEntity(errors)
    return ListFilter(
        job_status=job_status, synced_before=given.synced_before, synced_after=given.synced_after
    )


def _asks_for_info(info: Ctx) -> bool:
    """Whether the query selects `info` of the row directly, under any alias and whatever its directives
    say (a fragment is left to the field's own audit note, written after the operation).

    Read from graphql-core's field nodes: strawberry's `info.selected_fields` converts the whole
    selection (arguments, directives, every subfield) on each call, and that conversion was a sixth of
    the read path's CPU (docs/benchmark.md, issue 14)."""
    return any(
        isinstance(selection, FieldNode) and selection.name.value == "info"
        for node in info._raw_info.field_nodes
        if node.selection_set is not None
        for selection in node.selection_set.selections
    )


async def unzr_info_register(info: Ctx, unzr: str) -> UnzrInfo | None:
    services = info.context.services
    valid = _valid_unzr(unzr, "unzr")
    principal = await info.context.principal()
    if not (_asks_for_info(info) and UNZR_READ in principal.scopes):
        record = await services.store.get_by_unzr(valid)
        return UnzrInfo.from_record(record, services.settings) if record is not None else None
    # The person record will be shown: read the row and write the `read` in one statement. If that
    # fails, the field fails as a whole (masked INTERNAL_SERVER_ERROR): no row, no unaudited data.
    record = await services.audit.read_recorded(
        valid, user_id=principal.user_id, request_id=current_request_id()
    )
    if record is None:
        return None
    shown = UnzrInfo.from_record(record, services.settings)
    shown.read_recorded = True
    return shown


async def node(info: Ctx, id: strawberry.ID) -> Node | None:
    try:
        global_id = decode_global_id(id)
        if global_id.type_name != UNZR_INFO_TYPE_NAME:
            return None
        record_id = uuid.UUID(global_id.key)
    except (MalformedGlobalId, ValueError):
        raise invalid_input("id is not a global id of this API", "id") from None
    services = info.context.services
    record = await services.store.get_by_id(record_id)
    return UnzrInfo.from_record(record, services.settings) if record is not None else None


async def unzr_infos(
    info: Ctx,
    first: int | None = DEFAULT_PAGE_SIZE,
    after: str | None = None,
    filter: UnzrInfoFilter | None = None,
    order_by: UnzrInfoOrder | None = None,
) -> UnzrInfoConnection:
    try:
        limit = page_size(first)
    except ValueError as error:
        raise invalid_input(str(error), "first") from None
    list_filter = _list_filter(filter)
    order = order_by or UnzrInfoOrder()
    column = _SORT_COLUMNS[order.field]
    try:
        position = decode_cursor(after, column) if after is not None else None
    except BadCursor as error:
        raise invalid_input(str(error), "after") from None
    services = info.context.services
    page = await services.listing.page(
        list_filter=list_filter,
        column=column,
        descending=order.direction is OrderDirection.DESC,
        after=position,
        limit=limit,
    )
    edges = []
    for record in page.records:
        sort_value = record.inserted_at if column is SortColumn.INSERTED_AT else record.updated_at
        cursor = encode_cursor(Position(column=column, value=sort_value, id=record.id))
        node = UnzrInfo.from_record(record, services.settings, audit_action="list")
        edges.append(UnzrInfoEdge(cursor=cursor, node=node))
    return UnzrInfoConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def sync_unzr_info_register(
    info: Ctx, input: SyncUnzrInfoRegisterInput
) -> SyncUnzrInfoRegisterPayload | None:
    # Validated before anything else touches the UNZR: an invalid one writes nothing and starts nothing.
    unzr = _valid_unzr(input.unzr, "input", "unzr")
    principal = await info.context.principal()
    services = info.context.services
    async with asyncio.timeout(STEP_ONE_DEADLINE_SECONDS):
        record, _ = await services.starter.start_and_wait_pending(unzr, principal.user_id)
    info.context.audit.note("sync", record.id)
    return SyncUnzrInfoRegisterPayload(unzr_info=UnzrInfo.from_record(record, services.settings))
