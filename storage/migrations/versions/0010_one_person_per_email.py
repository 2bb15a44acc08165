"""one person per email: a unique index on the lower-cased email of people (who someone is comes from Slack, and
a roster record is linked by its email)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    shared = op.get_bind().execute(sa.text(
        "SELECT lower(email) FROM people WHERE email IS NOT NULL GROUP BY lower(email) HAVING count(*) > 1"
        " ORDER BY 1")).scalars().all()
    if shared:
        raise RuntimeError("These emails are on more than one person; merge those records (keep one per email) "
                           "before upgrading: " + ", ".join(shared))
    op.create_index("uq_people_email_lower", "people", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_people_email_lower", table_name="people")
