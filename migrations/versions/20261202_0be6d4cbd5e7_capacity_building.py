"""capacity building: the Malian training establishments (employers), the applicant's
employment (employer, position, experience, subject), the campaign's minimum experience

Revision ID: 0be6d4cbd5e7
Revises: ea9d63ff7458
Create Date: 2026-12-02 10:13:22.304714

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0be6d4cbd5e7'
down_revision = 'ea9d63ff7458'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('malian_establishments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=80), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_malian_establishments_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_malian_establishments')),
    sa.UniqueConstraint('code', name=op.f('uq_malian_establishments_code'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('job_position', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('years_experience', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('training_subject', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_applications_employer_id_malian_establishments'), 'malian_establishments', ['employer_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_applications_years_experience_range'),
            'years_experience IS NULL OR (years_experience >= 0 AND years_experience <= 60)')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_experience_years', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('min_experience_years')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_applications_years_experience_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_applications_employer_id_malian_establishments'), type_='foreignkey')
        batch_op.drop_column('training_subject')
        batch_op.drop_column('years_experience')
        batch_op.drop_column('job_position')
        batch_op.drop_column('employer_id')

    op.drop_table('malian_establishments')
