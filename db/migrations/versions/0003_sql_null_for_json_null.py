"""Store SQL NULL, not the JSON value null, in unzr_info.info and unzr_info.last_error.

Rows written before the model stored None as SQL NULL hold `'null'::jsonb`, which `info IS NULL` does
not find. Nothing is lost: the JSON value null carried no information.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE unzr_info SET info = NULL WHERE jsonb_typeof(info) = 'null'")
    op.execute("UPDATE unzr_info SET last_error = NULL WHERE jsonb_typeof(last_error) = 'null'")


def downgrade() -> None:
    # SQL NULL is what the column held for "no value" all along; there is nothing to restore.
    pass
