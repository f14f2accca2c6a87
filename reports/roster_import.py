"""Importer for the roster (``import_xlsx members``), the inverse of ``export members``.

It lives here, above both ``members`` and ``dues``, because a roster row also sets the person's dues base."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from branches import access
from branches.importing import (
    Column,
    Importer,
    ImportResult,
    Reader,
    duplicate_keys,
    normalise_code,
    normalise_text,
    parse_choice,
    parse_date,
    parse_decimal,
    read_cell,
    register_importer,
)
from branches.models import OrgUnit, UnitKind, today
from dues.models import BASE_CATEGORIES, DuesBase, DuesCategory
from dues.services import dues_base_set, dues_bases_bulk_create
from members import idnumbers
from members.models import Education, Gender, Membership, Person, Status
from members.services import NewPerson, current_membership, member_group_change, people_bulk_create, person_update
from members.validation import person_errors

STATUS_BY_LABEL = {label: value for value, label in Status.choices}

# Column header → Person field, for the columns that map one to one.
DATE_COLUMNS = {
    "出生日期": "birth_date",
    "申请入党日期": "applied_on",
    "确定积极分子日期": "activist_on",
    "确定发展对象日期": "candidate_on",
    "接收预备党员日期": "probationary_on",
    "转正日期": "full_on",
}
FIELD_COLUMNS = {"id_number": "公民身份号码", "gender": "性别", "status": "人员类别", **{v: k for k, v in DATE_COLUMNS.items()}}

COLUMNS = [
    Column("姓名", True, example="张建国"),
    Column("公民身份号码", True, "18位，末位校验码可为X", example="11010519491231002X"),
    Column("人员类别", True, "申请人 / 入党积极分子 / 发展对象 / 预备党员 / 正式党员", example="正式党员",
           choices=tuple(label for _, label in Status.choices)),
    Column("所在党组织编码", True, "所在党支部的编码（见“可选编码”工作表）", example="DW-001", unit_codes=("党支部",)),
    Column("性别", False, "男 / 女；留空时按公民身份号码", example="女", choices=("男", "女")),
    Column("民族", example="汉族"),
    Column("出生日期", False, "留空时按公民身份号码", example="1949-12-31"),
    Column("学历", False, " / ".join(Education.values), example="大学本科", choices=tuple(Education.values)),
    Column("党小组编码", False, "须是所在党支部下的党小组", example="DW-001-1", unit_codes=("党小组",)),
    Column("申请入党日期", example="1970-03-01"),
    Column("确定积极分子日期", example="1970-09-01"),
    Column("确定发展对象日期", example="1971-03-01"),
    Column("接收预备党员日期", False, "预备党员必填", example="1971-07-01"),
    Column("转正日期", False, "仅正式党员填写", example="1972-07-01"),
    Column("加入本组织日期", False, "留空时取申请入党日期或今天", example="2009-05-01"),
    Column("工作岗位", example="退休干部"),
    Column("联系电话", example="13800138000"),
    Column("党费类别", False, " / ".join(DuesCategory.values), example="离退休", choices=tuple(DuesCategory.values)),
    Column("党费基数", False, "元/月；在职、离退休必填", example="5000"),
]


@dataclass
class MemberRow:
    number: int
    fields: dict[str, Any]
    unit: OrgUnit
    group: OrgUnit | None
    joined_on: dt.date | None
    dues_category: str | None
    dues_base: Decimal | None


@register_importer("members")
class MemberImporter(Importer):
    label = "党员名册"
    sheets = {None: COLUMNS}

    def validate(self, reader: Reader, *, user: Any) -> list[MemberRow]:
        sheet = reader.sheet(COLUMNS)
        if sheet is None:
            return []
        problems = reader.problems
        duplicate_keys(problems, sheet.rows, lambda r: idnumbers.normalise(normalise_text(r.get("公民身份号码"))),
                       "公民身份号码")
        codes = {normalise_code(r.get(c)) for r in sheet.rows for c in ("所在党组织编码", "党小组编码")}
        units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes - {""})}
        editable = {unit.pk for unit in units.values() if user is None or access.can_edit(user, unit)}
        numbers = [idnumbers.normalise(normalise_text(r.get("公民身份号码"))) for r in sheet.rows]
        existing = {
            person.id_number: person
            for person in Person.objects.filter(id_number__in=numbers).prefetch_related(
                _open_memberships()
            )
        }
        day = today()
        plan: list[MemberRow] = []
        for row in sheet.rows:
            start = len(problems.lines)
            fields: dict[str, Any] = {
                "name": read_cell(problems, row, "姓名", normalise_text, required=True),
                "id_number": idnumbers.normalise(read_cell(problems, row, "公民身份号码", normalise_text, required=True) or ""),
                "gender": read_cell(problems, row, "性别", lambda v: parse_choice(v, Gender.values)),
                "ethnicity": read_cell(problems, row, "民族", normalise_text) or "",
                "education": read_cell(problems, row, "学历", lambda v: parse_choice(v, Education.values)) or "",
                "position": read_cell(problems, row, "工作岗位", normalise_text) or "",
                "phone": read_cell(problems, row, "联系电话", normalise_code) or "",
            }
            status_label = read_cell(problems, row, "人员类别", normalise_code, required=True)
            fields["status"] = STATUS_BY_LABEL.get(status_label or "")
            if status_label and not fields["status"]:
                problems.add(row.number, "人员类别", f"“{status_label}”不是有效类别，应为：{'/'.join(STATUS_BY_LABEL)}")
            for column, field in DATE_COLUMNS.items():
                fields[field] = read_cell(problems, row, column, parse_date)
            joined_on = read_cell(problems, row, "加入本组织日期", parse_date)
            if joined_on and joined_on > day:
                problems.add(row.number, "加入本组织日期", f"{joined_on:%Y-%m-%d}晚于今天")
            category = read_cell(problems, row, "党费类别", lambda v: parse_choice(v, DuesCategory.values))
            base = read_cell(problems, row, "党费基数", parse_decimal)
            if category in BASE_CATEGORIES and base is None:
                problems.add(row.number, "党费基数", f"党费类别为{category}时必填")
            if base is not None and base >= Decimal("10000000"):
                problems.add(row.number, "党费基数", "数额过大")
            if fields["name"] and len(fields["name"]) > 50:
                problems.add(row.number, "姓名", "姓名不能超过50个字符")
            if fields["id_number"]:
                for field, message in person_errors(fields, today=day):
                    problems.add(row.number, FIELD_COLUMNS.get(field, field), message)
            unit, group = self._placement(problems, row, units, editable)
            person = existing.get(fields["id_number"])
            if person is not None and unit is not None:
                membership = _open(person)
                if membership is None:
                    problems.add(row.number, "所在党组织编码",
                                 f"{person.name}已不在册（已转出或离开），请在系统中办理组织关系转入")
                elif membership.unit_id != unit.pk:
                    problems.add(row.number, "所在党组织编码",
                                 f"{person.name}现属于“{membership.unit.name}”，组织关系转接请在系统中办理")
            if len(problems.lines) == start and unit is not None:
                plan.append(MemberRow(row.number, fields, unit, group, joined_on, category, base))
        return plan

    @staticmethod
    def _placement(
        problems: Any, row: Any, units: dict[str, OrgUnit], editable: set[int]
    ) -> tuple[OrgUnit | None, OrgUnit | None]:
        code = normalise_code(row.get("所在党组织编码"))
        group_code = normalise_code(row.get("党小组编码"))
        unit = units.get(code)
        if not code:
            problems.add(row.number, "所在党组织编码", "必填")
            return None, None
        if unit is None:
            problems.add(row.number, "所在党组织编码", f"党组织编码“{code}”不存在")
            return None, None
        if unit.kind != UnitKind.BRANCH:
            problems.add(row.number, "所在党组织编码", f"“{unit.name}”是{unit.get_kind_display()}，人员应编入党支部")
            return None, None
        if unit.pk not in editable:
            problems.add(row.number, "所在党组织编码", f"您无权修改“{unit.name}”的人员")
            return None, None
        group = None
        if group_code:
            group = units.get(group_code)
            if group is None:
                problems.add(row.number, "党小组编码", f"党小组编码“{group_code}”不存在")
                return unit, None
            if group.kind != UnitKind.GROUP or group.parent_id != unit.pk:
                problems.add(row.number, "党小组编码", f"“{group.name}”（{group.code}）不是“{unit.name}”下的党小组")
                return unit, None
        return unit, group

    def apply(self, plan: list[MemberRow], result: ImportResult, *, actor: Any) -> None:
        existing = {
            person.id_number: person
            for person in Person.objects.filter(id_number__in=[r.fields["id_number"] for r in plan]).prefetch_related(
                _open_memberships()
            )
        }
        new_rows = [r for r in plan if r.fields["id_number"] not in existing]
        created = people_bulk_create(actor=actor, entries=[
            NewPerson(fields=r.fields, unit=r.unit, group=r.group, joined_on=r.joined_on) for r in new_rows
        ])
        dues_bases_bulk_create(actor=actor, rows=[
            DuesBase(person=person, category=r.dues_category, base=r.dues_base,
                     effective_from=r.joined_on or person.applied_on or today())
            for person, r in zip(created, new_rows, strict=True) if r.dues_category
        ])
        result.created = len(created)
        for person, r in zip(created, new_rows, strict=True):
            result.change(f"新增 {person.name}（{r.unit.name}，{person.get_status_display()}）")
        for r in plan:
            person = existing.get(r.fields["id_number"])
            if person is None:
                continue
            changed = False
            differs = {k: v for k, v in r.fields.items() if v not in (None, "") and getattr(person, k) != v}
            what = []
            if differs:
                person_update(actor=actor, person=person, **differs)
                changed = True
                what += [str(Person._meta.get_field(name).verbose_name) for name in differs]
            membership = _open(person)
            if membership and membership.group_id != (r.group.pk if r.group else None):
                member_group_change(actor=actor, person=person, group=r.group, date=today())
                changed = True
                what.append("党小组")
            if r.dues_category:
                _, base_changed = dues_base_set(actor=actor, person=person, category=r.dues_category,
                                                base=r.dues_base, effective_from=today())
                changed = changed or base_changed
                what += ["党费基数"] if base_changed else []
            if changed:
                result.updated += 1
                result.change(f"更新 {person.name}：{'、'.join(what)}")
        result.unchanged = len(plan) - result.created - result.updated


def _open_memberships() -> Any:
    return Prefetch(
        "memberships", queryset=Membership.objects.filter(ended_on__isnull=True).select_related("unit"),
        to_attr="open_memberships",
    )


def _open(person: Person) -> Membership | None:
    memberships = getattr(person, "open_memberships", None)
    if memberships is None:
        return current_membership(person)
    return memberships[0] if memberships else None
