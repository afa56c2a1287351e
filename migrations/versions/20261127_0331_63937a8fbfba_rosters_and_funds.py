"""rosters and funds: standards (with the shipped figures), allocations, payments, reconciliation runs

A finding may now own attachments (the roster rows behind it), so the attachments' owner check
admits finding_id, and the media type column is long enough for an .xlsx's.

Revision ID: 63937a8fbfba
Revises: be577938ba46
Create Date: 2026-11-27 03:30:48.866268

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63937a8fbfba'
down_revision = 'be577938ba46'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fund_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_line', sa.Enum('vocational', 'senior', 'boarding', 'preschool', name='fundline', native_enum=False, length=24), nullable=False),
    sa.Column('source', sa.Enum('central', 'provincial', 'central_provincial', 'city', 'county', name='fundsource', native_enum=False, length=24), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('document', sa.String(length=128), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('semester', sa.String(length=8), nullable=False),
    sa.Column('semester_key', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_fund_allocations_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_allocations'))
    )
    with op.batch_alter_table('fund_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_allocations_semester_key'), ['semester_key'], unique=False)

    op.create_table('fund_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.Enum('senior', 'vocational', 'junior_boarding', 'primary_boarding', 'preschool', name='programme', native_enum=False, length=24), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('source', sa.String(length=256), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('semester', sa.String(length=8), nullable=False),
    sa.Column('semester_key', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_fund_payments_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_fund_payments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_payments')),
    sa.UniqueConstraint('semester_key', 'school_id', 'programme', name=op.f('uq_fund_payments_semester_key_school_id_programme'))
    )
    with op.batch_alter_table('fund_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_payments_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_payments_semester_key'), ['semester_key'], unique=False)

    op.create_table('funding_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.Enum('senior', 'vocational', 'junior_boarding', 'primary_boarding', 'preschool', name='programme', native_enum=False, length=24), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('effective_from', sa.String(length=8), nullable=False),
    sa.Column('effective_key', sa.Integer(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_funding_standards_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_standards')),
    sa.UniqueConstraint('programme', 'effective_key', 'tier', name=op.f('uq_funding_standards_programme_effective_key_tier'))
    )
    op.create_table('roster_header_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('roster', 'system', 'enrolment', 'special', 'reported', name='inputkind', native_enum=False, length=24), nullable=False),
    sa.Column('header', sa.String(length=128), nullable=False),
    sa.Column('field', sa.String(length=24), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_roster_header_mappings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_header_mappings')),
    sa.UniqueConstraint('kind', 'header', name=op.f('uq_roster_header_mappings_kind_header'))
    )
    op.create_table('roster_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'needs_mapping', 'failed', 'done', name='runstatus', native_enum=False, length=24), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=64), nullable=True),
    sa.Column('rules_version', sa.String(length=32), nullable=True),
    sa.Column('standards', sa.JSON(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('discrepancy_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('semester', sa.String(length=8), nullable=False),
    sa.Column('semester_key', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_roster_runs_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_roster_runs_county_id_counties')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_roster_runs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_runs'))
    )
    with op.batch_alter_table('roster_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_runs_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_runs_county_id'), ['county_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_runs_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_runs_semester_key'), ['semester_key'], unique=False)

    op.create_table('roster_run_inputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('roster', 'system', 'enrolment', 'special', 'reported', name='inputkind', native_enum=False, length=24), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('special_group', sa.Enum('poverty', 'dibao', 'tekun', 'orphan', 'disabled', 'other', name='specialgroup', native_enum=False, length=24), nullable=True),
    sa.Column('original_name', sa.String(length=256), nullable=False),
    sa.Column('path', sa.String(length=256), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('header_row', sa.Integer(), nullable=True),
    sa.Column('sheet', sa.String(length=128), nullable=True),
    sa.Column('encoding', sa.String(length=16), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['roster_runs.id'], name=op.f('fk_roster_run_inputs_run_id_roster_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_run_inputs'))
    )
    with op.batch_alter_table('roster_run_inputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_run_inputs_run_id'), ['run_id'], unique=False)

    op.create_table('roster_discrepancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('severity', sa.Enum('error', 'warning', name='severity', native_enum=False, length=24), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('school_label', sa.String(length=128), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('programme', sa.Enum('senior', 'vocational', 'junior_boarding', 'primary_boarding', 'preschool', name='programme', native_enum=False, length=24), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_roster_discrepancies_finding_id_findings')),
    sa.ForeignKeyConstraint(['run_id'], ['roster_runs.id'], name=op.f('fk_roster_discrepancies_run_id_roster_runs')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_roster_discrepancies_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_discrepancies'))
    )
    with op.batch_alter_table('roster_discrepancies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_discrepancies_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_discrepancies_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_discrepancies_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_discrepancies_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finding_id', sa.Integer(), nullable=True))
        batch_op.alter_column('content_type', existing_type=sa.String(length=64), type_=sa.String(length=128),
                              existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_attachments_finding_id'), ['finding_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_finding_id_findings'), 'findings', ['finding_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_attachments_has_owner'), type_='check')
        batch_op.create_check_constraint(
            'has_owner', '(visit_id IS NOT NULL) OR (rectification_id IS NOT NULL) OR (finding_id IS NOT NULL)')

    seed_standards()



def downgrade():
    op.execute("DELETE FROM attachments WHERE visit_id IS NULL AND rectification_id IS NULL")
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_attachments_has_owner'), type_='check')
        batch_op.create_check_constraint('has_owner', '(visit_id IS NOT NULL) OR (rectification_id IS NOT NULL)')
        batch_op.drop_constraint(batch_op.f('fk_attachments_finding_id_findings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_finding_id'))
        batch_op.drop_column('finding_id')
        batch_op.alter_column('content_type', existing_type=sa.String(length=128), type_=sa.String(length=64),
                              existing_nullable=False)

    with op.batch_alter_table('roster_discrepancies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_discrepancies_school_id'))
        batch_op.drop_index(batch_op.f('ix_roster_discrepancies_run_id'))
        batch_op.drop_index(batch_op.f('ix_roster_discrepancies_finding_id'))
        batch_op.drop_index(batch_op.f('ix_roster_discrepancies_code'))

    op.drop_table('roster_discrepancies')
    with op.batch_alter_table('roster_run_inputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_run_inputs_run_id'))

    op.drop_table('roster_run_inputs')
    with op.batch_alter_table('roster_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_runs_semester_key'))
        batch_op.drop_index(batch_op.f('ix_roster_runs_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_roster_runs_county_id'))
        batch_op.drop_index(batch_op.f('ix_roster_runs_campaign_id'))

    op.drop_table('roster_runs')
    op.drop_table('roster_header_mappings')
    op.drop_table('funding_standards')
    with op.batch_alter_table('fund_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_payments_semester_key'))
        batch_op.drop_index(batch_op.f('ix_fund_payments_school_id'))

    op.drop_table('fund_payments')
    with op.batch_alter_table('fund_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_allocations_semester_key'))

    op.drop_table('fund_allocations')


# The standards of funding-and-ids.md §2 as shipped, per semester in yuan (frozen here: later
# changes are data, made by administrators on the standards page).
SHIPPED = [
    ("senior", "2010秋", 4021, ("1250", "1000", "750"),
     "普通高中国家助学金平均每生每年2000元，分档由地方确定；1250/1000/750元每学期三档系据来源报告"
     "（27187人27,692,750元）推算【推断】，请按本地文件核改。"),
    ("senior", "2025春", 4050, ("1750", "1100", "600"),
     "2025年春季学期起平均每生每年2300元；档次例：砀山县每年3500/2200/1200元，请按本地文件核改。"),
    ("vocational", "2010秋", 4021, ("1000",), "中职国家助学金每生每年2000元。"),
    ("vocational", "2025春", 4050, ("1150",), "2025年春季学期起平均每生每年2300元（三年级纳入）。"),
    ("junior_boarding", "2010秋", 4021, ("625",), "义务教育家庭经济困难寄宿生生活补助国家基础标准：初中每生每年1250元。"),
    ("junior_boarding", "2024春", 4048, ("750",), "2024年春季学期起初中每生每年1500元（财政部2024年5月）。"),
    ("primary_boarding", "2010秋", 4021, ("500",), "义务教育家庭经济困难寄宿生生活补助国家基础标准：小学每生每年1000元。"),
    ("primary_boarding", "2024春", 4048, ("625",), "2024年春季学期起小学每生每年1250元（财政部2024年5月）。"),
    ("preschool", "2011秋", 4023, ("375",), "陕西学前一年每生每年750元（3元/天×250天，陕财办教〔2011〕172号）。"),
]


def seed_standards():
    from datetime import datetime, timezone
    from decimal import Decimal

    table = sa.table(
        "funding_standards", sa.column("programme", sa.String), sa.column("tier", sa.Integer),
        sa.column("amount", sa.Numeric(12, 2)), sa.column("effective_from", sa.String),
        sa.column("effective_key", sa.Integer), sa.column("basis", sa.Text),
        sa.column("created_at", sa.DateTime(timezone=True)), sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    rows = []
    for programme, effective, key, amounts, basis in SHIPPED:
        for tier, amount in enumerate(amounts, start=1):
            rows.append({"programme": programme, "tier": tier, "amount": Decimal(amount), "effective_from": effective,
                         "effective_key": key, "basis": basis, "created_at": now, "updated_at": now})
    op.bulk_insert(table, rows)
