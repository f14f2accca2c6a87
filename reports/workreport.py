"""Half-year and annual work reports (report-anatomy.md): every figure computed from the
period's records, each one traceable to the records it counts, plus the editable narrative.

A *record figure* is defined by the queryset of records it counts: the report shows
``records(...).count()`` and the drill-down page lists the same queryset, so the two can never
disagree. Every figure is read through the apps' facts functions (docs/figures.md), the same ones
the scorecard, the home page, the grid and the exports read, so they show the same numbers. Money
and rates come from the dues ledger and link to its pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from branches import facts as org
from branches.facts import Window
from branches.models import OrgUnit, UnitKind, today
from branches.periods import Period, chinese_date
from dues import facts as ledger
from meetings import facts as life
from members import facts as people

KIND_LABELS = {"general": "党员大会", "committee": "支委会", "group": "党小组会", "lecture": "党课",
               "theme_day": "主题党日", "life": "组织生活会", "appraisal": "民主评议党员"}


@dataclass(frozen=True)
class Scope:
    unit: OrgUnit
    period: Period

    @property
    def start(self) -> dt.date:
        return self.period.start

    @property
    def end(self) -> dt.date:
        """The period's last day, or today while the period is still running."""
        return min(self.period.end, today())

    @property
    def window(self) -> Window:
        return Window.of(self.period)


@dataclass(frozen=True)
class RecordFigure:
    key: str
    label: str
    measure: str
    records: Callable[[Scope], QuerySet]
    columns: tuple[tuple[str, Callable[[Any], Any]], ...]


# Each record figure is a facts function (docs/figures.md): the report shows its count and the
# drill-down page lists the same queryset.

def _units(kind: str) -> Callable[[Scope], QuerySet]:
    return lambda scope: org.units_on(scope.unit, scope.end, kind)


def _meetings(kind: str, *, secretary: bool = False) -> Callable[[Scope], QuerySet]:
    return lambda scope: life.meetings_held(scope.unit, scope.window, kind, secretary=secretary)


def _people_dated(stage: str) -> Callable[[Scope], QuerySet]:
    return lambda scope: people.development_in(scope.unit, scope.window, stage)


def _members_at_end(status: str) -> Callable[[Scope], QuerySet]:
    return lambda scope: people.members_on(scope.unit, scope.end, status)


def _recognitions(kind: str) -> Callable[[Scope], QuerySet]:
    return lambda scope: people.recognitions(scope.unit, scope.window, kind)


def _appraisals(grade: str) -> Callable[[Scope], QuerySet]:
    return lambda scope: life.appraisals(scope.unit, scope.window, grade)


RECOGNITION_COLUMNS = (("日期", lambda r: r.date), ("对象", lambda r: r.person.name if r.person else r.unit.name),
                       ("党组织", lambda r: r.unit.name), ("授予/组织单位", lambda r: r.granted_by),
                       ("金额（元）", lambda r: r.amount))


def _person_columns() -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    return (("姓名", lambda p: p.name), ("人员类别", lambda p: p.get_status_display()),
            ("申请入党", lambda p: p.applied_on), ("接收预备党员", lambda p: p.probationary_on), ("转正", lambda p: p.full_on))


MEETING_COLUMNS = (("日期", lambda m: m.date), ("党组织", lambda m: m.unit.name), ("类型", lambda m: m.kinds_label),
                   ("主题", lambda m: m.topic))
UNIT_COLUMNS = (("编码", lambda u: u.code), ("名称", lambda u: u.name), ("成立日期", lambda u: u.founded_on))
EVENT_COLUMNS = (("日期", lambda e: e.date), ("姓名", lambda e: e.person.name),
                 ("转出", lambda e: e.from_unit.name if e.from_unit else e.external_org),
                 ("转入", lambda e: e.to_unit.name if e.to_unit else e.external_org), ("介绍信", lambda e: e.letter_number))
APPRAISAL_COLUMNS = (("姓名", lambda a: a.person.name), ("党支部", lambda a: a.meeting.unit.name),
                     ("日期", lambda a: a.meeting.date))

