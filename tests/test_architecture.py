"""Rules about where rules live, checked on the source so a second copy cannot creep in."""
from __future__ import annotations

import re
from pathlib import Path

from tracker.models import Stage

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def test_services_never_commit():
    """Operations flush; the request (or a job in tracker/jobs/) commits once."""
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "tracker" / "services").glob("*.py"))
                 for n, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"\.commit\(\)", line)]
    assert not offenders, f"services must not commit: {offenders}"


def test_templates_name_no_stage_and_no_role_for_item_actions():
    """Stages, lights and who-may-act are decided in Python (workflow, lights) and passed in."""
    stages = "|".join(s.value for s in Stage)
    stage_literal = re.compile(rf"""['"]({stages})['"]""")
    offenders = []
    for path in TEMPLATES:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if stage_literal.search(line) or re.search(r"deadline\s*[<>]", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
            # Item actions are asked of ``allowed``; the home page's role sections are not item actions.
            if path.parts[-2] in ("items", "followup", "ledger", "public", "reports") and \
                    re.search(r"current_user\.is_(staff|reviewer|unit_user)", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n} (role check)")
    assert not offenders, offenders


def test_templates_include_only_templates_that_exist():
    offenders = [str(p.relative_to(ROOT)) for p in TEMPLATES if "ignore missing" in p.read_text()]
    assert not offenders


def test_history_actions_are_never_spelled_out():
    """record() takes AuditAction members; comparisons use them too."""
    pattern = re.compile(r"""(record\(\s*f?["']|action\s*[!=]=\s*["'])""")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "tracker").rglob("*.py"))
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders


def test_numbers_from_requests_are_ascii_digits():
    """``"²".isdigit()`` is true and ``int("²")`` raises: every number typed or sent in a URL
    goes through ``params.is_number`` (or checks ``isascii()`` on the same line)."""
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "tracker").rglob("*.py"))
                 if p.name != "params.py"
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if ".isdigit()" in line and "isascii()" not in line and "password" not in line]
    assert not offenders, offenders


def test_text_limits_come_from_tracker_limits():
    """Every text limit lives in tracker/limits.py, so forms, the Excel import and the paste
    preview agree: no ``max=<number>`` or WTForms ``Length`` in form code (``TextLimit(CONST)``
    instead), no numeric slice that would cut a text silently, and no ``maxlength`` in a
    template (a browser cuts a paste at maxlength without a word; the counter and the server
    say the limit instead). Search boxes are queries, not stored text."""
    form_code = [p for p in sorted((ROOT / "tracker").rglob("*.py"))
                 if re.search(r"\b(BaseForm|FlaskForm)\b", p.read_text()) and p.name != "fields.py"]
    assert any(p.name == "forms.py" for p in form_code)
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in form_code
                 for n, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\bmax(_length)?\s*=\s*\d|\bLength\(|\.strip\(\)\[:\d", line)]
    offenders += [f"{p.relative_to(ROOT)}:{n}" for p in TEMPLATES
                  for n, line in enumerate(p.read_text().splitlines(), 1)
                  if "maxlength" in line and 'type="search"' not in line]
    assert not offenders, offenders


def test_orm_aliases_are_made_once_at_module_level():
    """An ``aliased()`` made inside a function is made on every request, and SQLAlchemy
    prepares each new alias anew: 我的事项's returned-report lookup cost 2.4 ms of Python for
    0.02 ms of SQL until its alias moved to the module (``main.todos._REPORT``: 0.41 ms)."""
    import ast
    offenders = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            for call in ast.walk(function):
                if isinstance(call, ast.Call) and (getattr(call.func, "attr", None) == "aliased"
                                                   or getattr(call.func, "id", None) == "aliased"):
                    offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not offenders, f"make these aliases once, at module level: {offenders}"
