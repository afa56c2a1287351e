"""photo processing

Photos are processed by a background task after upload: a status (processing, ready, refused),
the reason a photo was refused, and where its bytes as uploaded wait until then.

Revision ID: a4e1c9d27b53
Revises: 3f6a0c2d8e71
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4e1c9d27b53'
down_revision = '3f6a0c2d8e71'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('processing', 'ready', 'refused', name='filestatus',
                                                        native_enum=False, create_constraint=False, length=24),
                                      server_default='ready', nullable=False))
        batch_op.add_column(sa.Column('refused_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('original_path', sa.String(length=256), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_status'))
        batch_op.drop_column('original_path')
        batch_op.drop_column('refused_reason')
        batch_op.drop_column('status')
