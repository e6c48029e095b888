"""amci: nominations from placements, transmittal slips with their life, reconciliations,
the scholarship in minor units, departure, return and situation after the training

The AMCI's year (issue 13): a nomination points at the accepted placement it was made from; a
slip is numbered per year (BT-<year>-<nnn>) and records who sent it, when the AMCI received it
and when its answer came back; the lists that come back are reconciled through a dry run kept
as its plan; files and placements gain the states of a refusal by the joint committee, a
departure that did not happen and an abandonment; the stipend is kept as integer minor units
with its currency.

Revision ID: ea9d63ff7458
Revises: cb5bf01d3b95
Create Date: 2026-12-02 09:58:16.940112

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ea9d63ff7458'
down_revision = 'cb5bf01d3b95'
branch_labels = None
depends_on = None

OLD_APP = ("draft", "submitted", "eligible", "ineligible", "evaluated", "placed", "waiting_list", "not_selected",
           "accepted", "declined", "enrolled", "withdrawn")
NEW_APP = OLD_APP + ("amci_refused", "not_departed", "abandoned")
OLD_PLACEMENT = ("offered", "accepted", "declined", "expired", "superseded", "withdrawn")
NEW_PLACEMENT = OLD_PLACEMENT + ("refused", "reoriented")
SITUATIONS = "('employed', 'further_study', 'seeking', 'other')"


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _recheck(table, name, condition):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(name), type_='check')
        batch_op.create_check_constraint(batch_op.f(name), condition)


def upgrade():
    op.create_table('reconciliations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('transmittal_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("status IN ('dry_run', 'applied', 'discarded')", name=op.f('ck_reconciliations_status_valid')),
    sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], name=op.f('fk_reconciliations_applied_by_id_users')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_reconciliations_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reconciliations_created_by_id_users')),
    sa.ForeignKeyConstraint(['transmittal_id'], ['transmittals.id'], name=op.f('fk_reconciliations_transmittal_id_transmittals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliations'))
    )
    with op.batch_alter_table('reconciliations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliations_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliations_sha256'), ['sha256'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reenrolment_deadline_month', sa.Integer(), server_default='9', nullable=False))
        batch_op.add_column(sa.Column('reenrolment_deadline_day', sa.Integer(), server_default='30', nullable=False))

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stipend_minor', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stipend_currency', sa.String(length=3), server_default='MAD', nullable=False))
        batch_op.add_column(sa.Column('departure_cancelled_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('departure_cancelled_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('completed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('returned_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('situation_6m', sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column('situation_6m_sector', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('situation_12m', sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column('situation_12m_sector', sa.String(length=120), server_default='', nullable=False))
    op.execute("UPDATE follow_ups SET stipend_minor = CAST(ROUND(monthly_stipend_mad * 100) AS INTEGER) "
               "WHERE monthly_stipend_mad IS NOT NULL")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_follow_ups_stipend_positive'), type_='check')
        batch_op.drop_column('monthly_stipend_mad')
        batch_op.create_check_constraint(batch_op.f('ck_follow_ups_stipend_minor_positive'),
                                         'stipend_minor IS NULL OR stipend_minor >= 0')
        batch_op.create_check_constraint(batch_op.f('ck_follow_ups_situation_6m_known'),
                                         f'situation_6m IS NULL OR situation_6m IN {SITUATIONS}')
        batch_op.create_check_constraint(batch_op.f('ck_follow_ups_situation_12m_known'),
                                         f'situation_12m IS NULL OR situation_12m IN {SITUATIONS}')

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placement_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_nominations_created_by_id_users'), 'users', ['created_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_nominations_offer_id_offers'), 'offers', ['offer_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_nominations_placement_id_placements'), 'placements', ['placement_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_nominations_decided_by_id_users'), 'users', ['decided_by_id'], ['id'])

    with op.batch_alter_table('reenrolment_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.String(length=120), server_default='', nullable=False))

    with op.batch_alter_table('transmittals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=15), server_default='initial', nullable=False))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='sent', nullable=False))
        batch_op.add_column(sa.Column('recipient', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('enclosures', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('sealed_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sent_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('received_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.alter_column('sent_on',
               existing_type=sa.DATE(),
               nullable=True)
    # Slips written before this revision (none was made through the application) keep their
    # number; they are numbered in their campaign's year by creation order.
    op.execute("UPDATE transmittals SET year = (SELECT campaigns.year FROM campaigns "
               "WHERE campaigns.id = transmittals.campaign_id), sequence = id")
    with op.batch_alter_table('transmittals', schema=None) as batch_op:
        batch_op.alter_column('year', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_transmittals_kind_valid'), "kind IN ('initial', 'supplementary')")
        batch_op.create_check_constraint(batch_op.f('ck_transmittals_status_valid'),
                                         "status IN ('prepared', 'sent', 'received', 'answered')")
        batch_op.create_unique_constraint(batch_op.f('uq_transmittals_year_sequence'), ['year', 'sequence'])
        batch_op.create_foreign_key(batch_op.f('fk_transmittals_answered_by_id_users'), 'users', ['answered_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_transmittals_sent_by_id_users'), 'users', ['sent_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_transmittals_received_by_id_users'), 'users', ['received_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_transmittals_sealed_document_id_sealed_documents'), 'sealed_documents', ['sealed_document_id'], ['id'])

    _recheck('applications', 'ck_applications_status_valid', _in('status', NEW_APP))
    _recheck('placements', 'ck_placements_status_valid', _in('status', NEW_PLACEMENT))
    _recheck('nominations', 'ck_nominations_status_valid',
             _in('status', ("proposed", "confirmed", "reoriented", "refused", "withdrawn")))


def downgrade():
    op.execute("UPDATE applications SET status = 'accepted' WHERE status IN ('amci_refused', 'not_departed')")
    op.execute("UPDATE applications SET status = 'enrolled' WHERE status = 'abandoned'")
    op.execute("UPDATE placements SET status = 'withdrawn' WHERE status IN ('refused', 'reoriented')")
    op.execute("UPDATE nominations SET status = 'proposed' WHERE status = 'withdrawn'")
    _recheck('applications', 'ck_applications_status_valid', _in('status', OLD_APP))
    _recheck('placements', 'ck_placements_status_valid', _in('status', OLD_PLACEMENT))
    _recheck('nominations', 'ck_nominations_status_valid',
             _in('status', ("proposed", "confirmed", "reoriented", "refused")))
    with op.batch_alter_table('transmittals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_transmittals_sealed_document_id_sealed_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_transmittals_received_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_transmittals_sent_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_transmittals_answered_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_transmittals_year_sequence'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_transmittals_status_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_transmittals_kind_valid'), type_='check')
    op.execute("UPDATE transmittals SET sent_on = CAST(created_at AS DATE) WHERE sent_on IS NULL")
    with op.batch_alter_table('transmittals', schema=None) as batch_op:
        batch_op.alter_column('sent_on',
               existing_type=sa.DATE(),
               nullable=False)
        batch_op.drop_column('version')
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('received_by_id')
        batch_op.drop_column('received_at')
        batch_op.drop_column('sent_by_id')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('sealed_document_id')
        batch_op.drop_column('enclosures')
        batch_op.drop_column('recipient')
        batch_op.drop_column('status')
        batch_op.drop_column('kind')
        batch_op.drop_column('sequence')
        batch_op.drop_column('year')

    with op.batch_alter_table('reenrolment_records', schema=None) as batch_op:
        batch_op.drop_column('result')

    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_nominations_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_nominations_placement_id_placements'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_nominations_offer_id_offers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_nominations_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('created_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('offer_id')
        batch_op.drop_column('placement_id')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_follow_ups_situation_12m_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_follow_ups_situation_6m_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_follow_ups_stipend_minor_positive'), type_='check')
        batch_op.add_column(sa.Column('monthly_stipend_mad', sa.NUMERIC(precision=9, scale=2), nullable=True))
    op.execute("UPDATE follow_ups SET monthly_stipend_mad = stipend_minor / 100.0 WHERE stipend_minor IS NOT NULL")
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_follow_ups_stipend_positive'),
                                         'monthly_stipend_mad IS NULL OR monthly_stipend_mad >= 0')
        batch_op.drop_column('situation_12m_sector')
        batch_op.drop_column('situation_12m')
        batch_op.drop_column('situation_6m_sector')
        batch_op.drop_column('situation_6m')
        batch_op.drop_column('returned_on')
        batch_op.drop_column('completed_on')
        batch_op.drop_column('departure_cancelled_reason')
        batch_op.drop_column('departure_cancelled_on')
        batch_op.drop_column('stipend_currency')
        batch_op.drop_column('stipend_minor')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('reenrolment_deadline_day')
        batch_op.drop_column('reenrolment_deadline_month')
        batch_op.drop_column('training_starts_on')

    with op.batch_alter_table('reconciliations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliations_sha256'))
        batch_op.drop_index(batch_op.f('ix_reconciliations_campaign_id'))

    op.drop_table('reconciliations')
