"""interview calls

Telephone interviews (电话回访) of a survey round: the people drawn from a roster check, stratified by
school, 学段 and recipients/non-recipients, each with the outcome of its calls; the round keeps the seed
and the frame the sample was drawn with.

Revision ID: b6f3a8d41c27
Revises: c57aa262df80
Create Date: 2026-12-06 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6f3a8d41c27'
down_revision = 'c57aa262df80'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interview_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=32), nullable=False),
    sa.Column('grade', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.Enum('pending', 'completed', 'no_answer', 'refused', 'wrong_number', name='calloutcome', native_enum=False, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('called_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['called_by_id'], ['users.id'], name=op.f('fk_interview_calls_called_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_interview_calls_round_id_survey_rounds')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_interview_calls_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_calls')),
    sa.UniqueConstraint('round_id', 'position', name=op.f('uq_interview_calls_round_id_position'))
    )
    with op.batch_alter_table('interview_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_calls_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interview_calls_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview_seed', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('interview_frame', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('survey_rounds', schema=None) as batch_op:
        batch_op.drop_column('interview_frame')
        batch_op.drop_column('interview_seed')

    with op.batch_alter_table('interview_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_calls_school_id'))
        batch_op.drop_index(batch_op.f('ix_interview_calls_round_id'))

    op.drop_table('interview_calls')
