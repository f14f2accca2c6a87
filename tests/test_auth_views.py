"""Login, logout and password change (config/urls.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "支部台账" in response.content.decode()


def test_login_with_wrong_password_rerenders(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "正确的" in content
    assert 'value="owner"' in content
    assert "_auth_user_id" not in client.session


def test_a_browser_set_to_english_still_gets_chinese_messages(client, owner):
    """The portal speaks one language: the browser's Accept-Language does not switch Django's own
    messages (form errors, password rules) to English."""
    response = client.post(reverse("login"), {"username": "owner", "password": "wrong"},
                           HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    content = response.content.decode()
    assert "正确的" in content and "Please enter" not in content
    assert response.get("Content-Language") in (None, "zh-hans")


def test_login_then_next(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "pass-1234",
                                              "next": reverse("members:list")})
    assert response.status_code == 302
    assert response.url == reverse("members:list")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_login_refuses_offsite_next(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "pass-1234",
                                              "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_logout_is_post_only(client_for, owner):
    client = client_for(owner)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_password_change(client_for, owner):
    client = client_for(owner)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(reverse("password_change"), {
        "old_password": "pass-1234", "new_password1": "Zhibu-新密码-2026", "new_password2": "Zhibu-新密码-2026"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Zhibu-新密码-2026")


def test_password_change_needs_login(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
