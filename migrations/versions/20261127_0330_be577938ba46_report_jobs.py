"""report jobs: the table the background report worker takes its work from

Revision ID: be577938ba46
Revises: 5d1c2a7e9b10
Create Date: 2026-11-27 03:30:18.288653

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be577938ba46'
down_revision = '5d1c2a7e9b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('campaign_ids', sa.JSON(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.String(length=7), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, length=24), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=256), nullable=False),
    sa.Column('path', sa.String(length=256), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_report_jobs_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_report_jobs_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_report_jobs_status_id', ['status', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_report_jobs_status_id')
        batch_op.drop_index(batch_op.f('ix_report_jobs_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_report_jobs_campaign_id'))

    op.drop_table('report_jobs')
