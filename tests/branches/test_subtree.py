"""The one subtree helper: every "everything under this unit" question goes through it."""

import pathlib

import pytest

from branches.models import OrgUnit, in_subtree, path_within
from members.models import Membership
from tests.factories import make_person

APPS = ("branches", "members", "meetings", "dues", "reports", "benchmarks", "config")


@pytest.mark.django_db
def test_in_subtree_finds_the_unit_and_what_lies_under_it(tree):
    units = set(OrgUnit.objects.filter(in_subtree(tree["branch_a"])))
    assert tree["branch_a"] in units and tree["group_a"] in units and tree["branch_b"] not in units
    person = make_person(tree["group_a"].parent, group=tree["group_a"])
    assert Membership.objects.filter(in_subtree(tree["branch_a"], "unit"), person=person).exists()
    assert not Membership.objects.filter(in_subtree(tree["branch_b"].path, "unit"), person=person).exists()
    assert path_within(tree["group_a"].path, tree["branch_a"].path)
    assert not path_within(tree["branch_b"].path, tree["branch_a"].path)


def test_path_startswith_is_written_only_in_the_helper():
    root = pathlib.Path(__file__).resolve().parents[2]
    found = [str(path.relative_to(root)) for app in APPS for path in (root / app).rglob("*.py")
             if "migrations" not in path.parts and "path__startswith" in path.read_text(encoding="utf-8")]
    assert found == ["branches/models.py"]
