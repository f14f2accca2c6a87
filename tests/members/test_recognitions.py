import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.periods import Period
from members import services
from members.models import Recognition, RecognitionKind
from reports.workreport import build, sentences
from tests.factories import make_person


@pytest.mark.django_db
def test_rules(tree):
    a = tree["branch_a"]
    person = make_person(a)
    with pytest.raises(ValidationError):
        services.recognition_record(actor=None, kind=RecognitionKind.MODEL_MEMBER, unit=a, date=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError):
        services.recognition_record(actor=None, kind=RecognitionKind.MODEL_MEMBER, unit=a, person=person,
                                    date=dt.date(2026, 6, 1), amount=Decimal("100"))
    with pytest.raises(ValidationError):
        services.recognition_record(actor=None, kind=RecognitionKind.MODEL_MEMBER, unit=tree["branch_b"], person=person,
                                    date=dt.date(2026, 6, 1))
    assert not Recognition.objects.exists()


@pytest.mark.django_db
def test_report_counts_recognitions_and_care(tree):
    a = tree["branch_a"]
    person = make_person(a)
    services.recognition_record(actor=None, kind=RecognitionKind.MODEL_MEMBER, unit=a, person=person,
                                date=dt.date(2026, 6, 28), granted_by="市直机关工委")
    services.recognition_record(actor=None, kind=RecognitionKind.CARE, unit=a, person=person, date=dt.date(2026, 2, 1),
                                amount=Decimal("500"))
    voided = services.recognition_record(actor=None, kind=RecognitionKind.CARE, unit=a, person=person,
                                         date=dt.date(2026, 3, 1), amount=Decimal("300"))
    services.recognition_void(actor=None, recognition=voided, reason="重复登记")
    report = build(tree["committee"], Period.parse("2026H1"))
    assert report["recognition-model_member"].value == 1
    assert report["recognition-care"].value == 1 and report["care-amount"].value == Decimal("500.00")
    text = "".join(p for _, ps in sentences(report) for p in ps)
    assert "表彰优秀共产党员1名" in text and "走访慰问党员1人次，发放慰问金500.00元" in text


@pytest.mark.django_db
def test_views(tree, client_for, owner, staff, outsider, viewer):
    a = tree["branch_a"]
    person = make_person(a)
    url = f"{reverse('members:recognitions')}?unit={a.pk}"
    data = {"kind": "model_member", "person": person.pk, "date": "2026-06-01", "granted_by": "机关党委"}
    assert client_for(viewer).post(url, data).status_code == 403
    assert client_for(staff).post(url, data).status_code == 403
    assert client_for(staff).get(url).status_code == 200
    response = client_for(owner).post(url, data)
    assert response.status_code == 302 and Recognition.objects.count() == 1
    bad = client_for(owner).post(url, {**data, "person": "", "date": "2026-06-02"})
    assert bad.status_code == 200 and "须选择党员" in bad.content.decode()
    row = Recognition.objects.get()
    assert client_for(outsider).post(reverse("members:recognition_void", args=[row.pk]), {"reason": "x"}).status_code == 404
    client_for(owner).post(reverse("members:recognition_void", args=[row.pk]), {"reason": "误录"})
    row.refresh_from_db()
    assert row.void_reason == "误录"
