"""issued document numbers

Revision ID: 7c3e91a4d2b8
Revises: 174b920e799b
Create Date: 2026-12-06 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e91a4d2b8'
down_revision = '174b920e799b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issued_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.String(length=64), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_issued_documents_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_issued_documents_issued_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_issued_documents_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_documents')),
    sa.UniqueConstraint('kind', 'subject', name='uq_issued_documents_kind_subject'),
    sa.UniqueConstraint('kind', 'year', 'number', name='uq_issued_documents_kind_year_number')
    )
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_documents_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('issued_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_documents_campaign_id'))

    op.drop_table('issued_documents')
