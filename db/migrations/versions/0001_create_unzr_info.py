"""Create unzr_info.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unzr_info",
        sa.Column(
            "id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")
        ),
        sa.Column("unzr", sa.Text(), nullable=False),
        sa.Column("job_status", sa.String(16), nullable=False),
        sa.Column("info", postgresql.JSONB(), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inserted_by", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("updated_by", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("inserted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workflow_id", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.Column("run_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", postgresql.JSONB(), nullable=True),
        sa.UniqueConstraint("unzr", name="unzr_info_unzr_key"),
        sa.CheckConstraint(
            "job_status IN ('pending', 'processed', 'failed')", name="unzr_info_job_status_check"
        ),
    )
    op.create_index("unzr_info_job_status_idx", "unzr_info", ["job_status"])
    op.create_index("unzr_info_synced_at_idx", "unzr_info", ["synced_at"])


def downgrade() -> None:
    op.drop_table("unzr_info")
