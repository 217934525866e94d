"""Indexes for the operators' keyset pages of unzrInfos (by inserted_at or updated_at, id breaking ties).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("unzr_info_inserted_at_id_idx", "unzr_info", ["inserted_at", "id"])
    op.create_index("unzr_info_updated_at_id_idx", "unzr_info", ["updated_at", "id"])


def downgrade() -> None:
    op.drop_index("unzr_info_updated_at_id_idx", table_name="unzr_info")
    op.drop_index("unzr_info_inserted_at_id_idx", table_name="unzr_info")
