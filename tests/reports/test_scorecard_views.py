"""Scorecard pages: staff review and publish; a branch sees only its own published card."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reports.models import RubricItem, Scorecard
from tests.factories import make_person

Q = "2026Q1"


@pytest.fixture
def people(tree):
    make_person(tree["branch_a"])
    make_person(tree["branch_b"])


def detail(unit, period=Q):
    return reverse("reports:scorecard", args=[unit.pk, period])


@pytest.mark.django_db
def test_overview_for_staff(client_for, staff, tree, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        response = client_for(staff).get(reverse("reports:scorecards"), {"unit": tree["committee"].pk, "period": Q})
    assert response.status_code == 200
    assert "第一党支部" in response.content.decode() and "第二党支部" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_branch_users_are_sent_to_their_own_card(request, client_for, tree, people, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get(reverse("reports:scorecards"), {"period": Q})
    assert response.status_code == 302 and response.url == detail(tree["branch_a"])
    other = client_for(user).get(reverse("reports:scorecards"), {"unit": tree["committee"].pk})
    assert other.status_code == 404


@pytest.mark.django_db
def test_branch_sees_card_only_once_published(client_for, owner, staff, outsider, tree, people):
    page = client_for(owner).get(detail(tree["branch_a"]))
    assert page.status_code == 200 and "尚未发布" in page.content.decode()
    assert client_for(outsider).get(detail(tree["branch_a"])).status_code == 404
    overall = RubricItem.objects.get(code="overall")
    client = client_for(staff)
    for unit in (tree["branch_a"], tree["branch_b"]):
        url = reverse("reports:manual_score", args=[unit.pk, Q, overall.pk])
        assert client.post(url, {"points": "9", "comment": "阵地规范"}).status_code == 302
    response = client.post(reverse("reports:scorecards_publish"), {"unit": tree["committee"].pk, "period": Q})
    assert response.status_code == 302
    assert Scorecard.objects.filter(period=Q).count() == 2
    published = client_for(owner).get(detail(tree["branch_a"])).content.decode()
    assert "阵地规范" in published and "第二党支部" not in published


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_branch_users_cannot_score_or_publish(request, client_for, tree, people, who):
    client = client_for(request.getfixturevalue(who))
    overall = RubricItem.objects.get(code="overall")
    url = reverse("reports:manual_score", args=[tree["branch_a"].pk, Q, overall.pk])
    assert client.post(url, {"points": "10", "comment": "自评满分"}).status_code == 403
    assert client.post(reverse("reports:scorecards_publish"), {"unit": tree["committee"].pk, "period": Q}).status_code == 404
    assert not Scorecard.objects.exists()


@pytest.mark.django_db
def test_bad_input_and_methods(client_for, staff, tree, people):
    client = client_for(staff)
    overall = RubricItem.objects.get(code="overall")
    url = reverse("reports:manual_score", args=[tree["branch_a"].pk, Q, overall.pk])
    response = client.post(url, {"points": "abc", "comment": ""}, follow=True)
    assert response.status_code == 200 and "得分应为数字" in response.content.decode()
    assert client.get(url).status_code == 405
    assert client.get(reverse("reports:scorecards_publish")).status_code == 405
    bad = client.get(detail(tree["branch_a"], "2026-13"))
    assert bad.status_code == 400 and "无法识别的期间“2026-13”" in bad.content.decode()
    not_a_quarter = client.get(detail(tree["branch_a"], "2026-07"))
    assert not_a_quarter.status_code == 400 and "此处的期间应为季度，“2026-07”是月份" in not_a_quarter.content.decode()
    assert client.get(detail(tree["committee"])).status_code == 404
    publish = client.post(reverse("reports:scorecards_publish"), {"unit": tree["committee"].pk, "period": Q}, follow=True)
    assert "尚未评分" in publish.content.decode()


@pytest.mark.django_db
def test_score_must_be_a_finite_number(client_for, staff, tree, people):
    overall = RubricItem.objects.get(code="overall")
    url = reverse("reports:manual_score", args=[tree["branch_a"].pk, Q, overall.pk])
    for points in ("NaN", "-NaN", "sNaN", "Infinity"):
        response = client_for(staff).post(url, {"points": points, "comment": "评语"}, follow=True)
        assert response.status_code == 200 and "得分应为数字" in response.content.decode()


@pytest.mark.django_db
def test_a_quarter_before_any_rubric(client_for, staff, tree, people):
    """The seeded rubric applies from 2020: earlier quarters have nothing to score against."""
    client = client_for(staff)
    assert client.get(reverse("reports:scorecards"), {"unit": tree["committee"].pk, "period": "2019Q4"}).status_code == 404
    assert client.get(detail(tree["branch_a"], "2019Q4")).status_code == 404
    response = client.post(reverse("reports:scorecards_publish"), {"unit": tree["committee"].pk, "period": "2019Q4"})
    assert response.status_code == 302
    assert any("没有适用的考核细则" in str(m) for m in get_messages(response.wsgi_request))
    assert not Scorecard.objects.exists()


@pytest.mark.django_db
@pytest.mark.clock("2026-12-05")
def test_publishing_a_running_quarter_asks_for_the_reason_and_shows_it(client_for, staff, owner, tree, people):
    q4 = "2026Q4"
    client = client_for(staff)
    for unit in (tree["branch_a"], tree["branch_b"]):
        client.post(reverse("reports:manual_score", args=[unit.pk, q4, RubricItem.objects.get(code="overall").pk]),
                    {"points": "8", "comment": "阵地规范"})
    page = client.get(reverse("reports:scorecards"), {"unit": tree["committee"].pk, "period": q4}).content.decode()
    assert "提前发布（本季度尚未结束）" in page and 'name="early_reason"' in page
    refused = client.post(reverse("reports:scorecards_publish"), {"unit": tree["committee"].pk, "period": q4},
                          follow=True).content.decode()
    assert "尚未结束" in refused and not Scorecard.objects.exists()
    client.post(reverse("reports:scorecards_publish"),
                {"unit": tree["committee"].pk, "period": q4, "early": "1", "early_reason": "上级党委要求提前报送"})
    assert Scorecard.objects.filter(period=q4).count() == 2
    shown = client_for(owner).get(detail(tree["branch_a"], q4)).content.decode()
    assert "季度未结束，提前发布：上级党委要求提前报送" in shown
