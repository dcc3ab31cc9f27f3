"""台账 pages: export the current list, download the import template, check and import."""
from __future__ import annotations

import hashlib
import io
import tempfile
from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from .. import stash
from ..extensions import db
from ..models import Role, local_today
from ..models.base import LOCAL_TZ
from ..permissions import roles_required, staff_required
from ..queries import ItemFilters, apply_filters, visible_items
from ..services import OperationError
from ..services import items as ops
from . import bp
from . import importer as imp
from .export import write_ledger
from .forms import ConfirmImportForm, ImportForm
from .long_open import OPEN_MONTHS, by_unit, long_open_rows, write_long_open
from .scope import file_scope, scope_text
from .template import write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_MAX_BYTES = 5 * 1024 * 1024


def download(fileobj, name: str, mimetype: str):
    """An attachment with the Chinese file name (werkzeug writes RFC 5987 ``filename*``)."""
    response = send_file(fileobj, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/ledger/export")
@roles_required(Role.STAFF, Role.UNIT)
def export():
    """The list the user is looking at, as .xlsx: the same filters and visibility as
    /items (staff) or /my (a unit, which cannot widen its view through the URL).
    ``layout=print`` gives the 打印版 (twelve columns, A4); the default is the full export."""
    filters = ItemFilters.from_args(request.args)
    layout = "print" if request.args.get("layout") == "print" else "full"
    name = "事项台账"
    if not current_user.is_staff:
        filters.unit_id = None
        name = f"{current_user.unit.name}事项台账" if current_user.unit else name
    today, now = local_today(), datetime.now(LOCAL_TZ)
    org = current_app.config["ORG_NAME"]
    banner = f"{org}督办事项台账（{scope_text(filters)}）　导出时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}"
    stmt = apply_filters(visible_items(current_user), filters, today)
    # Spooled to disk, never a BytesIO of the whole workbook; deleted when the response closes.
    file = tempfile.TemporaryFile()
    try:
        write_ledger(file, stmt, today, title=f"{org}{name}（{today:%Y-%m-%d}导出）", layout=layout, banner=banner,
                     batch_size=current_app.config["LEDGER_EXPORT_BATCH"])
        file.seek(0)
    except BaseException:
        file.close()
        raise
    suffix = "-打印版" if layout == "print" else ""
    return download(file, f"{name}-{file_scope(filters)}{suffix}-{today:%Y%m%d}.xlsx", XLSX)


def _unit_arg() -> int | None:
    value = request.args.get("unit", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@bp.route("/ledger/long-open")
@staff_required
def long_open():
    """长期未办结: open more than 12 months after the meeting, per unit (page)."""
    unit_id = _unit_arg()
    rows = long_open_rows(local_today(), unit_id)
    return render_template("ledger/long_open.html", groups=by_unit(rows), total=len(rows), months=OPEN_MONTHS,
                           unit_id=unit_id)


@bp.route("/ledger/long-open.xlsx")
@staff_required
def long_open_export():
    """The same rows as a sheet for the 年度 follow-up report."""
    today, now = local_today(), datetime.now(LOCAL_TZ)
    org = current_app.config["ORG_NAME"]
    title = f"{org}长期未办结事项（会议后超过 {OPEN_MONTHS} 个月，{today:%Y-%m-%d}）"
    file = tempfile.TemporaryFile()
    try:
        write_long_open(file, long_open_rows(today, _unit_arg()), title,
                        f"{title}　导出时间：{now.year}年{now.month}月{now.day}日 {now:%H:%M}")
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return download(file, f"长期未办结事项-{today:%Y%m%d}.xlsx", XLSX)


@bp.route("/ledger/import/template")
@staff_required
def import_template():
    buffer = io.BytesIO()  # a two-row workbook: a few kilobytes
    write_template(buffer)
    buffer.seek(0)
    return download(buffer, "台账导入模板.xlsx", XLSX)


KEEP_MINUTES = 30  # the previewed file is kept this long for 确认导入
PURPOSE = "import"


@bp.route("/ledger/import", methods=["GET", "POST"])
@staff_required
def import_ledger():
    """Check, then import: the first post lists every problem and writes nothing and keeps
    the file server-side (``tracker/stash.py``: this user's session only, 30 minutes), so
    确认导入 needs no second upload. Posting the file again with ``step=import`` still
    works; the digest makes sure what is imported is exactly what was previewed."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("ledger/import.html", form=form)
    data = form.file.data.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        form.file.errors.append(f"文件超过 {IMPORT_MAX_BYTES // 1024 // 1024} MB，请拆分后分批导入")
        return render_template("ledger/import.html", form=form)
    digest = hashlib.sha256(data).hexdigest()
    backfill = bool(form.backfill.data)
    if request.form.get("step") == "import":
        return _import(data, form.digest.data != digest, form.file.data.filename, backfill)
    plan = imp.check_ledger(io.BytesIO(data), local_today(), current_user, backfill=backfill)
    if plan.ok:
        stash.keep(PURPOSE, data, url_for("ledger.import_ledger"), KEEP_MINUTES, name=form.file.data.filename[:255])
        db.session.commit()
    return _preview(plan, digest, form.file.data.filename, kept=plan.ok)


@bp.route("/ledger/import/confirm", methods=["POST"])
@staff_required
def confirm_import():
    """确认导入 the file kept at the preview."""
    form = ConfirmImportForm()
    kept = stash.find(PURPOSE) if form.validate_on_submit() else None
    if kept is None:
        flash("预览已过期或已导入，请重新选择文件", "warning")
        return redirect(url_for("ledger.import_ledger"), code=303)
    data, name = kept.data, kept.name or ""
    return _import(data, form.digest.data != hashlib.sha256(data).hexdigest(), name, form.backfill.data == "1")


def _import(data: bytes, mismatch: bool, filename: str, backfill: bool):
    today = local_today()
    plan = imp.check_ledger(io.BytesIO(data), today, current_user, backfill=backfill)
    if plan.ok and not mismatch:
        try:
            items = ops.import_plan(plan, current_user, today)
            stash.drop(PURPOSE)
            db.session.commit()
        except OperationError as error:
            db.session.rollback()
            plan.problems.append(imp.Problem(None, "导入", error.message))
        else:
            flash(f"已导入 {len(items)} 项事项，新建监督活动 {len(plan.new)} 个，"
                  f"其中 {plan.assigned_count} 项已交办", "success")
            return redirect(url_for("items.index"), code=303)
    return _preview(plan, hashlib.sha256(data).hexdigest(), filename, mismatch=mismatch)


def _preview(plan, digest: str, filename: str, *, mismatch: bool = False, kept: bool = False):
    confirm = ImportForm(formdata=None)
    confirm.digest.data = digest
    confirm.backfill.data = plan.backfill
    kept_form = ConfirmImportForm(formdata=None, digest=digest, backfill="1" if plan.backfill else "") if kept else None
    return render_template("ledger/preview.html", plan=plan, form=confirm, filename=filename, kept_form=kept_form,
                           mismatch=mismatch, new_activities=sorted(plan.new.items(), key=lambda kv: kv[1].row))
