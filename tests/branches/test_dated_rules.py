"""The one dated-rule lookup (``branches.models.DatedRule``) that every rule table uses."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branches.models import TermRule, UnitKind, rule_in_force
from dues import rates
from dues.models import PointsScheme, RateTable
from meetings.models import ComplianceRule
from reports.models import Rubric

D = dt.date


@pytest.mark.django_db
def test_in_force_picks_the_newest_rule_of_the_day_and_respects_its_end():
    TermRule.objects.all().delete()
    old = TermRule.objects.create(unit_kind=UnitKind.BRANCH, years=3, effective_from=D(2018, 1, 1),
                                  effective_to=D(2026, 6, 30), source="旧")
    new = TermRule.objects.create(unit_kind=UnitKind.BRANCH, years=5, effective_from=D(2026, 7, 1), source="新")
    assert TermRule.objects.in_force(D(2026, 6, 30)).first() == old
    assert TermRule.objects.in_force(D(2026, 7, 1)).first() == new
    assert not TermRule.objects.in_force(D(2017, 12, 31)).exists()
    assert list(TermRule.objects.in_force_during(D(2026, 6, 1), D(2026, 7, 31)).order_by("pk")) == [old, new]
    assert old.in_force_on(D(2026, 6, 30)) and not old.in_force_on(D(2026, 7, 1))
    assert rule_in_force(new, D(2030, 1, 1))


def test_a_rule_cannot_end_before_it_starts():
    rule = TermRule(unit_kind=UnitKind.BRANCH, years=3, effective_from=D(2026, 7, 1), effective_to=D(2026, 6, 1),
                    source="x")
    with pytest.raises(ValidationError, match="失效日期早于生效日期"):
        rule.clean()


def test_every_rule_table_is_a_dated_rule():
    for model in (TermRule, ComplianceRule, RateTable, PointsScheme, Rubric):
        assert hasattr(model.objects, "in_force"), model
        assert {"effective_from", "effective_to", "source"} <= {f.name for f in model._meta.fields}, model


def test_a_rate_table_applies_to_the_whole_month_it_starts_in_and_stops_after_its_end():
    rule = rates.Rule("在职", None, rates.Decimal("0.01"), None)
    old = rates.Table(1, "旧", D(2008, 4, 1), (rule,), effective_to=D(2026, 3, 14))
    new = rates.Table(2, "新", D(2026, 3, 15), (rule,))
    tables = [new, old]  # newest first, as load_tables gives them
    assert rates.table_for(D(2026, 3, 1), tables) == new
    assert rates.table_for(D(2026, 2, 1), tables) == old
