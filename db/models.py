"""The SQLAlchemy models: `unzr_info`, as the GraphQL contract describes the table, and its access
audit trail `unzr_info_audit`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JOB_STATUSES = ("pending", "processed", "failed")


class Base(DeclarativeBase):
    pass


class UnzrInfo(Base):
    __tablename__ = "unzr_info"
    __table_args__ = (
        CheckConstraint(
            "job_status IN ('pending', 'processed', 'failed')", name="unzr_info_job_status_check"
        ),
        Index("unzr_info_job_status_idx", "job_status"),
        Index("unzr_info_synced_at_idx", "synced_at"),
        Index("unzr_info_inserted_at_id_idx", "inserted_at", "id"),
        Index("unzr_info_updated_at_id_idx", "updated_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    unzr: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    job_status: Mapped[str] = mapped_column(String(16), nullable=False)
    # none_as_null: None is stored as SQL NULL (what `info IS NULL` finds), not as the JSON value null.
    info: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True), nullable=True)
    synced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    inserted_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    updated_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    inserted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Beyond the contract: which Temporal run owns the row, so a late write of an earlier run cannot
    # overwrite a later one, and what the last failure was (codes and message id only, never the answer).
    workflow_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    run_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True), nullable=True)


AUDIT_ACTIONS = ("sync", "read", "list")


class UnzrInfoAudit(Base):
    """Who started a sync of, or was shown, a person's record: append-only (a trigger refuses UPDATE and
    TRUNCATE); rows leave only through `unzr-sync audit prune`. No foreign key to `unzr_info`: the trail
    outlives the rows it speaks of."""

    __tablename__ = "unzr_info_audit"
    __table_args__ = (
        CheckConstraint("action IN ('sync', 'read', 'list')", name="unzr_info_audit_action_check"),
        Index("unzr_info_audit_unzr_info_id_idx", "unzr_info_id", "occurred_at"),
        Index("unzr_info_audit_occurred_at_idx", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("clock_timestamp()")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    unzr_info_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    request_id: Mapped[str | None] = mapped_column(Text, nullable=True)
