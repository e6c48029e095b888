"""list search indexes: applications.search_name and the managers' list indexes

The managers' list sorts by name and searches names by prefix on `search_name` (the last name
then the first names, without accents, case or punctuation), through two indexes that also hold
the list's usual filters. `(campaign_id, last_name)` served the old sort and goes.

Revision ID: 5e4c1a7b9d20
Revises: 2f2154118813
Create Date: 2026-11-29 07:10:00.796941

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e4c1a7b9d20'
down_revision = '2f2154118813'
branch_labels = None
depends_on = None

SEARCH_NAME = sa.String(length=250).with_variant(sa.String(length=250, collation='C'), 'postgresql')
CHUNK = 5000

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_ALNUM = re.compile(r"[\W_]+")


def search_key(*parts):
    """Frozen copy of quota_app.applications.models.search_key as of this revision."""
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("œ", "oe").replace("æ", "ae")
    text = _NOT_ALNUM.sub(" ", _APOSTROPHES.sub("", text))
    return text.strip()[:250].rstrip()


def _fill_existing_rows():
    applications = sa.table("applications", sa.column("id", sa.Integer), sa.column("last_name", sa.String),
                            sa.column("first_names", sa.String), sa.column("search_name", sa.String))
    connection = op.get_bind()
    update = (sa.update(applications).where(applications.c.id == sa.bindparam("row_id"))
              .values(search_name=sa.bindparam("key")))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(applications.c.id, applications.c.last_name, applications.c.first_names)
            .where(applications.c.id > last_id).order_by(applications.c.id).limit(CHUNK)).all()
        if not rows:
            break
        params = [{"row_id": r.id, "key": search_key(r.last_name, r.first_names)} for r in rows]
        params = [p for p in params if p["key"]]  # '' is the column's default already
        if params:
            connection.execute(update, params)
        last_id = rows[-1].id


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', SEARCH_NAME, server_default='', nullable=False))
    _fill_existing_rows()
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_campaign_last_name')
        batch_op.create_index('ix_applications_campaign_filters_name',
                              ['campaign_id', 'status', 'sex', 'region_id', 'search_name', 'id'], unique=False)
        batch_op.create_index('ix_applications_campaign_search_name', ['campaign_id', 'search_name', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_campaign_search_name')
        batch_op.drop_index('ix_applications_campaign_filters_name')
        batch_op.create_index('ix_applications_campaign_last_name', ['campaign_id', 'last_name'], unique=False)
        batch_op.drop_column('search_name')
