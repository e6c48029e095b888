"""drop redundant application indexes

Every insert into `applications` writes every index: a 100,000-row import paid for thirteen.
Three repeated what another index already serves:
- `ix_applications_nina` and `ix_applications_passport_number`: NINA and passport are always
  looked up within a campaign, through the uniques (campaign_id, nina) and
  (campaign_id, passport_number);
- `ix_applications_campaign_status`: the leading columns of
  `ix_applications_campaign_filters_name` (campaign_id, status, ...).

Revision ID: 9a41c6d2e8b3
Revises: 5e4c1a7b9d20
Create Date: 2026-11-29 09:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9a41c6d2e8b3'
down_revision = '5e4c1a7b9d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_nina')
        batch_op.drop_index('ix_applications_passport_number')
        batch_op.drop_index('ix_applications_campaign_status')


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index('ix_applications_passport_number', ['passport_number'], unique=False)
        batch_op.create_index('ix_applications_nina', ['nina'], unique=False)
