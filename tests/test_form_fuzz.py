"""Hypothesis-generated junk posted to every view of the portal that accepts POST.

The views come from Django's URL resolver (every pattern that accepts POST, plus the further
actions of multi-action views in ``VARIANTS``); each starts from the valid body in
``tests/url_cases.py`` and has some of its fields replaced by junk, dropped, or joined by extra
fields. Posted as the account entitled to the form (the branch secretary, or committee staff for
the review forms), every answer must be:

* never a server error (the test client re-raises a view's exception; it is caught and reported
  with the body that caused it);
* 200 with the posted form re-rendered showing its errors (or a warning message), a redirect, 404 for an
  id that names nothing, 400 for a parameter that cannot be read (a period), with the reason, or
  403 for a choice the account may not make (a 党委 under a branch);
* and when it is not a success, no partial write: the row count of every table (history tables
  included) is unchanged.

Every form class of the apps' ``forms`` modules must be exercised by some case, so a new form
cannot escape either. Each example runs in a savepoint that is rolled back, so examples do not
see each other's writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import os
import re
from typing import Any

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from .url_cases import QUARTER, VARIANTS, YEAR, Case, Pattern, changed, portal_patterns, row_counts, url_of

APPS = ("branches", "members", "meetings", "dues", "reports")
NOT_FUZZED = {"logout": "takes no input"}
POST_PATTERNS = [p for p in portal_patterns() if "POST" in p.methods and p.name not in NOT_FUZZED]
FUZZED = [(p, p.name) for p in POST_PATTERNS] + [
    (p, f"{p.name}#{variant}") for p in POST_PATTERNS for variant in VARIANTS.get(p.name, ())]

GET_PATTERNS = [p for p in portal_patterns() if "GET" in p.methods]
# The query parameters the list and report pages read.
QUERY_KEYS = ["unit", "period", "page", "q", "year", "status", "kind", "code", "groups", "former", "month", "next"]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
GET_EXAMPLES = int(os.environ.get("FUZZ_GET_EXAMPLES", "10"))
# FUZZ_SHRINK=0 reports the first failing example as found (faster while hunting bugs).
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + ([] if os.environ.get("FUZZ_SHRINK") == "0" else [Phase.shrink])

# --- Junk -----------------------------------------------------------------------------------------

ODD = [
    "", " ", "\x00", "a\x00b", "\x00" * 3, "0", "-1", "-0", "00000", "1e9999", "-1e9999", "NaN", "Infinity", "-Infinity",
    "99999999999999999999999999", "-99999999999999999999", "0.0001", "1,000", "１２３", "٣", "2025-02-30", "0000-00-00",
    "9999-99-99", "9999-12-31", "0001-01-01", "1900-01-01", "20250101", "2025/1/1", "25-6-1", "2026Q5", "2026-13", "2026H3",
    "24:61", "on", "true", "None", "null", "[]", "{}", "<script>alert(1)</script>", "' OR 1=1 --", "%", "_", "\\",
    "\u202e反转", "\ufeff", "\u200b", "𠀀𠀁𠀂", "e\u0301", "ｆｕｌｌ", "\r\n", "\t", "../../etc/passwd", "x" * 5000,
    "中" * 3000, "9" * 400, "第一党支部", "党员大会", "²", "½", "sNaN", "-Inf", "1E+2", "0x1F", "1_000",
    "11010119900101²23X", "１１０１０１１９９００１０１１２３Ｘ", "110101199002301234", "2026-07-01T25:00",
]
CHINESE = "党支部书记委员会议学习教育组织生活一二三四五六七八九十年月日甲乙丙丁"

text = st.one_of(
    st.text(max_size=30),  # any code point but surrogates, NUL and control characters included
    st.text(alphabet=CHINESE, min_size=1, max_size=30),
    st.sampled_from(ODD),
)
numbers = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
)
dates = st.one_of(st.dates().map(dt.date.isoformat), st.datetimes().map(lambda d: d.isoformat()))
files = st.builds(
    SimpleUploadedFile,
    st.sampled_from(["名册.xlsx", "a.png", "合影.jpg", "scan.pdf", "noext", "x" * 300 + ".png", "..\\a.docx", ".xlsx"]),
    st.one_of(st.binary(max_size=300), st.sampled_from([b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"%PDF-1.4", b""])
              .flatmap(lambda head: st.binary(max_size=200).map(lambda tail: head + tail))),
)


def junk(pool: list[Any]) -> st.SearchStrategy[Any]:
    """A value for one field: text, numbers, dates, several values at once, or an existing value
    (an id or code of another branch's record, a duplicate)."""
    scalar = st.one_of(text, numbers, dates, st.sampled_from(pool).map(str))
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


@st.composite
def bodies(draw: Any, base: dict[str, Any], fields: list[str], pool: list[Any]) -> dict[str, Any]:
    body = dict(base)
    keys = sorted((set(base) | set(fields)) - {"csrfmiddlewaretoken"})
    if keys:
        for key in draw(st.lists(st.sampled_from(keys), unique=True, min_size=1, max_size=len(keys))):
            how = draw(st.sampled_from(["junk", "junk", "drop", "file"] if isinstance(base.get(key), SimpleUploadedFile)
                                       else ["junk", "junk", "junk", "drop"]))
            if how == "drop":
                body.pop(key, None)
            else:
                body[key] = draw(files if how == "file" else junk(pool))
    for key, value in draw(st.dictionaries(st.sampled_from(["extra", "id", "pk", "unit", "action", "status", "__proto__",
                                                            "字段"]), junk(pool), max_size=2)).items():
        body.setdefault(key, value)
    return body


# --- The forms ------------------------------------------------------------------------------------


def app_form_classes() -> set[str]:
    """Every form class defined in the apps' forms modules (and the reports views, which keep theirs)."""
    found = set()
    for module_name in [f"{app}.forms" for app in APPS] + ["reports.views.work_reports"]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found.add(value.__name__)
    return found


def form_fields(case: Any) -> list[str]:
    """The field names of the forms the case's view validates (with their prefixes)."""
    names: list[str] = []
    classes = {cls.__name__: cls for cls in _all_form_classes()}
    for form_name in case.forms:
        cls = classes.get(form_name)
        if cls is None:
            continue
        prefix = case.prefix.get(form_name)
        names += [f"{prefix}-{name}" if prefix else name for name in cls.base_fields]
    return names


def _all_form_classes() -> list[type]:
    found: list[type] = []
    stack = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def existing_values(world: Any) -> list[Any]:
    """Ids and codes that exist, mostly another branch's or committee's: a form must refuse them
    (or accept them as its rules say), never crash on a duplicate."""
    return [world.b.pk, world.x.pk, world.committee.pk, world.committee2.pk, world.group.pk, world.pb.pk, world.px.pk,
            world.p1.pk, world.left.pk, world.meeting.pk, world.confirmed.pk, world.a.code, world.b.code,
            world.p1.id_number, world.px.id_number, world.meeting.number, "unified-day", world.objection.pk,
            world.entry.pk, world.rule.pk, world.manual_item.pk, world.points_item.pk, -1, 0, 2**31, 2**63]


# --- The test -------------------------------------------------------------------------------------


def outcome(response: Any) -> tuple[bool, list[str]]:
    """(success, error messages): a redirect without an error message (or with a success message)."""
    found = list(get_messages(response.wsgi_request))
    errors = [str(m) for m in found if m.level >= messages.ERROR]
    succeeded = any(m.level == messages.SUCCESS for m in found)
    return response.status_code == 302 and (succeeded or not errors), errors


# What a re-rendered form with errors shows: a field marked invalid and its message (crispy-forms),
# Django's error list, or a form's own alert (not a message's, which can be dismissed).
FORM_ERRORS = re.compile(r'is-invalid|invalid-feedback|class="errorlist|alert-danger(?! alert-dismissible)')


def shows_form_errors(response: Any) -> bool:
    return bool(FORM_ERRORS.search(response.content.decode()))


def test_every_form_is_fuzzed(portal_world):
    used = {name for case in portal_world.cases.values() for name in case.forms}
    missing = app_form_classes() - used
    assert not missing, (f"forms that no POST case in tests/url_cases.py names: {sorted(missing)}; add the view's valid "
                         "POST body (and the form in Case.forms) so the fuzzer exercises them")


def test_every_variant_has_a_case(portal_world):
    for _, name in FUZZED:
        assert name in portal_world.cases, f"no case for {name} in tests/url_cases.py cases()"


@pytest.mark.parametrize(("pattern", "name"), FUZZED, ids=[name for _, name in FUZZED])
def test_junk_posts_are_answered_without_partial_writes(portal_world, db, pattern: Pattern, name: str):
    case = portal_world.cases.get(name)
    if case is None:
        pytest.fail(f"URL pattern {name!r} accepts POST but has no case in tests/url_cases.py cases()", pytrace=False)
    client = Client()
    if case.as_user:
        client.force_login(getattr(portal_world, case.as_user))
    url = url_of(pattern, case)
    fields = form_fields(case)
    pool = existing_values(portal_world)

    base = {**case.body(), "csrfmiddlewaretoken": "x" * 32}  # a browser always sends it: never an empty body

    def post_junk(body: dict[str, Any]) -> None:
        client.cookies.pop("messages", None)
        for value in body.values():
            if isinstance(value, SimpleUploadedFile):
                value.seek(0)  # the same upload object may be posted by several examples
        with transaction.atomic():
            before = row_counts()
            try:
                response = client.post(url, body)
            except Exception as exc:
                raise AssertionError(f"{name}: server error {exc!r} for POST {url} {body!r}") from exc
            status = response.status_code
            assert status in (200, 302, 400, 403, 404), f"{name}: {status} for POST {url} {body!r}"
            success, errors = outcome(response)
            if not success:
                difference = changed(before, row_counts())
                assert not difference, f"{name}: partial write to {difference} ({status} {errors}) for {body!r}"
            if status == 200 and case.forms:
                told = any(m.level >= messages.WARNING for m in get_messages(response.wsgi_request))
                assert told or shows_form_errors(response), f"{name}: 200 without saying what is wrong for {body!r}"
            transaction.set_rollback(True)

    test = given(body=bodies(base, fields, pool))(post_junk)
    # Besides the generated bodies, always: a NUL (PostgreSQL refuses it in text) and far too long
    # a value (SQLite does not enforce lengths; PostgreSQL does) — in all the form's fields at once
    # (a form reports every field), and one at a time in the fields a view reads from request.POST
    # itself (where the first refusal hides the rest).
    texts = [key for key, value in base.items() if isinstance(value, str) and key != "csrfmiddlewaretoken"]
    raw = [key for key in texts if key not in fields]
    for keys in ([key for key in texts if key in fields], *([key] for key in raw)):
        if keys:
            test = example(body={**base, **{key: f"{base[key]}\x00" for key in keys}})(test)
            test = example(body={**base, **{key: (base[key] or "长") * 2000 for key in keys}})(test)
    settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True, phases=PHASES,
             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                    HealthCheck.data_too_large])(test)()


