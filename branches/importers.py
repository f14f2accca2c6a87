"""Importer for the organisation tree (``import_xlsx orgs``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import access
from .importing import (
    Column,
    Importer,
    ImportResult,
    Reader,
    duplicate_keys,
    normalise_code,
    normalise_text,
    parse_date,
    read_cell,
    register_importer,
)
from .models import ALLOWED_PARENTS, OrgUnit, Term, UnitKind, today
from .services import org_unit_create, org_unit_update, term_record

KIND_BY_LABEL = {label: value for value, label in UnitKind.choices}


@dataclass
class OrgRow:
    number: int
    code: str
    name: str
    kind: str
    parent_code: str
    founded_on: dt.date | None
    term_started_on: dt.date | None


@register_importer("orgs")
class OrgImporter(Importer):
    label = "党组织"
    sheets = {
        None: [
            Column("编码", True, "唯一编码，重复导入时按编码匹配", example="DW-009"),
            Column("名称", True, example="财务处党支部"),
            Column("类型", True, "党委 / 党总支 / 党支部 / 党小组", example="党支部",
                   choices=("党委", "党总支", "党支部", "党小组")),
            Column("上级编码", False, "上级党组织的编码；最上级的党委留空", example="DW",
                   unit_codes=("党委", "党总支", "党支部")),
            Column("成立日期", example="2020-07-01"),
            Column("换届日期", False, "最近一次换届选举的日期，用于计算任期届满", example="2024-05-10"),
        ]
    }

    def validate(self, reader: Reader, *, user: Any) -> list[OrgRow]:
        sheet = reader.sheet(self.sheets[None])
        if sheet is None:
            return []
        problems = reader.problems
        duplicate_keys(problems, sheet.rows, lambda r: normalise_code(r.get("编码")), "编码")
        rows: list[OrgRow] = []
        for row in sheet.rows:
            code = read_cell(problems, row, "编码", normalise_code, required=True)
            name = read_cell(problems, row, "名称", normalise_text, required=True)
            kind_label = read_cell(problems, row, "类型", normalise_code, required=True)
            kind = KIND_BY_LABEL.get(kind_label)
            if kind_label and kind is None:
                problems.add(row.number, "类型", f"“{kind_label}”不是有效类型，应为：党委/党总支/党支部/党小组")
            founded = read_cell(problems, row, "成立日期", parse_date)
            term = read_cell(problems, row, "换届日期", parse_date)
            for column, value in (("成立日期", founded), ("换届日期", term)):
                if value and value > today():
                    problems.add(row.number, column, f"{value:%Y-%m-%d}晚于今天")
            if term and kind == UnitKind.GROUP:
                problems.add(row.number, "换届日期", "党小组不实行换届，请留空")
            if term and founded and term < founded:
                problems.add(row.number, "换届日期", "换届日期早于成立日期")
            if code and len(code) > 32:
                problems.add(row.number, "编码", "编码不能超过32个字符")
            if name and len(name) > 100:
                problems.add(row.number, "名称", "名称不能超过100个字符")
            rows.append(OrgRow(row.number, code or "", name or "", kind or "",
                               read_cell(problems, row, "上级编码", normalise_code) or "", founded, term))
        codes = [r.code for r in rows] + [r.parent_code for r in rows]
        existing = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
        in_file = {r.code: r for r in rows if r.code}
        for r in rows:
            if not r.kind:
                continue
            parent_kind: str | None = None
            if r.parent_code:
                if r.parent_code == r.code:
                    problems.add(r.number, "上级编码", "上级编码不能是本组织")
                    continue
                if r.parent_code in in_file:
                    parent_kind = in_file[r.parent_code].kind or None
                elif r.parent_code in existing:
                    parent = existing[r.parent_code]
                    parent_kind = parent.kind
                    if user is not None and not access.can_add_child(user, parent, r.kind):
                        problems.add(r.number, "上级编码", f"您无权在“{parent.name}”下设立或调整组织")
                else:
                    problems.add(r.number, "上级编码", f"上级编码“{r.parent_code}”不存在")
                    continue
            if (parent_kind is not None or not r.parent_code) and parent_kind not in ALLOWED_PARENTS[r.kind]:
                kind_label = UnitKind(r.kind).label
                if parent_kind is None:
                    problems.add(r.number, "上级编码", f"{kind_label}必须填写上级编码")
                else:
                    problems.add(r.number, "类型", f"{kind_label}不能设在{UnitKind(parent_kind).label}之下")
            unit = existing.get(r.code)
            if unit is not None and user is not None and not access.can_manage_unit(user, unit):
                problems.add(r.number, "编码", f"您无权修改“{unit.name}”")
            if unit is None and not r.parent_code and user is not None and not access.is_admin(user):
                problems.add(r.number, "上级编码", "只有管理员可以设立最上级党委")
        self._check_cycles(rows, in_file, reader)
        return _parents_first(rows, in_file)

    @staticmethod
    def _check_cycles(rows: list[OrgRow], in_file: dict[str, OrgRow], reader: Reader) -> None:
        for r in rows:
            seen = {r.code}
            parent = r.parent_code
            while parent in in_file:
                if parent in seen:
                    reader.problems.add(r.number, "上级编码", "上级关系形成循环")
                    break
                seen.add(parent)
                parent = in_file[parent].parent_code

    def apply(self, plan: list[OrgRow], result: ImportResult, *, actor: Any) -> None:
        codes = [r.code for r in plan] + [r.parent_code for r in plan]
        units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
        for r in plan:
            parent = units.get(r.parent_code) if r.parent_code else None
            unit = units.get(r.code)
            changed = is_new = False
            if unit is None:
                is_new = True
                unit = org_unit_create(actor=actor, code=r.code, name=r.name, kind=r.kind, parent=parent,
                                       founded_on=r.founded_on)
                units[r.code] = unit
                result.created += 1
                result.change(f"新增 {r.name}（{r.code}，{unit.get_kind_display()}）")
            else:
                wanted = {"name": r.name, "kind": r.kind, "parent": parent}
                if r.founded_on:
                    wanted["founded_on"] = r.founded_on
                differs = {k: v for k, v in wanted.items() if getattr(unit, k) != v}
                if differs:
                    org_unit_update(actor=actor, unit=unit, **differs)
                    changed = True
                    labels = "、".join(str(OrgUnit._meta.get_field(name).verbose_name) for name in differs)
                    result.change(f"更新 {unit.name}（{r.code}）：{labels}")
            if r.term_started_on and not Term.objects.filter(unit=unit, started_on=r.term_started_on).exists():
                term_record(actor=actor, unit=unit, started_on=r.term_started_on)
                changed = True
            if changed and not is_new:
                result.updated += 1
        result.unchanged = len(plan) - result.created - result.updated


def _parents_first(rows: list[OrgRow], in_file: dict[str, OrgRow]) -> list[OrgRow]:
    def depth(r: OrgRow) -> int:
        level, parent, guard = 0, r.parent_code, 0
        while parent in in_file and guard < len(in_file):
            level, parent, guard = level + 1, in_file[parent].parent_code, guard + 1
        return level

    return sorted(rows, key=depth)
