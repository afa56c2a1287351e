"""survey face collections

Answers taken face to face on a tablet during a visit (way ``face``): the visit, the inspector who
collected them and the tablet's UUID of each answer (unique, so that an answer sent twice is stored once).
The responses themselves stay in survey_responses, anonymous, with their way.

Revision ID: e3a7c5b19f42
Revises: b6f3a8d41c27
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a7c5b19f42'
down_revision = 'b6f3a8d41c27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_face_collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('collected_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['collected_by_id'], ['users.id'], name=op.f('fk_survey_face_collections_collected_by_id_users')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_face_collections_response_id_survey_responses')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_survey_face_collections_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_face_collections')),
    sa.UniqueConstraint('response_id', name=op.f('uq_survey_face_collections_response_id')),
    sa.UniqueConstraint('uuid', name=op.f('uq_survey_face_collections_uuid'))
    )
    with op.batch_alter_table('survey_face_collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_face_collections_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_face_collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_face_collections_visit_id'))

    op.drop_table('survey_face_collections')
