"""The login against a crowd: whose address a request comes from, and when django-axes refuses.

Behind nginx every request reaches gunicorn from 127.0.0.1, so ``REMOTE_ADDR`` names the proxy,
not the client. :func:`client_ip` takes the client's address from ``X-Forwarded-For`` only when the
request came from a proxy listed in ``TRUSTED_PROXIES`` (read right to left, skipping the trusted
hops: whatever a client wrote there itself stands further left). django-axes reads it through
``AXES_CLIENT_IP_CALLABLE``.

axes locks an account per account *and* address (``AXES_LOCKOUT_PARAMETERS``), so wrong passwords
typed elsewhere do not lock the real user out. :class:`LoginGuardHandler` adds a limit per address
whatever the username (``LOGIN_ADDRESS_FAILURE_LIMIT``): a flood of made-up usernames from one
address is refused by axes' backend, which runs before Django's, so it costs no password hash.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` as networks: single addresses (``127.0.0.1``) or ranges (``10.0.0.0/8``)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in proxies if entry.strip())


def _address(text: str) -> Address | None:
    """An address as a header may carry it (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, unless that is a trusted proxy; then the nearest
    address in ``X-Forwarded-For`` (right to left) that is not a trusted proxy, or ``X-Real-IP``
    when a trusted proxy sent no ``X-Forwarded-For``. A header from anyone else is ignored."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))

    def trusted(address: Address) -> bool:
        return any(address in network for network in networks)

    if not trusted(remote):
        return str(remote)
    hops = [hop for hop in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    if not hops:
        real = _address(request.META.get("HTTP_X_REAL_IP") or "")
        return str(real or remote)
    client = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # not an address: a proxy never writes that, so the client did
            break
        client = address
        if not trusted(address):
            break
    return str(client)


def _attempts_for_address(request: HttpRequest) -> QuerySet[AccessAttempt]:
    return AccessAttempt.objects.filter(ip_address=request.axes_ip_address)


def _attempts_for_account(request: HttpRequest, credentials: dict | None) -> QuerySet[AccessAttempt]:
    username = get_client_username(request, credentials)
    return AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address)


def _unexpired(attempts: QuerySet[AccessAttempt], request: HttpRequest) -> QuerySet[AccessAttempt]:
    return attempts.filter(attempt_time__gte=get_cool_off_threshold(request))


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return sum(attempts.values_list("failures_since_start", flat=True))


def address_locked(request: HttpRequest) -> bool:
    """This address has failed ``LOGIN_ADDRESS_FAILURE_LIMIT`` times within the cool-off, whatever
    the usernames."""
    return _failures(_unexpired(_attempts_for_address(request), request)) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class LoginGuardHandler(AxesDatabaseHandler):
    """axes' database handler, with the per-address limit beside its per-account-and-address one."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        failures = super().get_failures(request, credentials)
        if failures < get_failure_limit(request, credentials) and address_locked(request):
            return get_failure_limit(request, credentials)
        return failures


def lock_ends(attempts: QuerySet[AccessAttempt], limit: int, request: HttpRequest) -> dt.datetime | None:
    """When the lock over ``attempts`` lifts: each attempt row stops counting one cool-off after its
    last failure, and the lock holds while the failures still counting reach ``limit``."""
    counted = 0
    for attempt_time, failures in _unexpired(attempts, request).order_by("-attempt_time").values_list(
            "attempt_time", "failures_since_start"):
        counted += failures
        if counted >= limit:
            return attempt_time + get_cool_off(request)
    return None


def wait_text(until: dt.datetime | None, now: dt.datetime) -> str:
    """``请在约25分钟后（14:05之后）再试`` — how long a locked login waits, in minutes."""
    if until is None:
        return "请稍后再试"
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    span = f"{minutes // 60}小时{minutes % 60}分钟" if minutes > 60 else f"{minutes}分钟"
    return f"请在约{span}后（{timezone.localtime(until):%H:%M}之后）再试"


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The page a refused login gets (``AXES_LOCKOUT_CALLABLE``): which lock, and how long to wait."""
    by_address = address_locked(request)
    ends = [lock_ends(_attempts_for_account(request, credentials), get_failure_limit(request, credentials), request)]
    if by_address:
        ends.append(lock_ends(_attempts_for_address(request), settings.LOGIN_ADDRESS_FAILURE_LIMIT, request))
    until = max((end for end in ends if end is not None), default=None)
    context: dict[str, Any] = {"by_address": by_address, "wait": wait_text(until, timezone.now()),
                               "failure_limit": get_failure_limit(request, credentials)}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)


def refuse_locked_address(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware (after axes'): a login from an address over ``LOGIN_ADDRESS_FAILURE_LIMIT`` is
    answered with the lockout page before the login view runs. axes would refuse it too, but only
    after the view has cleaned the form and rendered the login page: 10 ms a refusal against 4 ms
    here (2026-12-05, large demo), and a flood of 20 a second from one address took `make load`'s
    p95 to 519 ms (target 500) while the view ran."""
    login = reverse_lazy("login")

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == str(login):
            AxesProxyHandler.update_request(request)  # the client address, as axes reads it
            if address_locked(request):
                return lockout_response(request)
        return get_response(request)

    return middleware
