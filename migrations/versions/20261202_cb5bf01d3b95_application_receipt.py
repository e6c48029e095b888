"""application receipt: the sealed récépissé of a submitted file

Each submitted application points to its sealed PDF receipt (documents' sealed_documents row,
kind "receipt", numbered by the file's reference), issued at submission or at the first download
of a file submitted before receipts were sealed. Nullable: drafts and older files have none.

Revision ID: cb5bf01d3b95
Revises: 4852cad79783
Create Date: 2026-12-02 05:22:55.451438

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cb5bf01d3b95'
down_revision = '4852cad79783'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_document_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_applications_receipt_document_id_sealed_documents'), 'sealed_documents', ['receipt_document_id'], ['id'])


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_applications_receipt_document_id_sealed_documents'), type_='foreignkey')
        batch_op.drop_column('receipt_document_id')
