"""photo report copy

Processing a photo also stores the copy the reports embed as it is (scaled to the appendix, the
stamped copy where there is one), with its size, so that building a report copies bytes and
decodes nothing. Photos processed before have none and are scaled when a report is built.

Revision ID: c7d2e5f81a94
Revises: d9d3a3f89b0e
Create Date: 2026-12-06 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e5f81a94'
down_revision = 'd9d3a3f89b0e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_path', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('report_width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('report_height', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('report_height')
        batch_op.drop_column('report_width')
        batch_op.drop_column('report_path')
