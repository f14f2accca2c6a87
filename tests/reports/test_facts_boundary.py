"""``reports/`` reads figures only through the apps' facts functions (design.md, "One facts layer";
docs/figures.md): no module of it queries a model of ``branches``, ``members``, ``meetings`` or
``dues`` itself (``<Model>.objects``, ``<Model>._default_manager``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APPS = ("branches", "members", "meetings", "dues")
REPORTS = Path(__file__).resolve().parents[2] / "reports"
MANAGERS = {"objects", "_default_manager", "_base_manager"}

# Lookups that count nothing, each with its reason:
ALLOWED = {
    # the unit a background job or ``manage.py export`` names, loaded by id or code
    "tasks.py": {"OrgUnit"},
    "management/commands/export.py": {"OrgUnit"},
    # the roster importer matches its rows to the units and people already recorded and writes
    # through the members and dues services: it reads no figure
    "roster_import.py": {"OrgUnit", "Person", "Membership"},
}


def direct_queries(source: str) -> set[tuple[str, int]]:
    """``(model, line)`` for every manager of another app's model used in ``source``: a name
    imported from ``<app>.models`` (aliases too), or an attribute of that module imported whole."""
    tree = ast.parse(source)
    models: set[str] = set()  # names bound to model classes of the other apps
    modules: set[str] = set()  # names bound to the other apps' models modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module in {f"{app}.models" for app in APPS}:
                models.update(alias.asname or alias.name for alias in node.names)
            elif node.module in APPS:
                modules.update(alias.asname or alias.name for alias in node.names if alias.name == "models")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {f"{app}.models" for app in APPS}:
                    modules.add(alias.asname or alias.name)
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in MANAGERS):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in models:
            found.add((owner.id, node.lineno))
        elif isinstance(owner, ast.Attribute) and ast.unparse(owner.value) in modules:
            found.add((owner.attr, node.lineno))
    return found


def test_the_scan_finds_direct_queries():
    assert direct_queries("from dues.models import DuesDue as D\nD.objects.filter(month=1)\n") == {("D", 2)}
    assert direct_queries("from meetings import models\nmodels.Meeting.objects.count()\n") == {("Meeting", 2)}
    assert direct_queries("import members.models\nmembers.models.Person._default_manager.all()\n") == {("Person", 2)}
    # importing a model for its choices, as a type or for a cache's list of what it reads is fine
    assert not direct_queries("from dues.models import PointsSheet\nPointsSheet.State.PUBLIC\nREADS = (PointsSheet,)\n")
    assert not direct_queries("from .models import Scorecard\nScorecard.objects.all()\n")  # reports' own models


@pytest.mark.parametrize("path", sorted(REPORTS.rglob("*.py")), ids=lambda p: str(p.relative_to(REPORTS)))
def test_reports_do_not_query_other_apps_models(path):
    if "migrations" in path.parts:
        return
    name = path.relative_to(REPORTS).as_posix()
    queried = {(model, line) for model, line in direct_queries(path.read_text(encoding="utf-8"))
               if model not in ALLOWED.get(name, set())}
    assert not queried, (f"reports/{name} queries {sorted(queried)} directly: read the figure through the "
                         "app's facts.py (docs/figures.md)")
