"""offline sync and api tokens

The sync API records each request a tablet sends (sync_requests, unique per user and
Idempotency-Key) and each operation in it (sync_ops, unique op_id), with the parallel edits and
refusals a supervisor reviews. Personal API tokens are kept as SHA-256 hashes. Attachments gain
the client's hash of the bytes it sent, where the photo was taken (kept only for items whose
``photo_location`` asks for it), a stamped copy for reports, and who signed a signature.

Revision ID: dfe016204d27
Revises: 5afdfaef3aef
Create Date: 2026-11-27 04:43:18.413151

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dfe016204d27'
down_revision = '5afdfaef3aef'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('sync_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('open', 'ops', 'media', 'submit', name='synckind', native_enum=False, length=24), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=256), nullable=True),
    sa.Column('via_token', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('replays', sa.Integer(), nullable=False),
    sa.Column('last_replay_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_requests_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_sync_requests_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_requests')),
    sa.UniqueConstraint('user_id', 'idempotency_key', name=op.f('uq_sync_requests_user_id_idempotency_key'))
    )
    with op.batch_alter_table('sync_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_requests_visit_id'), ['visit_id'], unique=False)

    op.create_table('sync_ops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('entry', sa.String(length=36), nullable=True),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('base_rev', sa.Integer(), nullable=True),
    sa.Column('rev', sa.Integer(), nullable=True),
    sa.Column('client_ts', sa.DateTime(timezone=True), nullable=True),
    sa.Column('server_ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('applied', 'unchanged', 'conflict', 'refused', name='opstatus', native_enum=False, length=24), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('previous', sa.JSON(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_sync_ops_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_items.id'], name=op.f('fk_sync_ops_item_id_checklist_items')),
    sa.ForeignKeyConstraint(['request_id'], ['sync_requests.id'], name=op.f('fk_sync_ops_request_id_sync_requests')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_ops_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_sync_ops_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_ops')),
    sa.UniqueConstraint('op_id', name=op.f('uq_sync_ops_op_id'))
    )
    with op.batch_alter_table('sync_ops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_ops_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_ops_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=True))
        batch_op.add_column(sa.Column('accuracy_m', sa.Numeric(precision=9, scale=1), nullable=True))
        batch_op.add_column(sa.Column('stamped_path', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('signer', sa.Enum('inspector', 'school', name='signer', native_enum=False, length=24), nullable=True))
        batch_op.add_column(sa.Column('signer_name', sa.String(length=64), nullable=True))

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_location', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_column('photo_location')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('signer_name')
        batch_op.drop_column('signer')
        batch_op.drop_column('stamped_path')
        batch_op.drop_column('accuracy_m')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
        batch_op.drop_column('source_sha256')

    with op.batch_alter_table('sync_ops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_ops_visit_id'))
        batch_op.drop_index(batch_op.f('ix_sync_ops_request_id'))

    op.drop_table('sync_ops')
    with op.batch_alter_table('sync_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_requests_visit_id'))

    op.drop_table('sync_requests')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
