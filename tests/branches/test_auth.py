"""Signing in goes through django-axes and Django's ModelBackend; each page reads the account, its
roles and its unread count with the ORM, once each."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches import access
from branches.models import Notification, Role, RoleKind, UnitKind
from tests.factories import make_unit, make_user

pytestmark = pytest.mark.django_db


def test_the_backends_are_axes_then_djangos_own():
    assert settings.AUTHENTICATION_BACKENDS == ["axes.backends.AxesStandaloneBackend",
                                                "django.contrib.auth.backends.ModelBackend"]


def test_the_scope_leaves_out_roles_on_archived_units(tree):
    archived = make_unit(UnitKind.BRANCH, tree["committee"], name="已撤销支部")
    user = make_user(tree["branch_a"])
    Role.objects.create(user=user, unit=tree["branch_b"], kind=RoleKind.VIEWER)
    Role.objects.create(user=user, unit=archived, kind=RoleKind.SECRETARY)
    archived.archived_on = timezone.localdate()
    archived.save()
    scope = access.scope_for(get_user_model().objects.get(pk=user.pk))
    assert scope.edit_paths == (tree["branch_a"].path,)
    assert set(scope.view_paths) == {tree["branch_a"].path, tree["branch_b"].path}


def test_an_account_without_roles_has_an_empty_scope(tree):
    assert access.scope_for(make_user()).is_empty


def test_the_scope_is_read_once_per_user_object_and_forget_reads_it_again(tree):
    user = get_user_model().objects.get(pk=make_user(tree["branch_a"]).pk)
    with CaptureQueriesContext(connection) as ctx:
        assert access.scope_for(user).edit_paths == (tree["branch_a"].path,)
        access.scope_for(user)
    assert len(ctx.captured_queries) == 1
    Role.objects.create(user=user, unit=tree["branch_b"], kind=RoleKind.SECRETARY)
    access.forget(user)
    assert set(access.scope_for(user).edit_paths) == {tree["branch_a"].path, tree["branch_b"].path}


def test_an_inactive_account_is_not_signed_in(client, tree):
    user = make_user(tree["branch_a"], is_active=False)
    assert client.post(reverse("login"), {"username": user.username, "password": "pass-1234"}).status_code == 200
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_signing_in_through_the_form_reaches_home(client, tree, owner):
    response = client.post(reverse("login"), {"username": owner.username, "password": "pass-1234"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_page_reads_the_account_its_roles_and_unread_count_once_each(client, tree, owner):
    Notification.objects.create(user=owner, key="a", title="提醒一")
    Notification.objects.create(user=owner, key="b", title="提醒二")
    Notification.objects.create(user=owner, key="c", title="已读", read_at=timezone.now())
    client.force_login(owner)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reports:jobs"))
    page = response.content.decode()
    assert 'bg-warning text-dark">2</span>' in page  # the unread count by the bell
    assert reverse("reports:import_upload", args=["members"]) in page  # an editor's 导入 link
    tables = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "auth_user"' in sql for sql in tables) == 1
    assert sum('FROM "branches_role"' in sql for sql in tables) == 1
    assert sum('FROM "branches_notification"' in sql for sql in tables) == 1
