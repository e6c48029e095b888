"""retention (law 2013-015): the applicants' erasure requests (one pending per account, a
partial unique index) and the mark of an anonymised file (applications.anonymised_at)

Revision ID: e5b2bb2d723a
Revises: 0be6d4cbd5e7
Create Date: 2026-12-02 11:04:30.879366

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b2bb2d723a'
down_revision = '0be6d4cbd5e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'refused')", name=op.f('ck_erasure_requests_status_valid')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_erasure_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_erasure_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_erasure_requests_pending_user', ['user_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_erasure_requests_pending_user', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_erasure_requests_user_id'))

    op.drop_table('erasure_requests')
