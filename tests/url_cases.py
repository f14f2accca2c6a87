"""Every URL pattern of the portal, and one valid request for each against one shared world.

``tests/test_access_matrix.py`` replays each request as accounts that must not reach the object
(outsider 404, read-only 403); ``tests/test_form_fuzz.py`` mutates the valid POST bodies. Both
walk Django's URL resolver, so a new view without an entry in :func:`cases` fails them by name.

The world (:func:`build_world`) lives in branch A of committee 1; a second committee with branch X
gives the "staff of another committee" account something of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from branches.importing import Problem
from branches.models import Officer, OfficerRole, RoleKind, UnitKind, today
from branches.periods import Period
from dues import points
from dues import services as dues_services
from dues.models import ArrearsCase
from meetings import services as meeting_services
from meetings.models import AttachmentKind, AttendanceStatus, MeetingKind
from members.models import Recognition, RecognitionKind, Status
from members.services import member_transfer_out
from reports import services as report_services
from reports.import_run import problems_workbook
from reports.models import ImportBatch, RubricItem, WorkPlanItem
from reports.scorecards import rubric_for
from reports.workreport import FIGURES

from .factories import ensure_rule_tables, id_number, make_person, make_tree, make_unit, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DAY = dt.date(2025, 6, 20)  # the meetings of the world were held on this day

# --- The URL patterns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "namespace:name"
    route: str  # the full route, e.g. "members/<int:pk>/edit/"
    kwargs: tuple[str, ...]
    callback: Any

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the view accepts: its ``require_http_methods`` list, a class-based view's
        handlers, else GET and POST."""
        view_class = getattr(self.callback, "view_class", None)
        if view_class is not None:
            return tuple(m for m in ("GET", "POST")
                         if m.lower() in view_class.http_method_names and hasattr(view_class, m.lower()))
        return declared_methods(self.callback) or ("GET", "POST")

    def __str__(self) -> str:
        return self.name


def declared_methods(view: Any) -> tuple[str, ...] | None:
    """The list given to ``require_GET`` / ``require_POST`` / ``require_http_methods``, if any."""
    func = view
    while func is not None:
        try:
            nonlocals = inspect.getclosurevars(func).nonlocals
        except (TypeError, ValueError):
            nonlocals = {}
        if "request_method_list" in nonlocals:
            return tuple(m for m in nonlocals["request_method_list"] if m in ("GET", "POST"))
        func = getattr(func, "__wrapped__", None)
    return None


