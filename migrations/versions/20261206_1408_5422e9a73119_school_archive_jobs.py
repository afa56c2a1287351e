"""school archive jobs

A school's aid archive (资助档案) built in the background for the person who asked for it.

Revision ID: 5422e9a73119
Revises: a4e1c9d27b53
Create Date: 2026-12-06 14:08:14.592140

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5422e9a73119'
down_revision = 'a4e1c9d27b53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archive_jobs',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('term_key', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, length=24), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=256), nullable=False),
    sa.Column('path', sa.String(length=256), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_archive_jobs_requested_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_archive_jobs_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_jobs'))
    )
    with op.batch_alter_table('archive_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_jobs_school_id'), ['school_id'], unique=False)



def downgrade():
    with op.batch_alter_table('archive_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_jobs_school_id'))
        batch_op.drop_index(batch_op.f('ix_archive_jobs_requested_by_id'))

    op.drop_table('archive_jobs')
