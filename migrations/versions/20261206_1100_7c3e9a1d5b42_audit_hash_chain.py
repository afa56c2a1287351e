"""audit log hash chain: prev_hash and hash on every entry, existing entries chained in id order

Revision ID: 7c3e9a1d5b42
Revises: f318e320c6f7
Create Date: 2026-12-06 11:00:00

The canonical form below is a copy of ``inspect_app.audit.chain.canonical`` as it was when this
migration was written; a migration must not depend on application code that may change later.
The append-only triggers are lifted while the existing rows are sealed and restored afterwards.
"""
import hashlib
import json
from datetime import timezone

import sqlalchemy as sa
from alembic import op


revision = '7c3e9a1d5b42'
down_revision = 'f318e320c6f7'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
FIELDS = ("id", "created_at", "actor_id", "actor_name", "action", "object_type", "object_id", "school_id",
          "campaign_id", "before", "after", "note", "prev_hash")
BATCH = 1000

entries = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer), sa.column("actor_name", sa.String),
    sa.column("action", sa.String), sa.column("object_type", sa.String), sa.column("object_id", sa.Integer),
    sa.column("school_id", sa.Integer), sa.column("campaign_id", sa.Integer),
    sa.column("before", sa.JSON), sa.column("after", sa.JSON), sa.column("note", sa.Text),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
)


def _canonical(row):
    doc = {name: row[name] for name in FIELDS}
    at = doc["created_at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    doc["created_at"] = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _lift_triggers(dialect):
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
    elif dialect == "sqlite":
        # Both go: rebuilding the table below (SQLite's ALTER) would drop them anyway.
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")


def _restore_triggers(dialect):
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only")
    elif dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_entries_no_{verb.lower()}
                BEFORE {verb} ON audit_entries
                BEGIN
                    SELECT RAISE(ABORT, 'audit_entries is append-only');
                END
            """)


def _chain_existing_rows(bind):
    prev_hash, last_id = GENESIS, 0
    columns = [entries.c[name] for name in FIELDS if name != "prev_hash"]
    while True:
        rows = bind.execute(sa.select(*columns).where(entries.c.id > last_id)
                            .order_by(entries.c.id).limit(BATCH)).mappings().all()
        if not rows:
            break
        for row in rows:
            values = dict(row, prev_hash=prev_hash)
            digest = hashlib.sha256(_canonical(values)).hexdigest()
            bind.execute(entries.update().where(entries.c.id == row["id"])
                         .values(prev_hash=prev_hash, hash=digest))
            prev_hash, last_id = digest, row["id"]


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    _lift_triggers(dialect)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_rows(bind)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
    _restore_triggers(dialect)


def downgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    _lift_triggers(dialect)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _restore_triggers(dialect)