def _walk(resolvers: list[Any], prefix: str, namespace: str, converters: tuple[str, ...]) -> list[Pattern]:
    found: list[Pattern] = []
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        names = converters + tuple(_pattern_kwargs(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            found += _walk(entry.url_patterns, route, ns or "", names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or route)
            found.append(Pattern(name, route, names, entry.callback))
    return found


def _pattern_kwargs(pattern: Any) -> list[str]:
    if hasattr(pattern, "converters"):  # path()
        return list(pattern.converters)
    return list(pattern.regex.groupindex)  # re_path()


def all_patterns() -> list[Pattern]:
    return _walk(get_resolver().url_patterns, "", "", ())


# Patterns left out of the matrix, each with the reason.
EXCLUDED_PREFIXES = {
    "admin/": "Django admin: a separate site for administrators, guarded by is_staff and Django's model permissions",
    "media/": "uploaded files are served by the web server in production; only mounted when DEBUG",
    "static/": "static files",
}


def excluded(pattern: Pattern) -> str | None:
    for prefix, reason in EXCLUDED_PREFIXES.items():
        if pattern.route.startswith(prefix):
            return reason
    return None


def portal_patterns() -> list[Pattern]:
    return [p for p in all_patterns() if not excluded(p)]


# --- The world ------------------------------------------------------------------------------------

THIS = Period.month_of(today())
LAST = THIS.previous()
QUARTER = Period.containing(today(), "quarter")
YEAR = Period(today().year, "year")


def build_world() -> SimpleNamespace:
    """One object of every kind the URLs take, all in branch A (committee 1), plus the accounts."""
    from tests.dues.helpers import member

    ensure_rule_tables()
    w = SimpleNamespace(**make_tree())
    w.a, w.b, w.group = w.branch_a, w.branch_b, w.group_a
    w.committee2 = make_unit(UnitKind.COMMITTEE, name="另一机关党委")
    w.x = make_unit(UnitKind.BRANCH, w.committee2, name="另一党支部")
    w.empty_group = make_unit(UnitKind.GROUP, w.a, name="第二党小组")  # nobody in it: it may be archived

    w.owner = make_user(w.a, RoleKind.SECRETARY, username="m-owner")
    w.staff = make_user(w.committee, RoleKind.STAFF, username="m-staff")
    w.outsider = make_user(w.b, RoleKind.SECRETARY, username="m-outsider")
    w.viewer = make_user(w.a, RoleKind.VIEWER, username="m-viewer")
    w.other_staff = make_user(w.committee2, RoleKind.STAFF, username="m-other-staff")
    w.norole = make_user(None, username="m-norole")
    from django.contrib.auth import get_user_model

    w.admin = get_user_model().objects.create_superuser("m-root", "root@example.com", "pass-1234")

    w.p1 = member(w.a, group=w.group)  # 书记 of branch A
    w.p2 = member(w.a)
    w.p3 = make_person(w.a, status=Status.ACTIVIST)
    w.left = make_person(w.a)
    member_transfer_out(actor=None, person=w.left, date=dt.date(2024, 6, 1), external_org="外单位党支部")
    w.pb = member(w.b)
    w.px = member(w.x)
    w.officer = Officer.objects.create(unit=w.a, person=w.p1, role=OfficerRole.SECRETARY, started_on=dt.date(2024, 1, 1))
    w.recognition = Recognition.objects.create(kind=RecognitionKind.MODEL_MEMBER, unit=w.a, person=w.p2, date=DAY)

    w.meeting = meeting_services.meeting_create(actor=None, unit=w.a, kind=MeetingKind.GENERAL, date=DAY, topic="党员大会")
    w.confirmed = meeting_services.meeting_create(actor=None, unit=w.a, kind=MeetingKind.GENERAL, date=DAY,
                                                  topic="已确认的党员大会")
    meeting_services.attendance_set(actor=None, meeting=w.confirmed, person=w.p2, status=AttendanceStatus.LEAVE,
                                    reason="出差")
    meeting_services.meeting_confirm(actor=None, meeting=w.confirmed)
    w.appraisal = meeting_services.meeting_create(actor=None, unit=w.a, kind=MeetingKind.APPRAISAL, date=DAY,
                                                  topic="民主评议党员")
    w.attachment = meeting_services.attachment_add(actor=None, meeting=w.meeting, kind=AttachmentKind.PHOTO,
                                                   file=SimpleUploadedFile("photo.png", PNG))
    w.rule = meeting_services.rule_create_local(
        actor=None, scope_unit=w.committee, code="unified-day", name="统一活动日", counts="theme_day",
        applies_to="branch", min_count=1, period="month", effective_from=dt.date(2025, 1, 1), source="通知")

    for month in (LAST, THIS):
        dues_services.dues_generate(actor=None, month=month.start)
    w.p4 = member(w.a)  # no dues generated yet: the generate button has work to do
    outcome = dues_services.payments_record(actor=None, person=w.p1, months=[LAST.start], paid_on=min(LAST.end, today()))
    w.payment, w.receipt = outcome.payments[0], outcome.receipt
    # p2 paid last month in part (未缴足): the month sheet's 补足 has something to top up
    dues_services.payments_record(actor=None, person=w.p2, months=[LAST.start], paid_on=min(LAST.end, today()),
                                  amounts={LAST.start: Decimal("10.00")})
    w.remittance = dues_services.remittance_record(actor=None, unit=w.a, period=LAST, amount=Decimal("40"),
                                                   remitted_on=today())
    w.case = ArrearsCase.objects.create(person=w.p2, unit=w.a, first_month=dt.date(2025, 1, 1), months=6,
                                        opened_on=today())
    sheet = points.points_sheet_open(actor=None, unit=w.a, month=LAST.start)
    points.points_sheet_review(actor=None, sheet=sheet)
    w.sheet = points.points_sheet_publish(actor=None, sheet=sheet, on=today())
    w.objection = points.points_objection_record(actor=None, sheet=w.sheet, person=w.p2, text="漏记", raised_on=today())
    w.points_item = points.scheme_for(THIS.start).items.filter(source="manual").order_by("order").first()
    w.open_sheet = points.points_sheet_open(actor=None, unit=w.a, month=LAST.previous().start)
    w.entry = points.points_entry_add(actor=None, sheet=w.open_sheet, person=w.p2, note="志愿服务",
                                      item=points.scheme_for(LAST.previous().start).items.filter(source="manual")
                                      .order_by("order").first())

    w.manual_item = RubricItem.objects.filter(rubric=rubric_for(QUARTER), method="manual").order_by("order").first()
    for branch in (w.a, w.b):  # every branch scored: the quarter may be published
        for item in RubricItem.objects.filter(rubric=rubric_for(QUARTER), method="manual"):
            report_services.manual_score_set(actor=w.staff, unit=branch, period=QUARTER, item=item, points="1",
                                             comment="规范")
    w.plan_item = report_services.plan_item_save(
        actor=None, unit=w.a, year=YEAR.year,
        item=WorkPlanItem(title="理论学习", owner=w.a, due_on=dt.date(YEAR.year, 12, 31)))
    w.job = report_services.job_create(user=w.owner, kind="export:members", label="名册", params={})
    w.job = report_services.job_finish(w.job.pk, filename="名册.xlsx", content_type="application/octet-stream",
                                       content=b"PK\x03\x04")
    w.failed_job = report_services.job_create(user=w.owner, kind="export:members", label="名册", params={
        "exporter": "members", "unit": w.a.pk, "period": str(YEAR), "format": "xlsx"})
    report_services.job_fail(w.failed_job.pk, report_services.INTERRUPTED_MESSAGE)
    w.batch = ImportBatch.objects.create(user=w.owner, kind="members", original_name="名册.xlsx",
                                         state=ImportBatch.State.APPLIED, summary="已导入")
    w.refused_batch = ImportBatch.objects.create(user=w.owner, kind="members", original_name="名册.xlsx",
                                                 state=ImportBatch.State.REFUSED, problems=["第2行 姓名：必填"],
                                                 problem_count=1, summary="未通过校验：1个问题，未写入任何数据")
    w.refused_batch.problems_file.save("members-problems.xlsx", ContentFile(problems_workbook(
        [Problem(None, 2, "姓名", "必填")])))
    return w


# Patterns without kwargs that take a unit in the query string or the POST body: in the matrix too.
SCOPED_BY_QUERY = frozenset({
    "members:create", "members:recognitions", "meetings:create", "meetings:talks", "meetings:rules", "meetings:list",
    "meetings:list_docx", "meetings:calendar", "meetings:compliance", "meetings:grid", "meetings:cell",
    "meetings:history", "reports:scorecards", "reports:export", "reports:scorecards_publish",
})

# Views that do several things by an ``action`` (or similar) field: each further action is a case
# of its own, named "pattern#variant", for the form fuzzer.
VARIANTS = {
    "dues:person": ("voluntary", "base"),
    "dues:points": ("add", "remove"),
    "dues:points_public": ("object",),
    "meetings:rules": ("end",),
}

# --- One valid request per pattern ----------------------------------------------------------------


@dataclass
class Case:
    """A request that the entitled account (``as_user``) makes successfully.

    ``data`` is the POST body (a callable when it holds an upload, which a request consumes).
    ``write_page``: its GET shows a change form, so read-only accounts get 403 on it.
    ``owned``: the object belongs to one account, so everyone else gets 404, read-only or not.
    ``changes``: the entitled POST changes the database (the matrix checks that it does, so
    that "the outsider's POST changed nothing" means something).
    ``expect``: role → (GET status, POST status) where the default does not apply, with ``note``.
    """

    kwargs: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
    query: str = ""
    as_user: str = "owner"
    write_page: bool = False
    owned: bool = False
    changes: bool = True
    expect: dict[str, tuple[int, int]] = field(default_factory=dict)
    note: str = ""
    forms: tuple[str, ...] = ()  # the form classes the view validates the POST with (for the fuzzer)
    prefix: dict[str, str] = field(default_factory=dict)  # form class → prefix

    def body(self) -> dict[str, Any]:
        data = self.data() if callable(self.data) else self.data
        return dict(data or {})


def iso(day: dt.date) -> str:
    return day.isoformat()


def token() -> str:
    """A payment form's one-time token, as a freshly drawn page carries it (dues.forms.OneTimeForm)."""
    return str(uuid.uuid4())


def form_data(obj: Model, fields: list[str], **changes: Any) -> dict[str, Any]:
    """What a browser posts for ``obj`` in a form of ``fields`` (a checkbox left unticked is absent)."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, f"{name}_id", None) if obj._meta.get_field(name).is_relation else getattr(obj, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value.isoformat() if isinstance(value, dt.date) else value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


PERSON_FIELDS = ["name", "id_number", "gender", "ethnicity", "birth_date", "education", "position", "phone", "status",
                 "applied_on", "activist_on", "candidate_on", "probationary_on", "full_on"]
MEETING_FIELDS = ["unit", "kind", "also_lecture", "also_general", "date", "start_time", "end_time", "place", "topic",
                  "host", "recorder", "lecturer", "lecturer_role", "agenda", "minutes", "resolutions"]


def _new_person(w: SimpleNamespace) -> dict[str, Any]:
    return {"name": "王新", "id_number": id_number(dt.date(1990, 3, 4)), "status": Status.APPLICANT,
            "applied_on": iso(today()), "ethnicity": "汉族", "education": "大学本科", "position": "职员", "phone": "13800000000",
            "p-unit": w.a.pk, "p-group": "", "p-joined_on": ""}


def cases(w: SimpleNamespace) -> dict[str, Case]:
    """The request for every pattern name (``Pattern.name``), built on the world ``w``."""
    a, p2 = w.a, w.p2
    month, last, quarter, year = str(THIS), str(LAST), str(QUARTER), str(YEAR)
    return {
        # --- no kwargs: POST forms for the fuzzer ---
        "login": Case(data={"username": "m-owner", "password": "pass-1234"}, as_user="", forms=("AuthenticationForm",)),
        "password_change": Case(data={"old_password": "pass-1234", "new_password1": "Zb-新密码-2026!",
                                      "new_password2": "Zb-新密码-2026!"}, forms=("PasswordChangeForm",)),
        "org:notifications_read": Case(data={}, changes=False, note="nothing unread in the world"),
        "logout": Case(data={}, changes=False),
        # --- no kwargs, but a unit in the query string or the POST body (SCOPED_BY_QUERY) ---
        "members:create": Case(
            data=lambda: _new_person(w), forms=("PersonForm", "PlacementForm"), prefix={"PlacementForm": "p"},
            expect={"outsider": (200, 200), "viewer": (403, 403), "other_staff": (403, 403), "norole": (403, 403)},
            note="a secretary may add people to their own branch; branch A is simply not among the choices"),
        "meetings:create": Case(
            forms=("MeetingForm",), data={"unit": a.pk, "kind": MeetingKind.COMMITTEE, "date": iso(DAY), "topic": "支委会",
                                         "place": "会议室", "start_time": "09:00", "end_time": "10:30"},
            expect={"outsider": (200, 200), "viewer": (403, 403), "other_staff": (403, 403), "norole": (403, 403)},
            note="a secretary may record meetings of their own branch; branch A is simply not among the choices"),
        "members:recognitions": Case(query=f"unit={a.pk}", forms=("RecognitionForm",), data={
            "kind": RecognitionKind.CARE, "person": p2.pk, "date": iso(today()), "granted_by": "机关党委",
            "amount": "500.00", "note": "走访慰问"}),
        "meetings:talks": Case(query=f"unit={a.pk}&period={year}", forms=("TalkForm",), data={
            "date": iso(today()), "officer": w.p1.pk, "member": p2.pk, "summary": "谈思想、谈工作"}),
        "meetings:rules": Case(
            query=f"unit={w.committee.pk}", as_user="staff", forms=("LocalRuleForm",), data={
                "name": "主题党日", "code": "theme-monthly", "counts": "theme_day", "applies_to": "branch",
                "min_count": 1, "period": "month", "weekday": 4, "week_of_month": 3, "effective_from": "2025-01-01",
                "source": "机关党委通知"},
            expect={"viewer": (404, 404)}, note="the committee lies outside a branch viewer's scope"),
        "meetings:list": Case(query=f"unit={a.pk}"),
        "meetings:list_docx": Case(query=f"unit={a.pk}"),
        "meetings:calendar": Case(query=f"unit={a.pk}&period=2025-06"),
        "meetings:compliance": Case(query=f"unit={a.pk}"),
        "meetings:grid": Case(query=f"unit={a.pk}&period=2025Q2"),
        "meetings:cell": Case(query=f"unit={a.pk}&code=general-meeting&period=2025Q2"),
        "meetings:history": Case(query=f"unit={a.pk}"),
        "reports:scorecards": Case(query=f"unit={w.committee.pk}", as_user="staff", expect={"viewer": (404, 404)},
                                   note="the committee lies outside a branch viewer's scope"),
        "reports:export": Case(data={"exporter": "members", "unit": a.pk, "period": year, "format": "xlsx"},
                               expect={"viewer": (0, 302)}, note="exporting is reading: a viewer may export"),
        "reports:scorecards_publish": Case(as_user="staff", data={"unit": w.committee.pk, "period": quarter,
                                                                  "early": "1", "early_reason": "上级党委要求提前报送"},
                                           expect={"viewer": (404, 404)},
                                           note="the committee lies outside a branch viewer's scope"),
        # --- branches ---
        "org:unit": Case({"pk": a.pk}),
        "org:unit_edit": Case({"pk": a.pk}, write_page=True, forms=("OrgUnitForm",),
                                   data=form_data(a, ["code", "name", "founded_on", "is_community"], name="第一党支部（更名）")),
        "org:unit_archive": Case({"pk": w.empty_group.pk}, write_page=True, forms=("ArchiveForm",),
                                      data={"archived_on": iso(today()), "reason": "党小组调整"}),
        "org:unit_create": Case({"parent_pk": a.pk}, write_page=True, forms=("OrgUnitForm",),
                                     data={"kind": UnitKind.GROUP, "code": "NEWG01", "name": "第三党小组"}),
        "org:officer_add": Case({"pk": a.pk}, write_page=True, forms=("OfficerForm",),
                                     data={"person": p2.pk, "role": OfficerRole.ORGANISATION, "started_on": iso(today())}),
        "org:officer_end": Case({"pk": a.pk, "officer_pk": w.officer.pk}, write_page=True, forms=("OfficerEndForm",),
                                     data={"ended_on": iso(today()), "reason": "工作调动"}),
        "org:term_add": Case({"pk": a.pk}, write_page=True, forms=("TermForm",),
                                  data={"started_on": iso(today()), "note": "换届选举"}),
        "reports:import_upload": Case(
            {"kind": "members"}, forms=("ImportUploadForm",),
            data=lambda: {"file": SimpleUploadedFile("名册.xlsx", b"PK\x03\x04 not really a workbook")},
            expect={"outsider": (200, 302), "viewer": (403, 403), "other_staff": (403, 403), "norole": (403, 403)},
            note="the kind is not a record: any secretary may import into their own branch (the importer scopes "
                 "every row); read-only accounts and committee staff (members) may not"),
        "reports:import_template": Case(
            {"kind": "members"}, expect={"outsider": (200, 0), "viewer": (403, 0), "other_staff": (403, 0), "norole": (403, 0)},
            note="the kind is not a record: an empty template for anyone who may import"),
        "reports:import_preview": Case({"pk": w.batch.pk}, owned=True),
        "reports:import_problems": Case({"pk": w.refused_batch.pk}, owned=True),
        "reports:import_confirm": Case({"pk": w.batch.pk}, owned=True, data={}, changes=False,
                                        note="an applied batch is not imported twice; the point is whose it is"),
        # --- members ---
        "members:recognition_void": Case({"pk": w.recognition.pk}, data={"reason": "录入错误"}),
        "members:detail": Case({"pk": p2.pk}),
        "members:edit": Case({"pk": p2.pk}, write_page=True, forms=("PersonForm",),
                             data=form_data(p2, [*PERSON_FIELDS, "probation_extension_months"], position="支部委员")),
        "members:transfer_out": Case({"pk": p2.pk}, write_page=True, forms=("TransferOutForm",),
                                     data={"date": iso(today()), "external_org": "某区委组织部", "letter_number": "2026-01"}),
        "members:transfer_in": Case({"pk": w.left.pk}, write_page=True, forms=("TransferInForm",),
                                    data={"date": iso(today()), "unit": a.pk, "external_org": "外单位党支部"}),
        "members:group_change": Case({"pk": p2.pk}, write_page=True, forms=("GroupChangeForm",),
                                     data={"group": w.group.pk, "date": iso(today())}),
        "members:exit": Case({"pk": p2.pk}, write_page=True, forms=("ExitForm",),
                             data={"kind": "suspended", "date": iso(today()), "reason": "支部大会决议"}),
        "members:step_add": Case({"pk": w.p3.pk}, write_page=True, forms=("StepForm",),
                                 data={"step": 4, "done_on": iso(today()), "note": "培养联系人"}),
        # --- meetings ---
        "meetings:person": Case({"pk": p2.pk}),
        "meetings:detail": Case({"pk": w.meeting.pk}),
        "meetings:edit": Case({"pk": w.meeting.pk}, write_page=True, forms=("MeetingForm",),
                              data=form_data(w.meeting, MEETING_FIELDS, topic="党员大会（修改）")),
        "meetings:amend": Case({"pk": w.confirmed.pk}, write_page=True, forms=("AmendForm",),
                               data=form_data(w.confirmed, MEETING_FIELDS, place="第二会议室", reason="补记地点")),
        "meetings:confirm": Case({"pk": w.meeting.pk}, data={}),
        "meetings:void": Case({"pk": w.meeting.pk}, write_page=True, forms=("VoidForm",), data={"reason": "重复录入"}),
        "meetings:attendance": Case({"pk": w.meeting.pk}),
        "meetings:attendance_observer": Case({"pk": w.meeting.pk}, data={"person": w.p3.pk}),
        "meetings:attendance_set": Case({"pk": w.meeting.pk, "person_id": p2.pk},
                                        data={"status": AttendanceStatus.LEAVE, "reason": "出差"}),
        "meetings:makeup": Case({"pk": w.confirmed.pk, "person_id": p2.pk}, write_page=True, forms=("MakeupForm",),
                                data={"on": iso(today()), "note": "自学会议精神"}),
        "meetings:vote_create": Case({"pk": w.meeting.pk}, write_page=True, forms=("VoteForm",), data={
            "motion_kind": "other", "motion": "支部工作计划", "votes_for": 2, "votes_against": 0, "abstentions": 0}),
        "meetings:appraisals": Case({"pk": w.appraisal.pk}, data={f"grade-{p2.pk}": "excellent"}),
        "meetings:attachment_upload": Case({"pk": w.meeting.pk}, forms=("AttachmentForm",), data=lambda: {
            "kind": AttachmentKind.PHOTO, "file": SimpleUploadedFile("合影.png", PNG)}),
        "meetings:attachment": Case({"pk": w.meeting.pk, "attachment_id": w.attachment.pk}),
        "meetings:docx": Case({"pk": w.meeting.pk}),
        # --- dues ---
        "dues:unit": Case({"pk": a.pk}),
        "dues:sheet": Case({"pk": a.pk, "month": month}, forms=("SheetForm",), data={
            "paid_on": iso(today()), "method": "现金", "paid": [p2.pk], f"amount_{p2.pk}": "15.00"}),
        "dues:generate": Case({"pk": a.pk, "month": month}, data={}),
        "dues:top_up": Case({"pk": a.pk, "month": last}, forms=("SheetForm",), data={
            "person": p2.pk, f"topup_{p2.pk}": "1.00", "paid_on": iso(today()), "method": "现金"}),
        "dues:bases": Case({"pk": a.pk, "year": THIS.year}, data={f"category_{p2.pk}": "在职", f"base_{p2.pk}": "5100"}),
        "dues:arrears": Case({"pk": a.pk}),
        "dues:arrears_open_cases": Case({"pk": a.pk}, data={}, changes=False,
                                        note="no member of the world owes six months in a row"),
        "dues:case_handle": Case({"pk": w.case.pk}, forms=("CaseForm",), data={"state": "reason", "handling": "病休，已谈话"}),
        "dues:remittances": Case({"pk": a.pk}, forms=("RemittanceForm",), data={
            "period": month, "amount": "10", "remitted_on": iso(today()), "reference": "PZ-1"}),
        "dues:remittance_void": Case({"pk": w.remittance.pk}, forms=("VoidForm",), data={"reason": "重复"}),
        "dues:person": Case({"pk": p2.pk}, forms=("PayMonthsForm",), data=lambda: {
            "action": "pay", "months": [month], "paid_on": iso(today()), "method": "现金", "submit_token": token()}),
        "dues:person_prepay": Case({"pk": p2.pk}, forms=("OneTimeForm",), data=lambda: {
            "quarter": str(QUARTER.next()), "method": "微信", "submit_token": token()}),
        "dues:payment_void": Case({"pk": w.payment.pk}, forms=("VoidForm",), data={"reason": "登记错误"}),
        "dues:receipt": Case({"pk": w.receipt.pk}),
        "dues:points_year": Case({"pk": a.pk}),
        "dues:points": Case({"pk": a.pk, "month": month}, data={"action": "compute"}),
        "dues:points_public": Case({"pk": a.pk, "month": last}, forms=("AnswerForm",), data={
            "action": "answer", "objection": w.objection.pk, "answer": "已核实并补记"}),
        # --- reports ---
        "reports:scorecard": Case({"pk": a.pk, "period": quarter}),
        "reports:manual_score": Case({"pk": a.pk, "period": quarter, "item_pk": w.manual_item.pk}, as_user="staff",
                                     data={"points": "9", "comment": "阵地建设规范"}),
        "reports:work_report": Case({"pk": a.pk, "period": year}, forms=("DraftForm",), data={
            "opening": "一年来，支部……", "achievements": "成效", "problems": "问题", "next_steps": "打算"}),
        "reports:work_records": Case({"pk": a.pk, "period": year, "key": next(iter(FIGURES))}),
        "reports:work_plan": Case({"pk": a.pk, "year": YEAR.year}, forms=("PlanItemForm",), data={
            "title": "开展主题教育", "owner": a.pk, "due_on": iso(dt.date(YEAR.year, 12, 31)), "status": "planned"}),
        "reports:plan_item_update": Case({"pk": w.plan_item.pk}, data={"status": "done", "evidence": "已完成，见会议记录"}),
        "reports:job": Case({"pk": w.job.pk}, owned=True),
        "reports:job_retry": Case({"pk": w.failed_job.pk}, owned=True),  # queues it again as a new job
        # --- the other actions of views that take several (for the fuzzer; see VARIANTS) ---
        "dues:person#voluntary": Case({"pk": p2.pk}, forms=("VoluntaryForm",), data=lambda: {
            "action": "voluntary", "amount": "100", "paid_on": iso(today()), "method": "微信", "note": "自愿多交",
            "submit_token": token()}),
        "dues:person#base": Case({"pk": p2.pk}, forms=("BaseChangeForm",), data={
            "action": "base", "effective_month": month, "category": "在职", "base": "6000", "amount": "",
            "approval_ref": "", "note": "调资"}),
        "dues:points#add": Case({"pk": a.pk, "month": month}, forms=("EntryForm",), data={
            "action": "add", "person": p2.pk, "item": w.points_item.pk, "count": 1, "note": "志愿服务"}),
        "dues:points#remove": Case({"pk": a.pk, "month": str(LAST.previous())}, data={"action": "remove",
                                                                                      "entry": w.entry.pk}),
        "dues:points_public#object": Case({"pk": a.pk, "month": last}, forms=("ObjectionForm",), data={
            "action": "object", "person": w.p1.pk, "concerning": p2.pk, "text": "分数有误", "raised_on": iso(today())}),
        "meetings:rules#end": Case(query=f"unit={w.committee.pk}", as_user="staff", forms=("RuleEndForm", "LocalRuleForm"),
                                   data={"end": w.rule.pk, "effective_to": "2025-12-31"}),
        "reports:job_download": Case({"pk": w.job.pk}, owned=True),
    }


def url_of(pattern: Pattern, case: Case | None = None) -> str:
    try:
        url = reverse(pattern.name, kwargs=case.kwargs if case else None)
    except NoReverseMatch:  # an unnamed pattern without kwargs
        url = "/" + pattern.route
    return f"{url}?{case.query}" if case and case.query else url


# --- The database, summarised ---------------------------------------------------------------------

SKIPPED_TABLES = {"django_session"}


def project_tables() -> list[str]:
    tables = []
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if table not in SKIPPED_TABLES and not model._meta.proxy and table not in tables:
            tables.append(table)
    return sorted(tables)


def row_counts() -> dict[str, int]:
    """Every table's row count, in one query (history tables included: an update adds a row there)."""
    tables = project_tables()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {quote(t)}" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


PROJECT_APPS = ("branches", "members", "meetings", "dues", "reports", "auth")


@functools.cache
def _updatable_models() -> tuple[type[Model], ...]:
    """The project's models without a change history table: an update in place changes no count."""
    tracked = {getattr(m, "instance_type", None) for m in apps.get_models()}
    return tuple(m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS and m not in tracked
                 and not hasattr(m, "instance_type") and m._meta.label != "auth.Permission")


def snapshot() -> dict[str, int]:
    """Every table's row count, plus a content hash of the project's tables that have no history."""
    state = row_counts()
    for model in _updatable_models():
        state[f"{model._meta.db_table}#content"] = hash(repr(list(model._base_manager.order_by("pk").values_list())))
    return state


def changed(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
