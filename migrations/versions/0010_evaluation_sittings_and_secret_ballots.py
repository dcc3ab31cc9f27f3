"""evaluation sittings and secret ballots

Every existing evaluation becomes the one entry of a sitting; stored rule snapshots and
custom rules move to the clause format (reading exactly as the old engine counted);
result and consequence become enum columns with CHECK constraints. The per-evaluation
participant table is replaced by the sitting's; an open online evaluation's counters
become anonymous ballot rows (random keys), so nothing already cast is lost.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01 04:38:32.705076

"""
import json
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None



def _upgrade_rule(data):
    """The pre-clause rule format in the clause format (a copy of
    ``tracker.tally.parse.upgrade_legacy_rule``, frozen here as migrations must be)."""
    if isinstance(data, str):
        data = json.loads(data)
    legacy = {"denominator", "satisfied_share", "pass_share", "at_threshold_passes", "require_quorum",
              "escalate_after_failed_rounds"}
    if not legacy & set(data):
        return data
    op_ = "at_least" if data.get("at_threshold_passes", True) else "more_than"
    base = data.get("denominator", "all_members")
    outcomes = {g: {k: v for k, v in o.items() if v not in (None, False)}
                for g, o in (data.get("outcomes") or {}).items()}
    rounds = data.get("escalate_after_failed_rounds")
    return {
        "key": data["key"], "name": data["name"], "source": data.get("description", ""),
        "grades": ["satisfied", "basic", "unsatisfied"],
        "clauses": [
            {"grade": "satisfied", "counts": ["satisfied"], "op": op_, "share": data["satisfied_share"],
             "base": base, "text": ""},
            {"grade": "basic", "counts": ["satisfied", "basic"], "op": op_, "share": data["pass_share"],
             "base": base, "text": ""},
        ],
        "default_grade": "unsatisfied", "default_text": "",
        "quorum": {"op": "more_than", "share": "1/2"} if data.get("require_quorum", True) else None,
        "outcomes": outcomes, "overrides": [],
        "escalation": {"after_failed_rounds": rounds, "label": "提请主任会议挂牌督办"} if rounds else None,
    }


def _migrate_data(old_participants):
    conn = op.get_bind()
    meta = sa.MetaData()
    evaluation = sa.Table("evaluation", meta, autoload_with=conn)
    sitting = sa.Table("sitting", meta, autoload_with=conn)
    item = sa.Table("item", meta, autoload_with=conn)
    activity = sa.Table("activity", meta, autoload_with=conn)
    voter = sa.Table("sitting_voter", meta, autoload_with=conn)
    participant = sa.Table("sitting_participant", meta, autoload_with=conn)
    user = sa.Table("user_account", meta, autoload_with=conn)
    setting = sa.Table("setting", meta, autoload_with=conn)
    rows = conn.execute(sa.select(evaluation, activity.c.meeting_date, item.c.seq)
                        .join(item, item.c.id == evaluation.c.item_id)
                        .join(activity, activity.c.id == item.c.activity_id)
                        .order_by(evaluation.c.id)).mappings().all()
    new_ballots = []
    reviewers = [r for (r,) in conn.execute(sa.select(user.c.id).where(user.c.role == "reviewer",
                                                                         user.c.active.is_(True)))]
    for row in rows:
        rule = _upgrade_rule(row["rule"])
        is_open = row["status"] == "open"
        entered = row["mode"] != "online" and (row["satisfied"] + row["basic"] + row["unsatisfied"]
                                               + row["invalid"]) > 0
        sitting_id = conn.execute(sa.insert(sitting).values(
            title=f"第 {row['round']} 轮满意度测评（事项 {row['item_id']}）",
            meeting_date=(row["opened_at"].date() if row["opened_at"] else row["meeting_date"]),
            mode=row["mode"], status="open" if is_open else "counted",
            members_total=max(row["members_total"], 1),
            members_present=(row["members_present"] if (not is_open or entered) else None),
            rule_key=row["rule_key"], rule=rule, opened_at=row["opened_at"], opened_by_id=row["opened_by_id"],
            counted_at=row["closed_at"], counted_by_id=row["closed_by_id"], version=1,
        ).returning(sitting.c.id)).scalar_one()
        values = {"sitting_id": sitting_id, "position": 1, "rule": rule}
        if not is_open or entered:
            values["result_source"] = "counted"
        conn.execute(sa.update(evaluation).where(evaluation.c.id == row["id"]).values(**values))
        voted = sorted(u for e, u in old_participants if e == row["id"])
        if voted:
            conn.execute(sa.insert(participant), [{"sitting_id": sitting_id, "user_id": u} for u in voted])
        if is_open and row["mode"] == "online":
            eligible = sorted(set(reviewers) | set(voted))
            if eligible:
                conn.execute(sa.insert(voter), [{"sitting_id": sitting_id, "user_id": u} for u in eligible])
            ballots = [g for g, n in (("satisfied", row["satisfied"]), ("basic", row["basic"]),
                                      ("unsatisfied", row["unsatisfied"]), (None, row["invalid"]))
                       for _ in range(n)]
            secrets.SystemRandom().shuffle(ballots)
            new_ballots += [{"key": secrets.token_hex(16), "sitting_id": sitting_id, "evaluation_id": row["id"],
                             "grade": g} for g in ballots]
            # Counters are computed from the ballots at counting from now on.
            conn.execute(sa.update(evaluation).where(evaluation.c.id == row["id"]).values(
                satisfied=0, basic=0, unsatisfied=0, invalid=0))
    stored = conn.execute(sa.select(setting.c.value).where(setting.c.key == "custom_rules")).scalar()
    if stored:
        stored = json.loads(stored) if isinstance(stored, str) else stored
        conn.execute(sa.update(setting).where(setting.c.key == "custom_rules").values(
            value={k: _upgrade_rule(v) for k, v in stored.items()}))
    return new_ballots


