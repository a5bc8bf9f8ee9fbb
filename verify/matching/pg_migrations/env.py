"""Alembic environment of the PostgreSQL index (``store_pg.migrate`` passes the open connection).

New schema revision: ``alembic -x url=postgresql://... revision -m "what changes"`` is not needed;
add a file to ``versions/`` with the next ``revision`` / ``down_revision`` (see ``0001``), keep
``store_pg.tables()`` equal to the newest revision, and `verify index migrate URL` applies it.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("verify's migrations run through `verify index migrate URL`")
context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
