"""The demo seed (small scale): the ledger it writes obeys the same rules as the portal's."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from branches.models import OrgUnit, today
from branches.periods import Period
from dues import services
from dues.facts import arrears_for_unit, figures_for, figures_from_rows, ledger_rows
from dues.models import ArrearsCase, DuesDue, Payment, PointsSheet

pytestmark = pytest.mark.django_db


# Seeded relative to today. On some days (31 March 2027, say) no member of the branches behind had
# reached 6 months of arrears: the demo now makes one of them do so on every day of the year.
@pytest.mark.clock("2027-03-31")
def test_demo_ledger_is_consistent():
    call_command("seed_demo", "--scale", "small", "--seed", "7", stdout=StringIO())
    top = OrgUnit.objects.get(code="DW")
    this = Period.month_of(today())
    # generate_dues finds nothing to change in what the demo back-filled
    report = services.dues_generate(actor=None, month=this.start)
    assert report.created == 0 and report.updated == 0 and report.unchanged > 100
    # at most one live payment per member and month, never above the amount due
    duplicates = Payment.objects.filter(voided_at__isnull=True, kind="regular").values("person", "month").annotate(
        n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    assert Payment.objects.count() > 1000
    for payment in Payment.objects.order_by("?")[:300]:
        row = DuesDue.objects.get(person_id=payment.person_id, month=payment.month)
        assert payment.amount <= row.amount and payment.unit_id == row.unit_id
    # branches that are behind carry arrears, some at the 6-month threshold, with open cases
    year = Period(this.year, "year")
    assert figures_for(top, year).outstanding > 0
    assert ArrearsCase.objects.exists()
    lapsed = [a for a in arrears_for_unit(top) if a.lapse_case]
    assert {a.person_id for a in lapsed} == set(ArrearsCase.objects.values_list("person_id", flat=True))
    # the pages' aggregate and the export's rows agree
    rows = ledger_rows(top, year)
    assert (figures_from_rows(rows).paid, figures_from_rows(rows).due) == (figures_for(top, year).paid,
                                                                          figures_for(top, year).due)
    # points: recent months confirmed or published
    assert set(PointsSheet.objects.values_list("state", flat=True)) >= {"confirmed"}
