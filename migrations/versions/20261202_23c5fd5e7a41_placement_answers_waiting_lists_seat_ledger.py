"""placement: numbered seats, answers, waiting lists, seat ledger

The placement's work (issue 12): a candidate who moves up holds their seat while the better one
is offered, so a file may hold several live placements (never two at one offer, never two
accepted); each live placement holds one numbered seat, so that no seat is held twice; the
cut-offs are kept for open and reserved seats; waiting-list entries say when and why the
candidate left; a round says what set it off; the campaign sets the answer delay of an offer
made from a waiting list; the offers' seat ledger records changes after publication.

Revision ID: 23c5fd5e7a41
Revises: eb4d07fd7848
Create Date: 2026-12-02 04:25:17.698083

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '23c5fd5e7a41'
down_revision = 'eb4d07fd7848'
branch_labels = None
depends_on = None

LIVE = "status IN ('offered', 'accepted')"
STATUS_CHECK = "status IN ('offered', 'accepted', 'declined', 'expired', 'superseded')"
NEW_STATUS_CHECK = "status IN ('offered', 'accepted', 'declined', 'expired', 'superseded', 'withdrawn')"


def upgrade():
    op.create_table('offer_seat_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seats_before', sa.Integer(), nullable=False),
    sa.Column('seats_after', sa.Integer(), nullable=False),
    sa.Column('reserved_before', sa.Integer(), nullable=False),
    sa.Column('reserved_after', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_offer_seat_changes_reason_given')),
    sa.CheckConstraint('seats_after >= 0 AND reserved_after >= 0 AND reserved_after <= seats_after', name=op.f('ck_offer_seat_changes_seats_after_valid')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_offer_seat_changes_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_offer_seat_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_seat_changes_offer_id_offers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_seat_changes'))
    )
    with op.batch_alter_table('offer_seat_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_seat_changes_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_seat_changes_offer_id'), ['offer_id'], unique=False)

    with op.batch_alter_table('allocation_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause', sa.String(length=300), server_default='', nullable=False))

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_list_answer_hours', sa.Integer(), server_default='72', nullable=False))

    with op.batch_alter_table('offer_cutoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved_cutoff_score', sa.Numeric(precision=7, scale=3), nullable=True))
        batch_op.add_column(sa.Column('reserved_filled', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_number', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('keeps_waiting', sa.Boolean(), nullable=True))
        batch_op.drop_index(batch_op.f('uq_placements_one_live'))
        batch_op.drop_constraint(batch_op.f('ck_placements_status_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_placements_status_valid'), NEW_STATUS_CHECK)
        batch_op.create_check_constraint(batch_op.f('ck_placements_seat_number_positive'), 'seat_number >= 1')
        batch_op.create_index('uq_placements_live_offer', ['application_id', 'offer_id'], unique=True, sqlite_where=sa.text("status IN ('offered', 'accepted')"), postgresql_where=sa.text("status IN ('offered', 'accepted')"))
        batch_op.create_index('uq_placements_live_seat', ['offer_id', 'seat_kind', 'seat_number'], unique=True, sqlite_where=sa.text("status IN ('offered', 'accepted')"), postgresql_where=sa.text("status IN ('offered', 'accepted')"))
        batch_op.create_index('uq_placements_one_accepted', ['application_id'], unique=True, sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))

    with op.batch_alter_table('waiting_list_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.String(length=20), nullable=True))
        batch_op.create_index('ix_waiting_list_offer_active', ['offer_id', 'active', 'position'], unique=False)



def downgrade():
    # The older schema knows no withdrawn placement, and one live placement per file only.
    op.execute("UPDATE placements SET status = 'declined' WHERE status = 'withdrawn'")
    with op.batch_alter_table('waiting_list_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waiting_list_offer_active')
        batch_op.drop_column('left_reason')
        batch_op.drop_column('left_at')

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('uq_placements_one_accepted', sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'"))
        batch_op.drop_index('uq_placements_live_seat', sqlite_where=sa.text("status IN ('offered', 'accepted')"), postgresql_where=sa.text("status IN ('offered', 'accepted')"))
        batch_op.drop_index('uq_placements_live_offer', sqlite_where=sa.text("status IN ('offered', 'accepted')"), postgresql_where=sa.text("status IN ('offered', 'accepted')"))
        batch_op.drop_constraint(batch_op.f('ck_placements_seat_number_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_placements_status_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_placements_status_valid'), STATUS_CHECK)
        batch_op.create_index(batch_op.f('uq_placements_one_live'), ['application_id'], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.drop_column('keeps_waiting')
        batch_op.drop_column('seat_number')

    with op.batch_alter_table('offer_cutoffs', schema=None) as batch_op:
        batch_op.drop_column('reserved_filled')
        batch_op.drop_column('reserved_cutoff_score')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('waiting_list_answer_hours')

    with op.batch_alter_table('allocation_rounds', schema=None) as batch_op:
        batch_op.drop_column('cause')

    with op.batch_alter_table('offer_seat_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_seat_changes_offer_id'))
        batch_op.drop_index(batch_op.f('ix_offer_seat_changes_campaign_id'))

    op.drop_table('offer_seat_changes')
