"""committee work: statements, conflicts by source, withdrawn assignments with codes, deliberation

The committee's whole work (issue 11): members sign a statement and declare conflicts (a manager
may record one too); an assignment has a random code (blind mode, score sheets), a comment, a
draft time and may be withdrawn; results and adjustments know their committee and deliberation;
the deliberation records who opened it and its sealed procès-verbal; the campaign writes its
tie rule and its quorum. Assignments that already exist get a random code.

Revision ID: eb4d07fd7848
Revises: d39a71348b6b
Create Date: 2026-12-01 22:11:17.245083

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eb4d07fd7848'
down_revision = 'd39a71348b6b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tie_break_rule', sa.String(length=200), server_default='diploma_average,submitted_at,reference', nullable=False))
        batch_op.add_column(sa.Column('quorum_percent', sa.Integer(), server_default='50', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_campaigns_quorum_percent_range'),
                                         'quorum_percent >= 0 AND quorum_percent < 100')

    with op.batch_alter_table('committee_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('statement_signed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('conflicts_declared_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring_deadline', sa.DateTime(), nullable=True))

    with op.batch_alter_table('conflicts_of_interest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='member', nullable=False))
        batch_op.add_column(sa.Column('declared_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conflicts_of_interest_declared_by_id_users'), 'users', ['declared_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_conflicts_of_interest_source_valid'),
                                         "source IN ('member', 'manager')")

    with op.batch_alter_table('deliberations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('normalised', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('minutes_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ranking_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_deliberations_opened_by_id_users'), 'users', ['opened_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_deliberations_minutes_document_id_sealed_documents'), 'sealed_documents', ['minutes_document_id'], ['id'])

    with op.batch_alter_table('evaluation_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('adjusted', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_evaluation_results_committee_id'), ['committee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_results_committee_id_committees'), 'committees', ['committee_id'], ['id'])

    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('saved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('ck_review_assignments_status_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_review_assignments_status_valid'),
                                         "status IN ('pending', 'submitted', 'withdrawn')")
    connection = op.get_bind()
    table = sa.table('review_assignments', sa.column('id', sa.Integer), sa.column('code', sa.String))
    for (assignment_id,) in connection.execute(sa.select(table.c.id)).all():
        connection.execute(table.update().where(table.c.id == assignment_id)
                           .values(code=secrets.token_hex(5).upper()))
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_review_assignments_code'), ['code'])

    with op.batch_alter_table('score_adjustments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deliberation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_score_adjustments_deliberation_id'), ['deliberation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_score_adjustments_deliberation_id_deliberations'), 'deliberations', ['deliberation_id'], ['id'])



def downgrade():
    with op.batch_alter_table('score_adjustments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_score_adjustments_deliberation_id_deliberations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_score_adjustments_deliberation_id'))
        batch_op.drop_column('deliberation_id')

    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_review_assignments_code'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_review_assignments_status_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_review_assignments_status_valid'),
                                         "status IN ('pending', 'submitted')")
        batch_op.drop_column('version')
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('saved_at')
        batch_op.drop_column('comment')
        batch_op.drop_column('code')

    with op.batch_alter_table('evaluation_results', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evaluation_results_committee_id_committees'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evaluation_results_committee_id'))
        batch_op.drop_column('adjusted')
        batch_op.drop_column('committee_id')

    with op.batch_alter_table('deliberations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deliberations_minutes_document_id_sealed_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_deliberations_opened_by_id_users'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('ranking_sha256')
        batch_op.drop_column('minutes_document_id')
        batch_op.drop_column('normalised')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('opened_by_id')

    with op.batch_alter_table('conflicts_of_interest', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_conflicts_of_interest_source_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_conflicts_of_interest_declared_by_id_users'), type_='foreignkey')
        batch_op.drop_column('declared_by_id')
        batch_op.drop_column('source')

    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.drop_column('scoring_deadline')

    with op.batch_alter_table('committee_members', schema=None) as batch_op:
        batch_op.drop_column('conflicts_declared_at')
        batch_op.drop_column('statement_signed_at')
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_campaigns_quorum_percent_range'), type_='check')
        batch_op.drop_column('quorum_percent')
        batch_op.drop_column('tie_break_rule')