@st.composite
def queries(draw: Any, base: dict[str, str], pool: list[Any]) -> dict[str, Any]:
    query = dict(base)
    for key in draw(st.lists(st.sampled_from(sorted(set(base) | set(QUERY_KEYS))), unique=True, min_size=1, max_size=4)):
        query[key] = draw(junk(pool))
    return query


@pytest.mark.parametrize("pattern", GET_PATTERNS, ids=str)
def test_junk_query_strings_are_answered(portal_world, db, pattern: Pattern):
    """The filters of every page (``?unit=…&period=…&q=…``) take junk without a server error and
    without writing anything."""
    from urllib.parse import parse_qsl

    case = portal_world.cases.get(pattern.name)
    if case is None and pattern.kwargs:
        pytest.fail(f"URL pattern {pattern.name!r} has no case in tests/url_cases.py cases()", pytrace=False)
    case = case or Case()
    client = Client()
    who = case.as_user or ("owner" if pattern.name != "login" else "")
    if who:
        client.force_login(getattr(portal_world, who))
    path = url_of(pattern, case).split("?")[0]
    base = dict(parse_qsl(case.query))

    # Besides the generated queries, always: a NUL in every filter, and in the unit and the period.
    @settings(max_examples=GET_EXAMPLES, deadline=None, database=None, print_blob=True, phases=PHASES,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @example(query={**base, **{key: "a\x00b" for key in QUERY_KEYS if key not in ("unit", "period")}})
    @example(query={**base, "unit": "\x00", "period": "\x00"})
    @given(query=queries(base, existing_values(portal_world)))
    def get_junk(query: dict[str, Any]) -> None:
        with transaction.atomic():
            before = row_counts()
            try:
                response = client.get(path, query)
                if getattr(response, "streaming", False):
                    response.getvalue()  # read through the test client's wrapper (close() ends the DB connection)
            except Exception as exc:
                raise AssertionError(f"{pattern}: server error {exc!r} for GET {path} {query!r}") from exc
            assert response.status_code in (200, 302, 400, 403, 404), f"{pattern}: {response.status_code} for {query!r}"
            assert not changed(before, row_counts()), f"{pattern}: GET {path} {query!r} wrote to the database"
            transaction.set_rollback(True)

    get_junk()


# --- What is stored must stay exportable ----------------------------------------------------------

# Text a browser can send that XML (xlsx, docx) cannot hold, or that turns a line around: one
# secretary's save must not break the exports of everyone above her.
HOSTILE = "红\x07旗\x1b[31m\u202e反转\u202c\x0b\x0c\x7f\x85\ufffe\ud7ff结束"


def _export_everything(world: Any) -> None:
    """Every exporter in every format, for the committee and the year, and each meeting's Word record."""
    from branches.exporting import ExportRefused, exporters
    from meetings.documents import meeting_record_docx
    from meetings.models import Meeting

    for exporter in exporters():
        for fmt in exporter.formats:
            for period in (YEAR, QUARTER):
                with contextlib.suppress(ExportRefused):  # an exporter of quarters only, say
                    exporter.render(unit=world.committee, period=period, fmt=fmt, user=None)
    meeting_record_docx(list(Meeting.objects.all()))


@pytest.mark.parametrize(("pattern", "name"), FUZZED, ids=[name for _, name in FUZZED])
def test_hostile_text_that_is_stored_can_still_be_exported(portal_world, db, pattern: Pattern, name: str):
    """Every text field of the form at once holds control, bidi and non-XML characters: the form
    refuses it or stores it cleaned, and the exports of the whole committee still run."""
    case = portal_world.cases[name]
    client = Client()
    if case.as_user:
        client.force_login(getattr(portal_world, case.as_user))
    base = case.body()
    body = {key: f"{value}{HOSTILE}" if isinstance(value, str) and value and not value.isdigit() else value
            for key, value in base.items()}
    with transaction.atomic():
        before = row_counts()
        response = client.post(url_of(pattern, case), body)
        assert response.status_code in (200, 302, 400, 403, 404), (name, response.status_code)
        if changed(before, row_counts()):
            try:
                _export_everything(portal_world)
            except Exception as exc:
                raise AssertionError(f"{name}: stored {body!r} and an export failed: {exc!r}") from exc
        transaction.set_rollback(True)
