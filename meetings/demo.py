"""Demo data, part 3: months of meetings with attendance for every branch and 党小组.

Branches in ``ctx.behind`` miss some meetings on purpose so the compliance pages have something to
show: every 主题党日, 党员大会 and 党课 since the start of the last finished quarter, and some before.
The first branch (``shuji1``'s) misses nothing, so the last quarter always shows a branch in order.
Each year's 组织生活会 and 民主评议党员 are held in the second half of December; in early December,
on the days so far, so the demo shows a year's appraisal whatever day it is seeded. Everything is
bulk-inserted (meetings with history rows; attendance without, for speed)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.demo import DemoContext
from branches.models import COMMITTEE_ROLES, Officer
from branches.periods import Period
from members.models import Membership

from .models import AppraisalResult, Attendance, AttendanceStatus, LecturerRole, Meeting, MeetingKind, MeetingStatus, Talk
from .services import party_status_on

TOPICS = {
    MeetingKind.THEME_DAY: ["学习贯彻党的二十大精神", "重温入党誓词", "参观红色教育基地", "志愿服务进社区",
                            "廉政警示教育"],
    MeetingKind.GENERAL: ["通报季度党建工作", "讨论接收预备党员", "学习党章党规", "部署党风廉政建设"],
    MeetingKind.LECTURE: ["弘扬伟大建党精神", "加强党性修养", "学习新修订的纪律处分条例", "牢记初心使命"],
    MeetingKind.COMMITTEE: ["研究本月党建工作", "讨论发展党员工作", "研究党费收缴情况", "部署主题党日活动"],
    MeetingKind.GROUP: ["交流学习体会", "学习上级会议精神", "开展批评与自我批评"],
}
PLACES = ["机关三楼会议室", "党员活动室", "五楼会议室", "红色教育基地"]
REASONS = ["出差", "病假", "公务外出", "年休假", "参加培训"]


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    _numbers.clear()
    branch_ids = [b.pk for b in ctx.branches]
    members: dict[int, list[tuple[Membership, object]]] = defaultdict(list)
    groups_members: dict[int, list[tuple[Membership, object]]] = defaultdict(list)
    people = {p.pk: p for plist in ctx.people.values() for p in plist}
    for m in Membership.objects.filter(unit_id__in=branch_ids).only("person_id", "unit_id", "group_id", "started_on",
                                                                     "ended_on"):
        person = people.get(m.person_id)
        if person is None:
            continue
        members[m.unit_id].append((m, person))
        if m.group_id:
            groups_members[m.group_id].append((m, person))
    committee: dict[int, list[int]] = defaultdict(list)
    for officer in Officer.objects.filter(unit_id__in=branch_ids, role__in=COMMITTEE_ROLES, ended_on__isnull=True):
        committee[officer.unit_id].append(officer.person_id)

    planned: list[tuple[Meeting, list[int]]] = []
    first = Period.month_of(ctx.start)
    last = Period.month_of(ctx.today)
    behind_since = Period.containing(ctx.today, "quarter").previous().start
    for index, branch in enumerate(ctx.branches):
        behind = branch.pk in ctx.behind
        model = index == 0  # the first branch holds every meeting
        groups = ctx.groups.get(branch.pk, [])
        has_committee = len(committee[branch.pk]) >= 3
        month = first
        while month <= last:
            recent = behind_since <= month.start
            skip = behind and (recent or rng.random() < 0.25)
            days = [d for d in month.days() if d <= ctx.today]
            if not days:
                break

            def plan(kind, unit, pool, day_range=(1, 28), days=days, **fields):
                candidates = [d for d in days if day_range[0] <= d.day <= day_range[1]]
                if not candidates:
                    return
                day = rng.choice(candidates)
                planned.append((_meeting(ctx, unit, kind, day, **fields), _expected(pool, day)))

            if not skip:
                plan(MeetingKind.THEME_DAY, branch, members[branch.pk], (5, 25),
                     also_lecture=month.index in (3, 9) and not behind)
            if has_committee and not (behind and rng.random() < 0.5):
                officers = [(None, people[p]) for p in committee[branch.pk] if p in people]
                plan(MeetingKind.COMMITTEE, branch, officers, (1, 10))
            for group in groups:
                if not (behind and rng.random() < 0.4) and (rng.random() < 0.95 or model):
                    plan(MeetingKind.GROUP, group, groups_members[group.pk], (8, 20))
            if month.index % 3 == 2 and not skip:  # mid-quarter 党员大会 and 党课
                plan(MeetingKind.GENERAL, branch, members[branch.pk], (10, 20))
                secretary = month.index == 5
                plan(MeetingKind.LECTURE, branch, members[branch.pk], (15, 28), lecturer="支部书记" if secretary
                     else "党校教师", lecturer_role=LecturerRole.SECRETARY if secretary else LecturerRole.OTHER)
            if month.index == 12 and not behind:
                annual = (15, 28) if days[-1].day >= 15 else (1, 28)  # early December: the days so far
                plan(MeetingKind.LIFE, branch, members[branch.pk], annual)
                plan(MeetingKind.APPRAISAL, branch, members[branch.pk], annual)
            month = month.next()

    meetings = [m for m, _ in planned]
    bulk_create_with_history(meetings, Meeting, batch_size=2000)
    ids = dict(Meeting.objects.filter(number__in=[m.number for m in meetings]).values_list("number", "pk"))
    rows: list[tuple] = []
    for meeting, expected in planned:
        meeting_id = ids[meeting.number]
        for person_id in expected:
            roll = rng.random()
            if roll < 0.9:
                rows.append((meeting_id, person_id, AttendanceStatus.PRESENT, "", None))
            elif roll < 0.97:
                later = meeting.date + dt.timedelta(days=7)
                makeup = later if rng.random() < 0.6 and later <= ctx.today else None
                rows.append((meeting_id, person_id, AttendanceStatus.LEAVE, rng.choice(REASONS), makeup))
            else:
                rows.append((meeting_id, person_id, AttendanceStatus.ABSENT, "", None))
    grades = []
    for meeting, expected in planned:
        if meeting.kind == MeetingKind.APPRAISAL:
            for person_id in expected:
                roll = rng.random()
                grade = "excellent" if roll < 0.2 else "good" if roll < 0.97 else "basic"
                grades.append((ids[meeting.number], person_id, grade, ""))
    _insert(AppraisalResult, ["meeting_id", "person_id", "grade", "note"], grades)
    # Plain executemany: the ORM's bulk_create spends most of its time building SQL for ~10⁶ rows.
    _insert(Attendance, ["meeting_id", "person_id", "status", "reason", "makeup_on", "makeup_note"],
            [(*row, "") for row in rows])
    _talks(ctx, members, committee)


def _talks(ctx: DemoContext, members: dict, committee: dict[int, list[int]]) -> None:
    """谈心谈话 between each 支委 and the members: most pairs each year, fewer in branches behind."""
    rng = ctx.rng
    talks = []
    for branch in ctx.branches:
        officers = committee.get(branch.pk, [])
        share = 0.35 if branch.pk in ctx.behind else 0.85
        for year in range(ctx.start.year, ctx.today.year + 1):
            first = max(dt.date(year, 1, 1), ctx.start)
            last = min(dt.date(year, 12, 31), ctx.today)
            span = (last - first).days
            if span <= 0:
                continue
            pool = {person.pk for membership, person in members[branch.pk]
                    if membership.started_on <= first and party_status_on(person, first)} | set(officers)
            done: set[frozenset[int]] = set()
            for officer in officers:
                for member in sorted(pool):
                    pair = frozenset((officer, member))
                    if member == officer or pair in done or rng.random() > share:
                        continue
                    done.add(pair)
                    day = first + dt.timedelta(days=rng.randint(0, span))
                    talks.append((branch.pk, day, officer, member, "谈思想、谈工作、谈家庭情况", ""))
    _insert(Talk, ["unit_id", "date", "officer_id", "member_id", "summary", "void_reason"], talks)


def _insert(model, columns: list[str], rows: list[tuple], batch: int = 20000) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start:start + batch])


_numbers: dict[str, int] = {}


def _meeting(ctx: DemoContext, unit, kind: str, day: dt.date, **fields) -> Meeting:
    prefix = f"{unit.code}-{day:%Y%m%d}-"
    _numbers[prefix] = _numbers.get(prefix, 0) + 1
    topic = ctx.rng.choice(TOPICS.get(kind, ["组织生活会"] if kind == MeetingKind.LIFE else ["民主评议党员"]))
    hour = ctx.rng.choice([9, 14, 15])
    return Meeting(
        number=f"{prefix}{_numbers[prefix]:02d}", unit=unit, kind=kind, date=day, topic=topic,
        start_time=dt.time(hour, 0), end_time=dt.time(hour + 1, 30), place=ctx.rng.choice(PLACES),
        host="支部书记", recorder="组织委员", minutes=f"会议围绕“{topic}”开展学习讨论，与会党员结合工作实际作了发言。",
        status=MeetingStatus.CONFIRMED, confirmed_at=timezone.now(), **fields,
    )


def _expected(pool, day: dt.date) -> list[int]:
    result = []
    for membership, person in pool:
        if membership is not None and not (
            membership.started_on <= day and (membership.ended_on is None or membership.ended_on > day)
        ):
            continue
        if party_status_on(person, day):
            result.append(person.pk)
    return sorted(set(result))
