"""Security settings at work: login lockout (django-axes), CSRF on every POST, the CSP header and
templates it does not break, and the production settings (see also tests/test_settings.py)."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_person

ROOT = Path(__file__).resolve().parent.parent


# --- django-axes -------------------------------------------------------------------------------------

@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    return settings


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_settings_lock_after_five_failures_per_account_and_address():
    assert "axes" in django_settings.INSTALLED_APPS
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    # axes' middleware after the others, then only the early refusal of a locked address
    assert django_settings.MIDDLEWARE[-2:] == ["axes.middleware.AxesMiddleware", "config.login_guard.refuse_locked_address"]
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME == 1
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    # and a limit per address whatever the username, the address from a trusted proxy only
    assert django_settings.AXES_HANDLER == "config.login_guard.LoginGuardHandler"
    assert django_settings.AXES_CLIENT_IP_CALLABLE == "config.login_guard.client_ip"
    assert django_settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account_with_a_chinese_page(axes_on, client, owner, viewer):
    from axes.models import AccessAttempt

    for _ in range(4):
        response = login(client, "owner", "wrong")
        assert response.status_code == 200 and "正确的" in response.content.decode()
    locked = login(client, "owner", "wrong")  # the fifth failure locks
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录失败次数过多，账号已暂时锁定" in page and "分钟后" in page and "再试" in page
    assert locked["Content-Security-Policy"]
    # now even the right password is refused, and nobody is logged in
    again = login(client, "owner", "pass-1234")
    assert again.status_code == 429 and "已暂时锁定" in again.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="owner").failures_since_start >= 5
    # another account from the same address is not locked
    other = login(Client(), "viewer", "pass-1234")
    assert other.status_code == 302


@pytest.mark.django_db
def test_a_successful_login_before_the_limit_is_not_locked(axes_on, client, owner):
    for _ in range(4):
        login(client, "owner", "wrong")
    assert login(client, "owner", "pass-1234").status_code == 302


# --- CSRF ----------------------------------------------------------------------------------------------

def _dummy(converter):
    name = type(converter).__name__
    return {"IntConverter": 1, "UUIDConverter": uuid.uuid4()}.get(name, "x")


def _routes(resolvers=None, namespace=""):
    """(name, kwargs) for every named URL of the project, dummy values filled in."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            if not converters and getattr(entry.pattern, "regex", None) is not None and entry.pattern.regex.groupindex:
                continue  # regex routes (admin internals): covered by the named admin routes
            yield f"{namespace}{entry.name}", {key: _dummy(conv) for key, conv in converters.items()}


def every_url():
    urls = set()
    for name, kwargs in _routes():
        try:
            urls.add(reverse(name, kwargs=kwargs))
        except Exception:  # a route whose dummy arguments do not fit its converters
            continue
    return sorted(urls)


def test_every_url_is_covered():
    urls = every_url()
    for expected in ("/login/", "/members/new/", "/reports/export/", "/reports/import/x/", "/admin/login/"):
        assert expected in urls
    assert len(urls) > 80


@pytest.mark.django_db
def test_every_post_without_a_token_is_refused(admin_user):
    """No view is csrf_exempt: a POST without the token is answered 403 everywhere, before the view."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    refused = {url: client.post(url, {"x": "1"}).status_code for url in every_url()}
    assert {url: code for url, code in refused.items() if code != 403} == {}


@pytest.mark.django_db
def test_login_and_forms_refuse_posts_without_a_token(tree, owner):
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(reverse("login"), {"username": "owner", "password": "pass-1234"})
    assert response.status_code == 403
    assert "页面已过期，操作未执行" in response.content.decode()
    assert "_auth_user_id" not in anonymous.session

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    person = make_person(tree["branch_a"])
    for url, data in [
        (reverse("members:create"), {"name": "新人"}),
        (reverse("members:edit", args=[person.pk]), {"name": "改名"}),
        (reverse("reports:export"), {"exporter": "members", "unit": tree["branch_a"].pk, "period": "2026"}),
        (reverse("org:unit_edit", args=[tree["branch_a"].pk]), {"name": "改名"}),
        (reverse("logout"), {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    person.refresh_from_db()
    assert person.name != "改名"
    assert "_auth_user_id" in client.session  # the logout did not happen either


@pytest.mark.django_db
def test_a_post_with_the_token_goes_through(owner):
    """The control for the tests above: the same client with the page's token logs in."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("login"), {"username": "owner", "password": "pass-1234",
                                              "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# --- Content-Security-Policy ---------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_nothing_csp_blocks(html: str, where: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"{where}: inline <script>"
    assert not EVENT_HANDLER.search(html), f"{where}: on…= handler"
    assert not JS_URL.search(html), f"{where}: javascript: URL"


def test_no_template_needs_inline_script():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 40
    for path in templates:
        assert_nothing_csp_blocks(path.read_text(), str(path.relative_to(ROOT)))


@pytest.mark.django_db
def test_csp_header_on_pages_and_pages_need_nothing_it_blocks(client, tree, owner, staff, admin_user):
    person = make_person(tree["branch_a"])
    anonymous = Client()
    pages = [(anonymous, reverse("login"))]
    for user, urls in [
        (owner, ["home", "members:list", "members:create", "meetings:list", "reports:jobs",
                 ("members:detail", person.pk), ("org:unit", tree["branch_a"].pk),
                 ("reports:import_upload", "members")]),
        (staff, ["home", "reports:scorecards", "members:list", ("members:detail", person.pk)]),
        (admin_user, ["admin:index"]),
    ]:
        client = Client()
        client.force_login(user)
        pages += [(client, reverse(u) if isinstance(u, str) else reverse(u[0], args=[u[1]])) for u in urls]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = csp_of(response)
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url  # no 'unsafe-inline', no 'unsafe-eval'
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], url
        assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"], url
        assert_nothing_csp_blocks(response.content.decode(), url)


@pytest.mark.django_db
def test_error_pages_have_no_javascript_url(client_for, tree, viewer):
    response = client_for(viewer).get(reverse("org:unit_edit", args=[tree["branch_a"].pk]))
    assert response.status_code == 403
    assert_nothing_csp_blocks(response.content.decode(), "403")
    assert 'data-back' in response.content.decode()


# --- production settings ---------------------------------------------------------------------------------

PRODUCTION_VALUES = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS, "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE, "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER, "PASSWORD_HASHERS": s.PASSWORD_HASHERS,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY, "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "SECURE_CONTENT_TYPE_NOSNIFF": s.SECURE_CONTENT_TYPE_NOSNIFF, "AXES_ENABLED": getattr(s, "AXES_ENABLED", True),
    "MIDDLEWARE": s.MIDDLEWARE,
}))
"""


def test_production_settings_are_hardened():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "zhibu.example.cn"}
    proc = subprocess.run([sys.executable, "manage.py", "shell", "-c", PRODUCTION_VALUES], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["PASSWORD_HASHERS"][0] == "config.hashers.OwaspArgon2PasswordHasher"
    assert values["X_FRAME_OPTIONS"] == "DENY" and values["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert values["AXES_ENABLED"] is True
    assert "csp.middleware.CSPMiddleware" in values["MIDDLEWARE"]
    assert "django.middleware.csrf.CsrfViewMiddleware" in values["MIDDLEWARE"]


def test_argon2_hasher_works():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("口令-1234", hasher.salt())
    assert encoded.startswith("argon2$") and hasher.verify("口令-1234", encoded)