def _defer_foreign_keys():
    """SQLite's batch mode copies ``evaluation`` to a new table and drops the old one,
    which rows of other tables reference; checked at commit, the references hold again."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA defer_foreign_keys = ON")


def upgrade():
    _defer_foreign_keys()

    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('sitting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('mode', sa.Enum('online', 'meeting', 'spot', name='sitting_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'stopped', 'counted', name='sitting_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('members_total', sa.Integer(), nullable=False),
    sa.Column('members_present', sa.Integer(), nullable=True),
    sa.Column('rule_key', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('counted_at', sa.DateTime(), nullable=True),
    sa.Column('counted_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('members_present IS NULL OR (members_present >= 0 AND members_present <= members_total)', name=op.f('ck_sitting_present_within_total')),
    sa.CheckConstraint('members_total > 0', name=op.f('ck_sitting_members_total_positive')),
    sa.ForeignKeyConstraint(['counted_by_id'], ['user_account.id'], name=op.f('fk_sitting_counted_by_id_user_account')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_sitting_opened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sitting'))
    )
    op.create_table('sitting_participant',
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['sitting.id'], name=op.f('fk_sitting_participant_sitting_id_sitting')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sitting_participant_user_id_user_account')),
    sa.PrimaryKeyConstraint('sitting_id', 'user_id', name=op.f('pk_sitting_participant'))
    )
    with op.batch_alter_table('sitting_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sitting_participant_user_id'), ['user_id'], unique=False)

    op.create_table('sitting_voter',
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sitting_id'], ['sitting.id'], name=op.f('fk_sitting_voter_sitting_id_sitting')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sitting_voter_user_id_user_account')),
    sa.PrimaryKeyConstraint('sitting_id', 'user_id', name=op.f('pk_sitting_voter'))
    )
    with op.batch_alter_table('sitting_voter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sitting_voter_user_id'), ['user_id'], unique=False)

    op.create_table('ballot',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('satisfied', 'basic', 'unsatisfied', name='ballot_grade', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_ballot_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sitting.id'], name=op.f('fk_ballot_sitting_id_sitting')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ballot')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_sitting_id'), ['sitting_id'], unique=False)

    # Nothing may reference ``evaluation`` while SQLite's batch mode copies it: the old
    # participation is read into memory and its table dropped first, the ballots made
    # from open counters are written after the last copy.
    conn = op.get_bind()
    old_participants = [tuple(r) for r in conn.execute(sa.text(
        "SELECT evaluation_id, user_id FROM evaluation_participant"))]
    with op.batch_alter_table('evaluation_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_participant_user_id'))
    op.drop_table('evaluation_participant')

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sitting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('unbalanced_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('result_source', sa.Enum('counted', 'published', name='result_source', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('published_text', sa.String(length=200), nullable=True))
        batch_op.alter_column('result',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.Enum('satisfied', 'basic', 'unsatisfied', name='evaluation_grade', native_enum=False, create_constraint=True, length=32),
               existing_nullable=True)
        batch_op.alter_column('consequence',
               existing_type=sa.VARCHAR(length=16),
               type_=sa.Enum('close', 'continue', 'redo', name='evaluation_consequence', native_enum=False, create_constraint=True, length=32),
               existing_nullable=True)

    new_ballots = _migrate_data(old_participants)
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.alter_column('sitting_id', existing_type=sa.Integer(), nullable=False)
        # 现场评定 joins the modes (the type change above wrote the other enum CHECKs).
        batch_op.drop_constraint(op.f('ck_evaluation_evaluation_mode'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evaluation_evaluation_mode'),
                                         "mode IN ('online', 'meeting', 'spot')")
        batch_op.create_index(batch_op.f('ix_evaluation_sitting_id'), ['sitting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evaluation_sitting_id_sitting'), 'sitting', ['sitting_id'], ['id'])

    if new_ballots:
        ballot = sa.Table("ballot", sa.MetaData(), autoload_with=conn)
        conn.execute(sa.insert(ballot), new_ballots)


def downgrade():
    """Back to one evaluation per item: counts go back onto the evaluation rows, the
    participation to the old table; rule snapshots stay in the clause format (the old
    code cannot read them, so downgrade only to roll a failed deploy straight back)."""
    _defer_foreign_keys()
    conn = op.get_bind()
    participants = [{"evaluation_id": e, "user_id": u} for e, u in conn.execute(sa.text(
        "SELECT e.id, p.user_id FROM sitting_participant p JOIN evaluation e ON e.sitting_id = p.sitting_id"))]
    op.execute("UPDATE evaluation SET mode = 'meeting' WHERE mode = 'spot'")
    # The counters of online evaluations still open come back from their ballots.
    conn.execute(sa.text(
        "UPDATE evaluation SET "
        "satisfied = (SELECT count(*) FROM ballot b WHERE b.evaluation_id = evaluation.id AND b.grade = 'satisfied'), "
        "basic = (SELECT count(*) FROM ballot b WHERE b.evaluation_id = evaluation.id AND b.grade = 'basic'), "
        "unsatisfied = (SELECT count(*) FROM ballot b WHERE b.evaluation_id = evaluation.id "
        "AND b.grade = 'unsatisfied'), "
        "invalid = (SELECT count(*) FROM ballot b WHERE b.evaluation_id = evaluation.id AND b.grade IS NULL) "
        "WHERE status = 'open' AND mode = 'online'"))
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_sitting_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('sitting_voter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sitting_voter_user_id'))

    op.drop_table('sitting_voter')
    with op.batch_alter_table('sitting_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sitting_participant_user_id'))

    op.drop_table('sitting_participant')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        if conn.dialect.name == "sqlite":  # PostgreSQL drops them with the type change
            for name in ('ck_evaluation_result_source', 'ck_evaluation_evaluation_grade',
                         'ck_evaluation_evaluation_consequence'):
                batch_op.drop_constraint(op.f(name), type_='check')
        batch_op.drop_constraint(op.f('ck_evaluation_evaluation_mode'), type_='check')
        batch_op.create_check_constraint(op.f('ck_evaluation_evaluation_mode'), "mode IN ('online', 'meeting')")
        batch_op.drop_constraint(batch_op.f('fk_evaluation_sitting_id_sitting'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evaluation_sitting_id'))
        batch_op.alter_column('consequence',
               existing_type=sa.Enum('close', 'continue', 'redo', name='evaluation_consequence', native_enum=False, create_constraint=True, length=32),
               type_=sa.VARCHAR(length=16),
               existing_nullable=True)
        batch_op.alter_column('result',
               existing_type=sa.Enum('satisfied', 'basic', 'unsatisfied', name='evaluation_grade', native_enum=False, create_constraint=True, length=32),
               type_=sa.VARCHAR(length=16),
               existing_nullable=True)
        batch_op.drop_column('published_text')
        batch_op.drop_column('result_source')
        batch_op.drop_column('unbalanced_confirmed')
        batch_op.drop_column('position')
        batch_op.drop_column('sitting_id')

    op.drop_table('sitting')
    op.create_table('evaluation_participant',
    sa.Column('evaluation_id', sa.INTEGER(), nullable=False),
    sa.Column('user_id', sa.INTEGER(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_evaluation_participant_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_evaluation_participant_user_id_user_account')),
    sa.PrimaryKeyConstraint('evaluation_id', 'user_id', name=op.f('pk_evaluation_participant'))
    )
    with op.batch_alter_table('evaluation_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_participant_user_id'), ['user_id'], unique=False)

    if participants:
        table = sa.Table("evaluation_participant", sa.MetaData(), autoload_with=conn)
        conn.execute(sa.insert(table), participants)
