"""read api indexes

The read API for other systems (/api/v1/data/…) walks campaigns, schools, visits, findings and
rectifications in the order (updated_at, id) and filters them by updated_at; an index on the pair
lets a page start where the last one ended without reading the rows before it. Every one of these
tables has had updated_at from the start, set on insert and on every change, so nothing is backfilled.

Revision ID: b8e4f2a61c07
Revises: c7d2e5f81a94
Create Date: 2026-12-06 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e4f2a61c07'
down_revision = 'c7d2e5f81a94'
branch_labels = None
depends_on = None

TABLES = ('campaigns', 'schools', 'visits', 'findings', 'rectifications')


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_updated_at_id', table, ['updated_at', 'id'], unique=False)


def downgrade():
    for table in reversed(TABLES):
        op.drop_index(f'ix_{table}_updated_at_id', table_name=table)