FIGURES: dict[str, RecordFigure] = {f.key: f for f in [
    RecordFigure("units-committee", "党委", "个", _units(UnitKind.COMMITTEE), UNIT_COLUMNS),
    RecordFigure("units-general", "党总支", "个", _units(UnitKind.GENERAL_BRANCH), UNIT_COLUMNS),
    RecordFigure("units-branch", "党支部", "个", _units(UnitKind.BRANCH), UNIT_COLUMNS),
    RecordFigure("units-group", "党小组", "个", _units(UnitKind.GROUP), UNIT_COLUMNS),
    RecordFigure("terms-elected", "完成换届", "个", lambda s: org.terms_elected(s.unit, s.window),
                 (("党组织", lambda t: t.unit.name), ("换届日期", lambda t: t.started_on), ("任期至", lambda t: t.ends_on))),
    RecordFigure("terms-overdue", "换届超期", "个", lambda s: org.terms_overdue(s.unit, s.end),
                 (("党组织", lambda t: t.unit.name), ("任期届满", lambda t: t.ends_on))),
    RecordFigure("officers-changed", "委员调整", "人次", lambda s: org.officer_changes(s.unit, s.window),
                 (("党组织", lambda o: o.unit.name), ("姓名", lambda o: o.person.name), ("职务", lambda o: o.get_role_display()),
                  ("任职", lambda o: o.started_on), ("离任", lambda o: o.ended_on))),
    *[RecordFigure(f"meetings-{kind}", label, "次", _meetings(kind), MEETING_COLUMNS)
      for kind, label in KIND_LABELS.items()],
    RecordFigure("meetings-secretary-lecture", "书记讲党课", "次", _meetings("lecture", secretary=True), MEETING_COLUMNS),
    RecordFigure("talks", "谈心谈话", "人次", lambda s: life.talks(s.unit, s.window),
                 (("日期", lambda t: t.date), ("党支部", lambda t: t.unit.name), ("谈话人", lambda t: t.officer.name),
                  ("谈话对象", lambda t: t.member.name))),
    RecordFigure("members-full", "正式党员", "名", _members_at_end("full"), _person_columns()),
    RecordFigure("members-probationary", "预备党员", "名", _members_at_end("probationary"), _person_columns()),
    RecordFigure("dev-applied", "递交入党申请", "人", _people_dated("applied"), _person_columns()),
    RecordFigure("dev-activist", "确定入党积极分子", "人", _people_dated("activist"), _person_columns()),
    RecordFigure("dev-candidate", "确定发展对象", "人", _people_dated("candidate"), _person_columns()),
    RecordFigure("dev-probationary", "接收预备党员", "人", _people_dated("probationary"), _person_columns()),
    RecordFigure("dev-full", "预备党员转正", "人", _people_dated("full"), _person_columns()),
    RecordFigure("transfers-in", "转入党员", "人次", lambda s: people.transfers_in(s.unit, s.window), EVENT_COLUMNS),
    RecordFigure("transfers-out", "转出党员", "人次", lambda s: people.transfers_out(s.unit, s.window), EVENT_COLUMNS),
    *[RecordFigure(f"recognition-{kind}", label, measure, _recognitions(kind), RECOGNITION_COLUMNS)
      for kind, label, measure in (("model_member", "优秀共产党员", "名"), ("model_worker", "优秀党务工作者", "名"),
                                   ("model_unit", "先进基层党组织", "个"), ("care", "走访慰问", "人次"))],
    *[RecordFigure(f"appraisal-{grade}", label, "人", _appraisals(grade), APPRAISAL_COLUMNS)
      for grade, label in (("excellent", "优秀"), ("good", "合格"), ("basic", "基本合格"), ("fail", "不合格"))],
]}


@dataclass
class Value:
    """One figure as the report shows it."""

    key: str
    label: str
    value: Any
    measure: str
    url: str

    def __str__(self) -> str:
        return f"{self.value}{self.measure}"


@dataclass
class Report:
    scope: Scope
    title: str
    values: dict[str, Value] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)

    def __getitem__(self, key: str) -> Value:
        return self.values[key]


