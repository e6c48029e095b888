"""outbox delivery attempts

Messages leave after the commit, delivered by the queue with retries: each message counts its
delivery attempts and keeps the time of the last one (its `error` keeps the last failure).
Messages already sent or failed were attempted once, synchronously: they get attempts = 1.

Revision ID: 7cfb8fb3c668
Revises: 9a41c6d2e8b3
Create Date: 2026-12-01 21:45:57

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7cfb8fb3c668'
down_revision = '9a41c6d2e8b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE outbox_messages SET attempts = 1, last_attempt_at = COALESCE(sent_at, created_at) "
               "WHERE status IN ('sent', 'failed')")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('attempts', existing_type=sa.Integer(), existing_nullable=False,
                              server_default=None)
        batch_op.create_check_constraint(op.f('ck_outbox_messages_attempts_positive'), 'attempts >= 0')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_attempts_positive'), type_='check')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('attempts')
