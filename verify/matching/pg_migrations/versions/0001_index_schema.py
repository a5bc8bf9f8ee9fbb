"""The first schema of the PostgreSQL index: meta, refs, prints (as the SQLite file's schema 1).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("meta", sa.Column("key", sa.Text, primary_key=True), sa.Column("value", sa.Text, nullable=False))
    op.create_table(
        "refs",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("path", sa.Text, nullable=False), sa.Column("title", sa.Text), sa.Column("date", sa.Text),
        sa.Column("source", sa.Text), sa.Column("kind", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False, unique=True),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("duration_s", sa.Float), sa.Column("fps", sa.Float), sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer), sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("prints", sa.Integer, nullable=False), sa.Column("added_at", sa.Text, nullable=False))
    op.create_table(
        "prints",
        sa.Column("ref_id", sa.BigInteger, sa.ForeignKey("refs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("area", sa.Text, nullable=False), sa.Column("times", sa.LargeBinary, nullable=False),
        sa.Column("thumb_shape", sa.Text, nullable=False), sa.Column("thumbs", sa.LargeBinary, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False), sa.Column("sample", sa.LargeBinary, nullable=False),
        sa.Column("variant", sa.LargeBinary, nullable=False), sa.Column("quality", sa.LargeBinary, nullable=False))
    # the fingerprint blobs are already compact (and the thumbnails zlib-compressed): TOAST's own
    # compression would spend CPU on every read for nothing
    for column in ("times", "thumbs", "hashes", "sample", "variant", "quality"):
        op.execute(f"ALTER TABLE prints ALTER COLUMN {column} SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("prints")
    op.drop_table("refs")
    op.drop_table("meta")
