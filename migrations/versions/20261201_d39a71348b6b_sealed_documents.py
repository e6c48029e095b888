"""sealed documents: the seals of PDFs checked on the public verification page

One row per sealed PDF (procès-verbal, receipt, placement list, transmittal slip): its public
token (the /verifier/<token> address), number and title (public: no personal data), the SHA-256
of its canonical content and of the PDF file, the PDF's bytes, who sealed it and when, and when
it was revoked.

Revision ID: d39a71348b6b
Revises: 7cfb8fb3c668
Create Date: 2026-12-01 21:58:31.438527

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd39a71348b6b'
down_revision = '7cfb8fb3c668'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sealed_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('length(content_sha256) = 64', name=op.f('ck_sealed_documents_content_sha256_hex')),
    sa.CheckConstraint('length(pdf_sha256) = 64', name=op.f('ck_sealed_documents_pdf_sha256_hex')),
    sa.CheckConstraint('revoked_at IS NULL OR revoked_at >= created_at', name=op.f('ck_sealed_documents_revoked_after_created')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sealed_documents_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_documents')),
    sa.UniqueConstraint('token', name=op.f('uq_sealed_documents_token'))
    )
    with op.batch_alter_table('sealed_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_documents_content_sha256'), ['content_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_sealed_documents_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_sealed_documents_pdf_sha256'), ['pdf_sha256'], unique=False)



def downgrade():
    with op.batch_alter_table('sealed_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sealed_documents_pdf_sha256'))
        batch_op.drop_index(batch_op.f('ix_sealed_documents_kind'))
        batch_op.drop_index(batch_op.f('ix_sealed_documents_content_sha256'))

    op.drop_table('sealed_documents')
