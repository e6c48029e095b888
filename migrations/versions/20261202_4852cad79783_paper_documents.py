"""screening: documents received on paper

A paper file typed in a regional office has its documents in a folder, not uploaded: a manager
records each one as received on paper (who, when, a note), once per file and document type, and
the automatic checks count it as present (issue 15).

Revision ID: 4852cad79783
Revises: 7f361e2ac21d
Create Date: 2026-12-02 05:20:59.942698

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4852cad79783'
down_revision = '7f361e2ac21d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('document_type_id', sa.Integer(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_paper_documents_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_type_id'], ['document_types.id'], name=op.f('fk_paper_documents_document_type_id_document_types')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_paper_documents_received_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_documents')),
    sa.UniqueConstraint('application_id', 'document_type_id', name=op.f('uq_paper_documents_application_id_document_type_id'))
    )
    with op.batch_alter_table('paper_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_documents_application_id'), ['application_id'], unique=False)


def downgrade():
    with op.batch_alter_table('paper_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_documents_application_id'))

    op.drop_table('paper_documents')