def report_title(unit: OrgUnit, period: Period) -> str:
    if period.kind == "year":
        return f"{unit.name}{period.year}年度党建工作报告"
    return f"{unit.name}{period.year}年{'上' if period.index == 1 else '下'}半年党建工作总结"


def records_url(scope: Scope, key: str) -> str:
    return reverse("reports:work_records", args=[scope.unit.pk, str(scope.period), key])


def build(unit: OrgUnit, period: Period) -> Report:
    """Every figure of the report for ``unit``'s subtree and a half-year or year."""
    if period.kind not in ("half", "year"):
        raise ValueError("work reports cover a half-year or a year")
    scope = Scope(unit, period)
    report = Report(scope, report_title(unit, period))
    for key, figure in FIGURES.items():
        report.values[key] = Value(key, figure.label, figure.records(scope).count(), figure.measure, records_url(scope, key))
    _attendance(report)
    _compliance(report)
    _dues(report)
    _points(report)
    _pipeline(report)
    report.values["care-amount"] = Value("care-amount", "慰问金额", people.care_amount(scope.unit, scope.window), "元",
                                         records_url(scope, "recognition-care"))
    _problems(report)
    return report


def _attendance(report: Report) -> None:
    scope = report.scope
    rate = life.attendance(scope.unit, scope.window).percent
    url = f"{reverse('meetings:list')}?{urlencode({'unit': scope.unit.pk, 'period': str(scope.period), 'status': 'confirmed'})}"
    report.values["attendance-rate"] = Value("attendance-rate", "平均出勤率", rate if rate is not None else "—", "%", url)


def _compliance(report: Report) -> None:
    """The branches that kept to the rules, as the committee grid shows them, judged window by
    window today (docs/figures.md): a branch that let a month or a quarter close unmet fell
    behind, even while the period still runs; one with a window still open is 进行中."""
    scope = report.scope
    verdicts = life.branch_verdicts(scope.unit, scope.period)
    behind = [verdict for verdict in verdicts if verdict.behind]
    url = f"{reverse('meetings:grid')}?{urlencode({'unit': scope.unit.pk, 'period': str(scope.period)})}"
    met = len(verdicts) - len(behind)
    report.values["compliance-met"] = Value("compliance-met", "按规定开展组织生活的党支部", met, "个", url)
    report.values["compliance-behind"] = Value("compliance-behind", "未按规定开展组织生活的党支部", len(behind), "个", url)
    report.values["compliance-open"] = Value("compliance-open", "尚有要求进行中的党支部",
                                             sum(1 for verdict in verdicts if verdict.open), "个", url)
    report.facts["behind"] = behind
    report.facts["branches"] = len(verdicts)


def compliance_sentence(report: Report) -> str:
    """How many 党支部 kept to the rules and which fell behind; never "all" when one did."""
    v, behind = report.values, report.facts.get("behind", [])
    total, running = report.facts.get("branches", 0), report.scope.period.end >= today()
    prefix = f"截至{chinese_date(report.scope.end)}，" if running else ""
    if not total:
        return f"{prefix}本组织下没有须开展组织生活的党支部。"
    if behind:
        names = "、".join(b.name for b in behind[:5]) + ("等" if len(behind) > 5 else "")
        return (f"{prefix}{v['compliance-met'].value}个党支部按规定开展了组织生活，"
                f"{len(behind)}个党支部未按规定开展（{names}）。")
    if running and v["compliance-open"].value:
        return (f"{prefix}{total}个党支部{'均' if total > 1 else ''}按规定开展了组织生活，没有逾期未完成的要求；"
                f"其中{v['compliance-open'].value}个党支部尚有本期要求在进行中。")
    return f"{prefix}{total}个党支部按规定开展了组织生活，所有党支部均达到规定要求。"


