import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches import access
from branches.models import OrgUnit, RoleKind
from tests.factories import make_unit, make_user


@pytest.mark.django_db
def test_scopes(tree, owner, staff, outsider, viewer, admin_user):
    a, b, group = tree["branch_a"], tree["branch_b"], tree["group_a"]
    assert set(access.visible_units(owner)) == {a, group}
    assert set(access.editable_units(owner)) == {a, group}
    assert set(access.visible_units(staff)) == set(OrgUnit.objects.all())
    assert not access.editable_units(staff).exists()
    assert set(access.visible_units(viewer)) == {a, group}
    assert not access.editable_units(viewer).exists()
    assert set(access.visible_units(admin_user)) == set(OrgUnit.objects.all())
    assert access.can_edit(owner, group) and not access.can_edit(owner, b)
    assert access.can_review(staff, a) and not access.can_review(owner, a)
    assert access.can_manage_unit(staff, tree["committee"]) and not access.can_manage_unit(staff, a)


@pytest.mark.django_db
def test_get_for_view_and_edit(tree, owner, outsider, viewer):
    a = tree["branch_a"]
    assert access.unit_for_view(owner, a.pk) == a
    with pytest.raises(Http404):
        access.unit_for_view(outsider, a.pk)
    with pytest.raises(Http404):
        access.unit_for_view(outsider, "not-a-number")
    with pytest.raises(PermissionDenied):
        access.unit_for_edit(viewer, a.pk)
    assert access.unit_for_edit(owner, a.pk) == a


@pytest.mark.django_db
def test_no_role_sees_nothing(tree):
    nobody = make_user()
    assert not access.visible_units(nobody).exists()
    assert access.scope_for(nobody).is_empty


@pytest.mark.django_db
def test_sibling_prefix_is_not_leaked():
    """A path prefix must not match a sibling whose id starts with the same digits (/1/ vs /12/)."""
    committee = make_unit("committee")
    units = [make_unit("branch", committee) for _ in range(12)]
    user = make_user(units[0], RoleKind.SECRETARY)
    visible = set(access.visible_units(user))
    assert visible == {units[0]}
