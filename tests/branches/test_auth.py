"""The account of each request is read with its roles and unread notifications, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches import access
from branches.auth import AccountBackend
from branches.models import Notification, Role, RoleKind, UnitKind
from tests.factories import make_unit, make_user

pytestmark = pytest.mark.django_db


def _scope_read_alone(user):
    fresh = get_user_model().objects.get(pk=user.pk)  # not through the backend: roles by their own query
    return access.scope_for(fresh)


def test_the_scope_from_the_account_query_is_the_scope_read_alone(tree):
    archived = make_unit(UnitKind.BRANCH, tree["committee"], name="已撤销支部")
    user = make_user(tree["branch_a"])
    Role.objects.create(user=user, unit=tree["branch_b"], kind=RoleKind.VIEWER)
    Role.objects.create(user=user, unit=archived, kind=RoleKind.SECRETARY)
    archived.archived_on = timezone.localdate()
    archived.save()
    read = AccountBackend().get_user(user.pk)
    with CaptureQueriesContext(connection) as ctx:
        scope = access.scope_for(read)
    assert ctx.captured_queries == []
    assert scope == _scope_read_alone(user)
    assert scope.edit_paths == (tree["branch_a"].path,)
    assert archived.path not in scope.view_paths


def test_an_account_without_roles_has_an_empty_scope(tree):
    user = make_user()
    assert access.scope_for(AccountBackend().get_user(user.pk)).is_empty


def test_an_inactive_or_unknown_account_is_not_signed_in(tree):
    user = make_user(tree["branch_a"], is_active=False)
    assert AccountBackend().get_user(user.pk) is None
    assert AccountBackend().get_user(999_999) is None


def test_forget_reads_the_roles_again(tree):
    user = make_user(tree["branch_a"])
    read = AccountBackend().get_user(user.pk)
    assert access.scope_for(read).edit_paths == (tree["branch_a"].path,)
    Role.objects.create(user=user, unit=tree["branch_b"], kind=RoleKind.SECRETARY)
    access.forget(read)
    assert set(access.scope_for(read).edit_paths) == {tree["branch_a"].path, tree["branch_b"].path}


def test_a_page_reads_account_roles_and_unread_count_in_one_query(client, tree, owner):
    Notification.objects.create(user=owner, key="a", title="提醒一")
    Notification.objects.create(user=owner, key="b", title="提醒二")
    Notification.objects.create(user=owner, key="c", title="已读", read_at=timezone.now())
    client.force_login(owner, backend="branches.auth.AccountBackend")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reports:jobs"))
    page = response.content.decode()
    assert 'bg-warning text-dark">2</span>' in page  # the unread count by the bell
    assert reverse("reports:import_upload", args=["members"]) in page  # an editor's 导入 link
    assert not [q for q in ctx.captured_queries if "branches_role" in q["sql"] and "auth_user" not in q["sql"]]
    assert not [q for q in ctx.captured_queries if "branches_notification" in q["sql"] and "auth_user" not in q["sql"]]
