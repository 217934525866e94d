"""The access audit trail: unzr_info_audit, append-only (a trigger refuses UPDATE and TRUNCATE).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unzr_info_audit",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("clock_timestamp()"),
        ),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("unzr_info_id", UUID(as_uuid=True), nullable=True),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.CheckConstraint("action IN ('sync', 'read', 'list')", name="unzr_info_audit_action_check"),
    )
    op.create_index("unzr_info_audit_unzr_info_id_idx", "unzr_info_audit", ["unzr_info_id", "occurred_at"])
    op.create_index("unzr_info_audit_occurred_at_idx", "unzr_info_audit", ["occurred_at"])
    # Append-only in the database itself, not only by the code's good manners: rows are never rewritten,
    # and only the operator's prune (a DELETE by age) removes them.
    op.execute(
        """
        CREATE FUNCTION unzr_info_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'unzr_info_audit is append-only: % refused', TG_OP;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER unzr_info_audit_no_update BEFORE UPDATE ON unzr_info_audit "
        "FOR EACH ROW EXECUTE FUNCTION unzr_info_audit_is_append_only()"
    )
    op.execute(
        "CREATE TRIGGER unzr_info_audit_no_truncate BEFORE TRUNCATE ON unzr_info_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION unzr_info_audit_is_append_only()"
    )


def downgrade() -> None:
    op.drop_table("unzr_info_audit")
    op.execute("DROP FUNCTION unzr_info_audit_is_append_only()")
