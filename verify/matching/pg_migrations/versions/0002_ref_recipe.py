"""refs.recipe: the version of how each reference was fingerprinted (``prints.RECIPE_VERSION``).

Existing references get the version their stored prints show (``prints.recipe_of``: a photo added
before its pan-and-zoom crops is recipe 1, and ``verify index stats/list`` and the search then say it
is outdated and how to refresh it); meta's ``schema`` becomes 2, as the SQLite file's.

Revision ID: 0002
Revises: 0001
"""

import numpy as np
import sqlalchemy as sa
from alembic import op

from verify.fingerprint.prints import recipe_of

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("refs", sa.Column("recipe", sa.Integer, nullable=False, server_default="1"))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT r.id, r.kind, p.variant FROM refs r JOIN prints p ON p.ref_id = r.id "
                                "WHERE r.kind = 'image'")).all()
    for ref_id, kind, variant in rows:
        conn.execute(sa.text("UPDATE refs SET recipe = :v WHERE id = :i"),
                     {"v": recipe_of(kind, np.frombuffer(bytes(variant), np.int16)), "i": ref_id})
    conn.execute(sa.text("UPDATE meta SET value = '2' WHERE key = 'schema'"))


def downgrade() -> None:
    op.drop_column("refs", "recipe")
    op.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