def _dues(report: Report) -> None:
    """党费: money and people (member-months) as the dues page, the export, the scorecard and the
    home read them (dues.facts.figures_for), and the months whose 应缴 were never generated."""
    scope = report.scope
    figures = ledger.figures_for(scope.unit, scope.period, on=scope.end)
    url = f"{reverse('dues:index')}?{urlencode({'unit': scope.unit.pk, 'period': str(scope.period)})}"
    for key, label, value, measure in (
        ("dues-due", "应缴党费", figures.due, "元"), ("dues-paid", "实缴党费", figures.paid, "元"),
        ("dues-rate", "收缴率", figures.rate_money if figures.rate_money is not None else "—", "%"),
        ("dues-owed", "应缴人次", figures.owed, "人次"), ("dues-settled", "已缴足人次", figures.settled, "人次"),
        ("dues-rate-people", "收缴率（人数）", figures.rate_people if figures.rate_people is not None else "—", "%"),
        ("dues-remitted", "上交党费", figures.remitted, "元"),
    ):
        report.values[key] = Value(key, label, value, measure, url)
    arrears = [a for a in ledger.arrears_for_unit(scope.unit, on=scope.end + dt.timedelta(days=1)) if a.count]
    report.values["dues-arrears"] = Value("dues-arrears", "欠缴党费党员", len(arrears), "人", url)
    report.facts["dues-missing"] = ledger.missing_dues(scope.unit, scope.period, on=scope.end)
    report.tables.append(("党费收缴情况", ["党支部", "应缴（元）", "实缴（元）", "收缴率", "收缴率（人数）", "上交（元）"], [
        [branch.name, f.due, f.paid, f"{f.rate_money}%" if f.rate_money is not None else "—",
         f"{f.rate_people}%（{f.settled}/{f.owed}人次）" if f.rate_people is not None else "—", f.remitted]
        for branch, f in ledger.figures_by_branch(scope.unit, scope.period, on=scope.end)
    ]))


def _points(report: Report) -> None:
    scope = report.scope
    url = reverse("dues:index")
    scored = ledger.points_sheets(scope.unit, scope.window).count()
    published = ledger.points_published(scope.unit, scope.window).count()
    report.values["points-scored"] = Value("points-scored", "开展积分评定", scored, "次", url)
    report.values["points-published"] = Value("points-published", "积分公示", published, "次", url)


def _pipeline(report: Report) -> None:
    """发展 as it stood on the period's last day (or today while it runs): who had a step
    overdue then, and who had a step done late within the period."""
    scope = report.scope
    entries = people.development(scope.unit, scope.window)
    url = f"{reverse('members:pipeline')}?{urlencode({'unit': scope.unit.pk})}"
    report.values["dev-overdue"] = Value("dev-overdue", "发展环节超期", sum(1 for e in entries if e.overdue), "人", url)
    report.values["dev-late"] = Value("dev-late", "发展环节逾期办理", sum(1 for e in entries if e.late), "人", url)


def _problems(report: Report) -> None:
    """Pre-draft 存在问题 from the period's gaps; people edit it in the browser."""
    v, problems = report.values, report.problems
    behind = report.facts.get("behind", [])
    if behind:
        named = "；".join(f"{verdict.name}未按期召开{verdict.describe()}" for verdict in behind[:8])
        more = f"；另有{len(behind) - 8}个党支部未达到规定要求" if len(behind) > 8 else ""
        problems.append(f"{report.scope.period.label}有{len(behind)}个党支部未按规定开展组织生活：{named}{more}。")
    if v["terms-overdue"].value:
        problems.append(f"{v['terms-overdue'].value}个党组织换届超期，尚未按期换届。")
    rate = v["dues-rate"].value
    if isinstance(rate, Decimal) and rate < 100:
        problems.append(f"党费收缴率为{rate}%，{v['dues-arrears'].value}名党员存在欠缴党费情况。")
    missing = report.facts.get("dues-missing", [])
    if missing:
        problems.append(f"{'；'.join(ledger.missing_dues_labels(missing))}，相应月份的党费未计入收缴率，须补生成应缴后核对。")
    attendance = v["attendance-rate"].value
    if isinstance(attendance, Decimal) and attendance < 90:
        problems.append(f"组织生活平均出勤率为{attendance}%，部分党员参加组织生活不够经常。")
    if v["dev-overdue"].value:
        problems.append(f"截至{chinese_date(report.scope.end)}，发展党员工作中有{v['dev-overdue'].value}人的环节超过规定时限"
                        "尚未办理。")
    if v["dev-late"].value:
        problems.append(f"本期发展党员工作中有{v['dev-late'].value}人的环节逾期办理。")


