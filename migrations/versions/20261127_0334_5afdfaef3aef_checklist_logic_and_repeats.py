"""checklist logic, repeats and version retirement

Checklist items and sections keep their XLSForm logic (relevant, constraint, required, default,
messages) with the syntax trees made at import, their survey-sheet row, the repeat they belong
to and the assessed item they detail. Visits keep the entries of repeats; answers, findings and
photos may belong to an entry, so "one per item and visit" becomes "one per item and visit, or per
item and entry". Versions record when they were retired.

Revision ID: 5afdfaef3aef
Revises: fdde0189fa75
Create Date: 2026-11-27 03:29:47.144522

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5afdfaef3aef'
down_revision = 'fdde0189fa75'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('repeat_instances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_repeat_instances_created_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_repeat_instances_item_id_checklist_items')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_repeat_instances_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repeat_instances')),
    sa.UniqueConstraint('uuid', name=op.f('uq_repeat_instances_uuid'))
    )
    with op.batch_alter_table('repeat_instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repeat_instances_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_answers_visit_id_item_id'), type_='unique')
        batch_op.create_index('ix_answers_one_per_item', ['visit_id', 'item_id'], unique=True, sqlite_where=sa.text('instance_id IS NULL'), postgresql_where=sa.text('instance_id IS NULL'))
        batch_op.create_unique_constraint(batch_op.f('uq_answers_instance_id_item_id'), ['instance_id', 'item_id'])
        batch_op.create_foreign_key(batch_op.f('fk_answers_instance_id_repeat_instances'), 'repeat_instances', ['instance_id'], ['id'])

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_instance_id'), ['instance_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_instance_id_repeat_instances'), 'repeat_instances', ['instance_id'], ['id'])

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('detail_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('relevant', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('constraint', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('required_if', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('constraint_message', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('required_message', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('default_value', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('logic', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('row', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_checklist_items_repeat_id'), ['repeat_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_checklist_items_repeat_id_checklist_items'), 'checklist_items', ['repeat_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_checklist_items_detail_of_id_checklist_items'), 'checklist_items', ['detail_of_id'], ['id'])

    with op.batch_alter_table('checklist_sections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relevant', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('logic', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('row', sa.Integer(), nullable=True))

    with op.batch_alter_table('checklist_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_findings_visit_id_item_id'), type_='unique')
        batch_op.create_index('ix_findings_one_per_item', ['visit_id', 'item_id'], unique=True, sqlite_where=sa.text('instance_id IS NULL'), postgresql_where=sa.text('instance_id IS NULL'))
        batch_op.create_unique_constraint(batch_op.f('uq_findings_instance_id_item_id'), ['instance_id', 'item_id'])
        batch_op.create_foreign_key(batch_op.f('fk_findings_instance_id_repeat_instances'), 'repeat_instances', ['instance_id'], ['id'])



def downgrade():
    entries = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM repeat_instances")).scalar()
    if entries:
        raise RuntimeError(f"{entries} repeat entries would lose their answers; remove them before downgrading")
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_findings_instance_id_repeat_instances'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_findings_instance_id_item_id'), type_='unique')
        batch_op.drop_index('ix_findings_one_per_item', sqlite_where=sa.text('instance_id IS NULL'), postgresql_where=sa.text('instance_id IS NULL'))
        batch_op.create_unique_constraint(batch_op.f('uq_findings_visit_id_item_id'), ['visit_id', 'item_id'])
        batch_op.drop_column('instance_id')

    with op.batch_alter_table('checklist_versions', schema=None) as batch_op:
        batch_op.drop_column('retired_at')

    with op.batch_alter_table('checklist_sections', schema=None) as batch_op:
        batch_op.drop_column('row')
        batch_op.drop_column('logic')
        batch_op.drop_column('relevant')

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checklist_items_detail_of_id_checklist_items'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_checklist_items_repeat_id_checklist_items'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_checklist_items_repeat_id'))
        batch_op.drop_column('row')
        batch_op.drop_column('logic')
        batch_op.drop_column('default_value')
        batch_op.drop_column('required_message')
        batch_op.drop_column('constraint_message')
        batch_op.drop_column('required_if')
        batch_op.drop_column('constraint')
        batch_op.drop_column('relevant')
        batch_op.drop_column('detail_of_id')
        batch_op.drop_column('repeat_id')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachments_instance_id_repeat_instances'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_instance_id'))
        batch_op.drop_column('instance_id')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_answers_instance_id_repeat_instances'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_answers_instance_id_item_id'), type_='unique')
        batch_op.drop_index('ix_answers_one_per_item', sqlite_where=sa.text('instance_id IS NULL'), postgresql_where=sa.text('instance_id IS NULL'))
        batch_op.create_unique_constraint(batch_op.f('uq_answers_visit_id_item_id'), ['visit_id', 'item_id'])
        batch_op.drop_column('instance_id')

    with op.batch_alter_table('repeat_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repeat_instances_visit_id'))

    op.drop_table('repeat_instances')
