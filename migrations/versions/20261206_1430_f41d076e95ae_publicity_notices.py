"""publicity notices

A school's 公示 of its aid recipients, copied from a checked roster (name, grade, 学段, programme, tier,
amount; never ID numbers), and the objections (异议) received with their handling and outcome.

Revision ID: f41d076e95ae
Revises: 5422e9a73119
Create Date: 2026-12-06 14:30:51.393246

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f41d076e95ae'
down_revision = '5422e9a73119'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('source_file', sa.String(length=256), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('semester', sa.String(length=8), nullable=False),
    sa.Column('semester_key', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_public_notices_created_by_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['roster_runs.id'], name=op.f('fk_public_notices_run_id_roster_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_public_notices_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_notices'))
    )
    with op.batch_alter_table('public_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_notices_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_notices_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_notices_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_notices_semester_key'), ['semester_key'], unique=False)

    op.create_table('publicity_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('raised_by', sa.String(length=64), nullable=True),
    sa.Column('content', sa.String(length=1000), nullable=False),
    sa.Column('handling', sa.String(length=1000), nullable=True),
    sa.Column('outcome', sa.Enum('pending', 'upheld', 'rejected', name='objectionoutcome', native_enum=False, length=24), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_publicity_objections_handled_by_id_users')),
    sa.ForeignKeyConstraint(['notice_id'], ['public_notices.id'], name=op.f('fk_publicity_objections_notice_id_public_notices')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_publicity_objections_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_objections'))
    )
    with op.batch_alter_table('publicity_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_objections_notice_id'), ['notice_id'], unique=False)



def downgrade():
    with op.batch_alter_table('publicity_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_objections_notice_id'))

    op.drop_table('publicity_objections')
    with op.batch_alter_table('public_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_notices_semester_key'))
        batch_op.drop_index(batch_op.f('ix_public_notices_school_id'))
        batch_op.drop_index(batch_op.f('ix_public_notices_run_id'))
        batch_op.drop_index(batch_op.f('ix_public_notices_created_by_id'))

    op.drop_table('public_notices')
