"""Security: server-side sessions, login throttles, password history, parked forms,
the audit hash chain (with a TRUNCATE guard) and the three administrator roles.

Revision ID: 0007
Revises: 0010
"""
import hashlib
import json
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_ROLES = ("admin", "staff", "unit", "reviewer")
NEW_ROLES = ("admin", "secadmin", "auditor", "staff", "unit", "reviewer")
GENESIS = "0" * 64


def _role_enum(values):
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_user_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("name_key", "address", name=op.f("uq_login_throttle_name_key_address")),
    )
    op.create_index(op.f("ix_login_throttle_name_key"), "login_throttle", ["name_key"], unique=False)
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_password_history_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_history")),
    )
    op.create_index(op.f("ix_password_history_user_id"), "password_history", ["user_id"], unique=False)
    op.create_table(
        "parked_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=500), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_parked_form_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_form")),
    )
    op.create_index(op.f("ix_parked_form_user_id"), "parked_form", ["user_id"], unique=False)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column("password_changed_at", sa.DateTime(), nullable=True))
    _widen_roles()

    # Plain ALTER TABLE ADD COLUMN on both databases: a batch copy of audit_entry would
    # drop its append-only triggers on SQLite.
    op.add_column("audit_entry", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_entry", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_entry", sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_entry_seq", "audit_entry", ["seq"], unique=True)
    _chain_existing_rows()
    _guard_truncate()


def _widen_roles():
    """The role CHECK gains secadmin and auditor."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_user_account_role"), "user_account", type_="check")
        op.create_check_constraint("role", "user_account", sa.column("role").in_(NEW_ROLES))
        return
    # SQLite cannot alter a CHECK: batch mode copies the table. Other tables reference
    # user_account, so foreign-key checks wait for the end of this transaction.
    op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table("user_account", schema=None, recreate="always") as batch_op:
        batch_op.alter_column("role", existing_type=_role_enum(OLD_ROLES), type_=_role_enum(NEW_ROLES),
                              existing_nullable=False)


def _digest(prev_hash, row):
    at = datetime.fromisoformat(row.at) if isinstance(row.at, str) else row.at
    details = json.loads(row.details) if isinstance(row.details, str) else row.details
    payload = [row.seq, prev_hash, at.isoformat(timespec="microseconds"), row.actor_id, row.actor_name,
               row.remote_addr, row.action, row.object_type, row.object_id, row.item_id, row.summary, details]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain_existing_rows():
    """Link the history written so far, in id order; the append-only trigger is lifted
    for these UPDATEs only, inside this migration's transaction."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    audit = sa.table("audit_entry", *(sa.column(c) for c in (
        "id", "at", "actor_id", "actor_name", "remote_addr", "action", "object_type", "object_id", "item_id",
        "summary", "details", "seq", "prev_hash", "row_hash")))
    prev, seq = GENESIS, 0
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).all()
    for row in rows:
        seq += 1
        digest = _digest(prev, SimpleNamespace(**dict(row._mapping, seq=seq)))
        bind.execute(sa.update(audit).where(audit.c.id == row.id).values(seq=seq, prev_hash=prev, row_hash=digest))
        prev = digest
    bind.execute(sa.text("INSERT INTO audit_chain_head (id, seq, row_hash) VALUES (1, :seq, :hash)"),
                 {"seq": seq, "hash": prev})
    if postgres:
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update_delete")
    else:
        op.execute("""
            CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
            BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END
        """)


def _guard_truncate():
    """Row triggers do not fire on TRUNCATE; a statement-level trigger does. The chain
    head gets the same protection as the rows."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no TRUNCATE; DELETE is refused by the row trigger
    op.execute("""
        CREATE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql
    """)
    for table in ("audit_entry", "audit_chain_head"):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()")
    op.execute("""
        CREATE FUNCTION audit_head_no_delete() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'audit_chain_head rows cannot be deleted';
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
               "FOR EACH ROW EXECUTE FUNCTION audit_head_no_delete()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_no_delete ON audit_chain_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_no_delete()")
        for table in ("audit_entry", "audit_chain_head"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate()")
    op.drop_index("ix_audit_entry_seq", table_name="audit_entry")
    for column in ("row_hash", "prev_hash", "seq"):
        op.drop_column("audit_entry", column)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("must_change_password")
    op.drop_table("audit_chain_head")
    op.drop_index(op.f("ix_parked_form_user_id"), table_name="parked_form")
    op.drop_table("parked_form")
    op.drop_index(op.f("ix_password_history_user_id"), table_name="password_history")
    op.drop_table("password_history")
    op.drop_index(op.f("ix_login_throttle_name_key"), table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
