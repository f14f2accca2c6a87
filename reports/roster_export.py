"""``export members``: the roster at the period's end, in the import's columns (round-trips), with
each person's dues base (hence here, above ``members`` and ``dues``)."""

from __future__ import annotations

from typing import Any

from branches.exporting import CONTENT_TYPES, Exporter, ExportOutput, register_exporter, xlsx_bytes
from branches.models import OrgUnit
from branches.periods import Period
from dues import facts as ledger
from members import facts as people
from members import idnumbers

from .roster_import import COLUMNS, DATE_COLUMNS


def roster_rows(unit: OrgUnit, period: Period, *, mask: bool) -> list[list[Any]]:
    """Everyone of ``unit``'s subtree on the period's last day (``members.facts.memberships_on``)
    with their dues base in force that day."""
    day = period.end
    roster = people.memberships_on(unit, day)
    ids = roster.values("person_id")
    joined, bases = people.first_joined(ids), ledger.bases_on(ids, day)
    memberships = roster.select_related("person", "unit", "group").order_by("unit__path", "person__pinyin", "person_id")
    rows = []
    for membership in memberships:
        person = membership.person
        base = bases.get(person.pk)
        values = {
            "姓名": person.name,
            "公民身份号码": idnumbers.mask(person.id_number) if mask else person.id_number,
            "人员类别": person.get_status_display(),
            "所在党组织编码": membership.unit.code,
            "性别": person.gender,
            "民族": person.ethnicity,
            "学历": person.education,
            "党小组编码": membership.group.code if membership.group else "",
            "加入本组织日期": joined[(person.pk, membership.unit_id)],
            "工作岗位": person.position,
            "联系电话": idnumbers.mask_phone(person.phone) if mask else person.phone,
            "党费类别": base.category if base else "",
            "党费基数": base.base if base and base.base is not None else "",
        }
        for column, field in DATE_COLUMNS.items():
            values[column] = getattr(person, field)
        if mask:  # the masked digits of the number are the birth date: show only its year, as the page does
            values["出生日期"] = f"{person.birth_date:%Y}年"
        rows.append([values.get(column.name, "") for column in COLUMNS])
    return rows


@register_exporter
class MembersExporter(Exporter):
    identifier = "members"
    label = "党员名册"
    formats = ("xlsx",)
    personal_data = True

    def render(self, *, unit: OrgUnit, period: Period, fmt: str, user: Any) -> ExportOutput:
        mask = not self.full_personal_data(user, unit)
        rows = roster_rows(unit, period, mask=mask)
        content = xlsx_bytes(
            [("党员名册", [column.header for column in COLUMNS], rows)],
            widths={"党员名册": [10, 22, 14, 16, 6, 8, 12, 10, 12, 14, 14, 14, 14, 14, 14, 16, 14, 10, 10]},
        )
        return ExportOutput(self.filename(unit, period, fmt), CONTENT_TYPES[fmt], content)
