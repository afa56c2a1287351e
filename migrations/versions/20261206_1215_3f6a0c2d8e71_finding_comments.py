"""finding comments

The conversation on a finding between the school and its supervisors.

Revision ID: 3f6a0c2d8e71
Revises: 7c3e91a4d2b8
Create Date: 2026-12-06 12:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6a0c2d8e71'
down_revision = '7c3e91a4d2b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('finding_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_finding_comments_author_id_users')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_finding_comments_finding_id_findings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding_comments'))
    )
    with op.batch_alter_table('finding_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_comments_finding_id'), ['finding_id'], unique=False)


def downgrade():
    with op.batch_alter_table('finding_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_comments_finding_id'))
    op.drop_table('finding_comments')
