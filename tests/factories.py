"""factory_boy factories. Build people through :func:`make_person` so memberships and history
follow the same services as the portal."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from faker import Faker

from branches.models import OrgUnit, RoleKind, UnitKind
from branches.services import org_unit_create, role_grant
from members import idnumbers
from members.models import Person, Status
from members.services import person_create

faker = Faker("zh_CN")
_codes = itertools.count(1)
_sequence = itertools.count(1)


def make_unit(kind: str = UnitKind.BRANCH, parent: OrgUnit | None = None, **fields: Any) -> OrgUnit:
    number = next(_codes)
    defaults = {"code": f"T{number:04d}", "name": f"测试{dict(UnitKind.choices)[kind]}{number}"}
    defaults.update(fields)
    return org_unit_create(actor=None, kind=kind, parent=parent, **defaults)


def make_tree() -> dict[str, OrgUnit]:
    """A committee with two branches; the first branch has one 党小组."""
    committee = make_unit(UnitKind.COMMITTEE, name="测试机关党委")
    branch_a = make_unit(UnitKind.BRANCH, committee, name="第一党支部")
    branch_b = make_unit(UnitKind.BRANCH, committee, name="第二党支部")
    group_a = make_unit(UnitKind.GROUP, branch_a, name="第一党小组")
    return {"committee": committee, "branch_a": branch_a, "branch_b": branch_b, "group_a": group_a}


def id_number(birth: dt.date | None = None, male: bool = True) -> str:
    number = next(_sequence)
    birth = birth or dt.date(1985, 1, 1) + dt.timedelta(days=number % 3000)
    regions = ["110101", "310104", "440106", "510107"]
    return idnumbers.make(regions[number // 100 % 4], birth, number % 100, male)


def make_person(unit: OrgUnit, *, status: str = Status.FULL, group: OrgUnit | None = None,
                joined_on: dt.date | None = None, **fields: Any) -> Person:
    birth = fields.pop("birth_date", None) or dt.date(1975, 5, 17) + dt.timedelta(days=next(_sequence) % 4000)
    male = fields.pop("male", True)
    data: dict[str, Any] = {"name": faker.name(), "id_number": id_number(birth, male), "status": status}
    dates = {
        Status.APPLICANT: {"applied_on": dt.date(2024, 3, 1)},
        Status.ACTIVIST: {"applied_on": dt.date(2023, 1, 10), "activist_on": dt.date(2023, 6, 1)},
        Status.CANDIDATE: {"applied_on": dt.date(2022, 1, 10), "activist_on": dt.date(2022, 6, 1),
                           "candidate_on": dt.date(2023, 7, 1)},
        Status.PROBATIONARY: {"applied_on": dt.date(2021, 1, 10), "activist_on": dt.date(2021, 6, 1),
                              "candidate_on": dt.date(2022, 7, 1), "probationary_on": dt.date(2022, 11, 1)},
        Status.FULL: {"applied_on": dt.date(2008, 1, 10), "activist_on": dt.date(2008, 6, 1),
                      "candidate_on": dt.date(2009, 7, 1), "probationary_on": dt.date(2009, 11, 1),
                      "full_on": dt.date(2010, 11, 1)},
    }[status]
    data.update(dates)
    data.update(fields)
    return person_create(actor=None, unit=unit, group=group, joined_on=joined_on or dt.date(2015, 1, 1), **data)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or "pass-1234")
        if create:
            self.save(update_fields=["password"])


def make_user(unit: OrgUnit | None = None, kind: str = RoleKind.SECRETARY, **fields: Any) -> Any:
    user = UserFactory(**fields)
    if unit is not None:
        role_grant(actor=None, user=user, unit=unit, kind=kind)
    return user


def money(text: str) -> Decimal:
    return Decimal(text)


SEEDED_RULES = [
    # (migration module, model whose rows it seeds)
    ("branches.migrations.0003_seed_term_rules", "branches.TermRule"),
    ("meetings.migrations.0002_seed_compliance_rules", "meetings.ComplianceRule"),
    ("dues.migrations.0003_seed_rules", "dues.RateTable"),
    ("reports.migrations.0003_seed_rubric", "reports.Rubric"),
]


def ensure_rule_tables() -> None:
    """Put back the rule tables the data migrations seed when a live-server or worker test has
    flushed the database (Django's TransactionTestCase empties every table after such a test)."""
    import importlib

    from django.apps import apps

    for module_name, model_label in SEEDED_RULES:
        if not apps.get_model(model_label).objects.exists():
            importlib.import_module(module_name).seed(apps, None)