def sentences(report: Report) -> list[tuple[str, list[str]]]:
    """The data-backed parts of the report as (heading, paragraphs)."""
    v = report.values
    end = chinese_date(report.scope.end)
    meetings = "，".join(f"{label}{v[f'meetings-{kind}'].value}次" for kind, label in KIND_LABELS.items())
    units = "、".join(f"{label}{v[key].value}个" for key, label in (
        ("units-committee", "党委"), ("units-general", "党总支"), ("units-branch", "党支部"), ("units-group", "党小组"))
        if v[key].value) or "党组织0个"
    grades = [v[f"appraisal-{g}"].value for g in ("excellent", "good", "basic", "fail")]
    appraisal = (f"民主评议党员中，评为优秀{grades[0]}人、合格{grades[1]}人、基本合格{grades[2]}人、不合格{grades[3]}人。"
                 if any(grades) else "本期未开展民主评议党员。")
    parts = [
        ("组织建设", [
            f"截至{end}，共有{units}。本期完成换届{v['terms-elected'].value}个，调整委员{v['officers-changed'].value}人次"
            + (f"，{v['terms-overdue'].value}个党组织换届超期。" if v["terms-overdue"].value else "，无换届超期的党组织。"),
        ]),
        ("“三会一课”等组织生活", [
            f"本期共召开{meetings}，其中书记讲党课{v['meetings-secretary-lecture'].value}次，"
            f"开展谈心谈话{v['talks'].value}人次，组织生活平均出勤率{v['attendance-rate'].value}%。",
            compliance_sentence(report),
        ]),
        ("党员教育管理", [
            f"截至{end}，共有正式党员{v['members-full'].value}名、预备党员{v['members-probationary'].value}名。"
            f"本期开展党员积分评定{v['points-scored'].value}次、公示{v['points-published'].value}次。{appraisal}",
        ]),
        ("发展党员", [
            f"本期收到入党申请{v['dev-applied'].value}人，确定入党积极分子{v['dev-activist'].value}人、"
            f"发展对象{v['dev-candidate'].value}人，接收预备党员{v['dev-probationary'].value}人，"
            f"预备党员转正{v['dev-full'].value}人"
            + (f"；截至{end}，{v['dev-overdue'].value}人的发展环节超期，需督促办理" if v["dev-overdue"].value else "")
            + (f"；本期{v['dev-late'].value}人的发展环节逾期办理" if v["dev-late"].value else "")
            + ("。" if v["dev-overdue"].value or v["dev-late"].value else "；各环节均按期办理。"),
        ]),
        ("组织关系转接", [f"本期转入党员{v['transfers-in'].value}人次，转出党员{v['transfers-out'].value}人次。"]),
        ("评优表彰和党内关怀", [
            (f"本期表彰优秀共产党员{v['recognition-model_member'].value}名、优秀党务工作者{v['recognition-model_worker'].value}名、"
             f"先进基层党组织{v['recognition-model_unit'].value}个"
             if any(v[f"recognition-{k}"].value for k in ("model_member", "model_worker", "model_unit"))
             else "本期未登记评优表彰")
            + (f"；走访慰问党员{v['recognition-care'].value}人次，发放慰问金{v['care-amount'].value}元。"
               if v["recognition-care"].value else "。"),
        ]),
        ("党费收缴", [
            (f"截至{end}，" if report.scope.window.running else "")
            + f"本期应缴党费{v['dues-due'].value}元，实缴{v['dues-paid'].value}元，收缴率{v['dues-rate'].value}%；"
            f"应缴{v['dues-owed'].value}人次，按月足额缴纳{v['dues-settled'].value}人次，"
            f"收缴率（人数）{v['dues-rate-people'].value}%；上交党费{v['dues-remitted'].value}元"
            + (f"；{v['dues-arrears'].value}名党员存在欠缴。" if v["dues-arrears"].value else "；无欠缴党费的党员。")
            + "".join(f"{label}。" for label in ledger.missing_dues_labels(report.facts.get("dues-missing", []))),
        ]),
    ]
    return parts
