"""No code writes Application.status but the status machine (Application.transition_to), and
the bulk writers check their statuses against the same table: read from the source of
quota_app/, so that a new writer cannot appear unnoticed.

What counts as a write:
- `x.status = ...` (or +=, or setattr(x, "status", ...)): allowed only in
  Application.transition_to, in another model's own methods (`self.status` of a Placement),
  and on the objects named in OTHER_STATUSES, which are not applications;
- `Application(..., status=...)` and `update(Application).values(status=...)` anywhere;
- a module that inserts into the applications table through Core (`Application.__table__`,
  `insert(Application)`) without calling a bulk check of applications/status.py.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "quota_app"

# Variables whose `.status` is not an application's, with what they hold.
OTHER_STATUSES = {
    "placement": "placement.models.Placement (offered, accepted, declined...)",
    "job": "jobs.models.Job (queued, running, done, failed)",
    "message": "notifications.models.OutboxMessage (pending, sent, failed)",
    "run": "imports.models.ImportRun (dry_run, committed...)",
    "deliberation": "committee.models.Deliberation (open, validated)",
    "assignment": "committee.models.ReviewAssignment (pending, submitted, withdrawn)",
    "nomination": "amci.models.Nomination (proposed, confirmed, reoriented, refused, withdrawn)",
    "slip": "amci.models.Transmittal (prepared, sent, received, answered)",
    "reconciliation": "amci.models.Reconciliation (dry_run, applied, discarded)",
}
BULK_CHECKS = {"check_initial", "check_history", "check_bulk_moves", "check_move"}
# Core writers of applications not yet wired to a bulk check, with who wires them. An entry
# whose module now calls a check must go: this list only shrinks.
PENDING_BULK_WRITERS: dict[str, str] = {}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _parents(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _enclosing(node, parents, kind):
    while node in parents:
        node = parents[node]
        if isinstance(node, kind):
            return node
    return None


def _names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _status_targets(node):
    """The `x.status` expressions that `node` assigns to."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    else:
        return []
    found = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Attribute) and sub.attr == "status" and isinstance(sub.ctx, ast.Store):
                found.append(sub)
    return found


def _is_machine(target, parents) -> bool:
    """`self.status` inside Application.transition_to, or inside another model's own method."""
    if not (isinstance(target.value, ast.Name) and target.value.id == "self"):
        return False
    cls = _enclosing(target, parents, ast.ClassDef)
    func = _enclosing(target, parents, (ast.FunctionDef, ast.AsyncFunctionDef))
    if cls is None or func is None:
        return False
    return func.name == "transition_to" if cls.name == "Application" else True


def _is_bulk_machine(node, parents) -> bool:
    """Inside Application.transition_all, the bulk form of the machine (it checks the table)."""
    cls = _enclosing(node, parents, ast.ClassDef)
    func = _enclosing(node, parents, (ast.FunctionDef, ast.AsyncFunctionDef))
    return cls is not None and func is not None and cls.name == "Application" and func.name == "transition_all"


def _writes(module: str, tree) -> list[str]:
    parents = _parents(tree)
    found = []
    for node in ast.walk(tree):
        for target in _status_targets(node):
            holder = ast.unparse(target.value)
            if not _is_machine(target, parents) and holder not in OTHER_STATUSES:
                found.append(f"{module}:{node.lineno}: {ast.unparse(target)} = ...")
        if not isinstance(node, ast.Call):
            continue
        func = ast.unparse(node.func)
        keywords = {k.arg for k in node.keywords}
        dict_keys = {k.value for a in node.args if isinstance(a, ast.Dict)
                     for k in a.keys if isinstance(k, ast.Constant)}
        if func == "setattr" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                and node.args[1].value == "status":
            found.append(f"{module}:{node.lineno}: setattr(..., 'status', ...)")
        if func.split(".")[-1] == "Application" and "status" in keywords:
            found.append(f"{module}:{node.lineno}: Application(status=...) (use Application.new)")
        if isinstance(node.func, ast.Attribute) and node.func.attr == "values" \
                and ("Application" in _names(node.func.value) or "table" in _names(node.func.value)) \
                and ("status" in keywords or "status" in dict_keys) and not _is_bulk_machine(node, parents):
            found.append(f"{module}:{node.lineno}: {func}(status=...) on applications")
    return sorted(found, key=lambda line: int(line.split(":")[1]))


def _inserts_applications(tree) -> bool:
    # Application.__table__.insert(), insert(Application) or insert(Application.__table__); a
    # select that reads Application.__table__ writes nothing.
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "insert" \
                and ast.unparse(node.value) == "Application.__table__":
            return True
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "insert" \
                and any(ast.unparse(a) in ("Application", "Application.__table__") for a in node.args):
            return True
    return False


def _calls_a_bulk_check(tree) -> bool:
    return any(isinstance(n, ast.Call) and ast.unparse(n.func).split(".")[-1] in BULK_CHECKS
               for n in ast.walk(tree))


def test_only_the_status_machine_writes_an_application_status():
    found = [write for module, tree in _modules() for write in _writes(module, tree)]
    assert not found, ("Application.status changes only through Application.transition_to "
                       "(applications/status.py holds the legal moves); found:\n" + "\n".join(found))


def test_bulk_writers_of_applications_check_their_statuses():
    unchecked, stale = [], []
    for module, tree in _modules():
        if not _inserts_applications(tree):
            continue
        checked = _calls_a_bulk_check(tree)
        if module in PENDING_BULK_WRITERS:
            if checked:
                stale.append(module)
        elif not checked:
            unchecked.append(module)
    assert not unchecked, (
        "These modules insert applications through Core without checking their statuses with "
        "applications/status.py (check_initial / check_history / check_bulk_moves):\n" + "\n".join(unchecked))
    assert not stale, ("These modules now check their statuses: remove them from PENDING_BULK_WRITERS:\n"
                       + "\n".join(stale))


def test_the_scan_sees_the_writes_it_forbids():
    """The detector itself, on samples: each forbidden form is found, each allowed one is not."""
    sample = ast.parse(
        "def submit(application):\n"
        "    application.status = 'submitted'\n"
        "    setattr(application, 'status', 'x')\n"
        "    Application(campaign_id=1, status='eligible')\n"
        "    db.session.execute(update(Application).values(status='placed'))\n"
        "    placement.status = 'accepted'\n"
        "class Application:\n"
        "    def transition_to(self, target):\n"
        "        self.status = target\n"
        "    def shortcut(self):\n"
        "        self.status = 'enrolled'\n"
        "    def transition_all(cls, ids):\n"
        "        db.session.execute(update(table).values(status='placed'))\n"
        "class Placement:\n"
        "    def answer(self):\n"
        "        self.status = 'accepted'\n")
    found = _writes("sample.py", sample)
    assert [line.split(":")[1] for line in found] == ["2", "3", "4", "5", "11"], found
    assert _inserts_applications(ast.parse("db.session.execute(insert(Application.__table__), rows)"))
    assert _inserts_applications(ast.parse("db.session.execute(insert(Application), rows)"))
    assert not _calls_a_bulk_check(ast.parse("insert(Application.__table__)"))
    assert _calls_a_bulk_check(ast.parse("status.check_initial('submitted', 'import')"))
