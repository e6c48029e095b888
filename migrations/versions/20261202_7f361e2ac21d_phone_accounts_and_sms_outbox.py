"""phone accounts and SMS in the outbox

Issue 17 (applicants reached by phone) and issue 16 (accounts that reveal nothing):
- users: an account may have a proven Malian phone number instead of an e-mail (email
  nullable, phone unique, phone_verified_at; one of the two always), and the channel the
  person prefers for messages (contact_preference: both, sms, email);
- one_time_codes: the 6-digit codes that prove a number or an address (registration, reset,
  claiming a paper file, a number added), stored as HMACs;
- rate_limit_counters.last_at: when a slowed-down key last tried (limits slow down, never lock);
- outbox_messages: the channel (email, sms) and the number of an SMS, the one-time secret kept
  apart from the body until the message has left (then dropped), the SMS gateway's id of the
  message and its delivery report (delivery, delivered_at).

Downgrade: accounts and messages without an e-mail get a placeholder address (no such
account can log in by e-mail, no such message is sent again) so that the columns may be NOT
NULL again; the codes, numbers, preferences and reports are dropped.

Revision ID: 7f361e2ac21d
Revises: 23c5fd5e7a41
Create Date: 2026-12-02 05:16:27.694460

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f361e2ac21d'
down_revision = '23c5fd5e7a41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('one_time_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('destination', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('deliverable', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_one_time_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_one_time_codes_token_hash'))
    )
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_codes_destination'), ['destination'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=5), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('to_phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('secret', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('secret_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('gateway_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('delivery', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('to_email', existing_type=sa.VARCHAR(length=254), nullable=True)
        batch_op.create_index(batch_op.f('ix_outbox_messages_gateway_id'), ['gateway_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_to_phone'), ['to_phone'], unique=False)
        batch_op.create_check_constraint(op.f('ck_outbox_messages_channel_valid'), "channel IN ('email', 'sms')")
        batch_op.create_check_constraint(op.f('ck_outbox_messages_delivery_valid'),
                                         "delivery IS NULL OR delivery IN ('delivered', 'undelivered')")

    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_at', sa.Integer(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('phone_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('contact_preference', sa.String(length=10), server_default='both', nullable=False))
        batch_op.alter_column('email', existing_type=sa.VARCHAR(length=254), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_users_phone'), ['phone'])
        batch_op.create_check_constraint(op.f('ck_users_contact_preference_valid'),
                                         "contact_preference IN ('both', 'sms', 'email')")
        batch_op.create_check_constraint(op.f('ck_users_email_or_phone'), "email IS NOT NULL OR phone IS NOT NULL")


def downgrade():
    op.execute("UPDATE users SET email = 'tel' || substr(phone, 2) || '@telephone.invalid' WHERE email IS NULL")
    op.execute("UPDATE outbox_messages SET to_email = 'sms' || COALESCE(substr(to_phone, 2), '') || '@telephone.invalid' "
               "WHERE to_email IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_email_or_phone'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_contact_preference_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_users_phone'), type_='unique')
        batch_op.alter_column('email', existing_type=sa.VARCHAR(length=254), nullable=False)
        batch_op.drop_column('contact_preference')
        batch_op.drop_column('phone_verified_at')
        batch_op.drop_column('phone')

    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_column('last_at')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_messages_delivery_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_outbox_messages_channel_valid'), type_='check')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_to_phone'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_gateway_id'))
        batch_op.alter_column('to_email', existing_type=sa.VARCHAR(length=254), nullable=False)
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery')
        batch_op.drop_column('gateway_id')
        batch_op.drop_column('secret_expires_at')
        batch_op.drop_column('secret')
        batch_op.drop_column('to_phone')
        batch_op.drop_column('channel')

    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_one_time_codes_expires_at'))
        batch_op.drop_index(batch_op.f('ix_one_time_codes_destination'))

    op.drop_table('one_time_codes')
