"""The login behind a proxy and against a crowd (config/login_guard.py): the client's address from a
trusted proxy only, lockouts per account and address, a per-address limit that costs no password
hash, and a lockout page that says how long to wait."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.login_guard import client_ip, wait_text

pytestmark = pytest.mark.clock("2026-12-05")

NGINX = "127.0.0.1"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    return settings


def login(username: str, password: str, *, via_proxy_for: str | None = None, remote: str = NGINX,
          client: Client | None = None, **headers: str):
    """Post the login form as nginx would pass it on for the client at ``via_proxy_for``."""
    meta = {"REMOTE_ADDR": remote, **headers}
    if via_proxy_for:
        meta["HTTP_X_FORWARDED_FOR"] = via_proxy_for
    return (client or Client()).post(reverse("login"), {"username": username, "password": password}, **meta)


# --- the client's address ----------------------------------------------------------------------------

def _ip(settings, remote: str, **headers: str) -> str | None:
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1", "10.0.0.0/8"]
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_a_direct_client_is_its_remote_addr_and_its_forwarded_for_is_ignored(settings):
    assert _ip(settings, "203.0.113.9") == "203.0.113.9"
    assert _ip(settings, "203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1") == "203.0.113.9"
    assert _ip(settings, "203.0.113.9", HTTP_X_REAL_IP="198.51.100.1") == "203.0.113.9"


def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client(settings):
    assert _ip(settings, NGINX, HTTP_X_FORWARDED_FOR="198.51.100.7") == "198.51.100.7"
    # a client that writes its own X-Forwarded-For: nginx appends the real address on the right
    assert _ip(settings, NGINX, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7") == "198.51.100.7"
    # two trusted proxies in a row are skipped
    assert _ip(settings, NGINX, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.1.2.3") == "198.51.100.7"
    # garbage a client wrote is not taken for an address
    assert _ip(settings, NGINX, HTTP_X_FORWARDED_FOR="evil, 10.1.2.3") == "10.1.2.3"
    assert _ip(settings, NGINX, HTTP_X_FORWARDED_FOR="[2001:db8::1]:443") == "2001:db8::1"
    assert _ip(settings, "::1", HTTP_X_REAL_IP="198.51.100.8") == "198.51.100.8"
    assert _ip(settings, NGINX) == NGINX  # runserver on a laptop


def test_a_bad_trusted_proxies_setting_stops_the_start(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    from config.settings import base

    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1,not-an-address")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        importlib.reload(base)
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(base)


# --- lockouts ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_failures_from_another_address_do_not_lock_the_user_out(axes_on, owner):
    for _ in range(8):
        login("owner", "wrong", via_proxy_for="198.51.100.66")
    assert login("owner", "wrong", via_proxy_for="198.51.100.66").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
    # the real user, behind the same nginx but at another address, signs in
    assert login("owner", "pass-1234", via_proxy_for="203.0.113.5").status_code == 302


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_from_an_untrusted_address_is_ignored(axes_on, owner):
    for n in range(5):  # each failure claims another address; all count against the real one
        login("owner", "wrong", remote="198.51.100.66", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    refused = login("owner", "pass-1234", remote="198.51.100.66", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
    # and it cannot make the lock land on somebody else's address either
    assert login("owner", "pass-1234", remote="203.0.113.1").status_code == 302


@pytest.mark.django_db
def test_a_flood_of_made_up_usernames_is_refused_before_any_password_is_hashed(axes_on, owner, monkeypatch):
    hashed = []
    real_encode, real_verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *a: hashed.append(1) or real_encode(self, *a))
    monkeypatch.setattr(MD5PasswordHasher, "verify", lambda self, *a: hashed.append(1) or real_verify(self, *a))
    flood = "198.51.100.66"
    for n in range(20):
        assert login(f"nobody{n}", "guess", via_proxy_for=flood).status_code in (200, 429)
    assert len(hashed) == 20  # Django hashes even for an unknown name (so timing does not tell)
    hashed.clear()
    for n in range(20, 60):
        response = login(f"nobody{n}", "guess", via_proxy_for=flood)
        assert response.status_code == 429
    assert hashed == []
    page = response.content.decode()
    assert "本网络地址登录失败次数过多" in page and "分钟后" in page
    # failures during the lock are not recorded (no row per flood request)
    assert AccessAttempt.objects.count() == 20
    # nobody else is refused, and the real user at another address signs in
    assert login("owner", "pass-1234", via_proxy_for="203.0.113.5").status_code == 302


@pytest.mark.django_db
def test_the_lockout_page_says_how_long_to_wait_and_the_lock_lifts_then(axes_on, owner):
    start = timezone.now()
    for _ in range(5):
        locked = login("owner", "wrong", via_proxy_for="198.51.100.66")
    page = locked.content.decode()
    assert locked.status_code == 429 and "登录失败次数过多，账号已暂时锁定" in page
    assert "请在约60分钟后" in page
    with time_machine.travel(start + dt.timedelta(minutes=35), tick=False):
        later = login("owner", "pass-1234", via_proxy_for="198.51.100.66")
        assert later.status_code == 429
        # the refused try did not extend the lock (25 minutes, rounded up)
        assert re.search("请在约2[56]分钟后", later.content.decode())
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        assert login("owner", "pass-1234", via_proxy_for="198.51.100.66").status_code == 302


def test_wait_text():
    now = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.UTC)
    assert wait_text(now + dt.timedelta(minutes=25), now) == "请在约25分钟后（14:25之后）再试"
    assert wait_text(now + dt.timedelta(seconds=10), now) == "请在约1分钟后（14:00之后）再试"
    assert wait_text(now + dt.timedelta(minutes=90), now) == "请在约1小时30分钟后（15:30之后）再试"
    assert wait_text(None, now) == "请稍后再试"


def test_the_readme_gives_nginx_the_headers_the_portal_reads():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for line in ("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
                 "proxy_set_header X-Real-IP $remote_addr;", "proxy_set_header X-Forwarded-Proto https;",
                 "TRUSTED_PROXIES", "LOGIN_ADDRESS_FAILURE_LIMIT"):
        assert line in readme


@pytest.mark.django_db
def test_a_locked_address_is_refused_before_the_login_view_runs(axes_on, owner, monkeypatch):
    """The flood's refusals cost what they must: the login view (form, authentication, the login
    page rendered to be thrown away) does not run for an address over its limit."""
    from django.contrib.auth.views import LoginView

    flood = "198.51.100.77"
    for n in range(20):
        login(f"nobody{n}", "guess", via_proxy_for=flood)
    ran = []
    real_post = LoginView.post
    monkeypatch.setattr(LoginView, "post", lambda self, request, *a, **k: ran.append(1) or real_post(self, request, *a, **k))
    response = login("owner", "pass-1234", via_proxy_for=flood)  # even the right password, from there
    assert response.status_code == 429 and "本网络地址登录失败次数过多" in response.content.decode()
    assert ran == []
    assert login("owner", "pass-1234", via_proxy_for="203.0.113.5").status_code == 302
    assert ran == [1]
