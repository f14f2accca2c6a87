"""Seed the 2008 dues rate table and the default points scheme (domain-rules.md)."""

import datetime as dt
from decimal import Decimal as D

from django.db import migrations

RATE_SOURCE = "中组部《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）"
RULES = [
    # category, upper bound (inclusive), rate, flat amount, min, max, approval, article
    ("在职", D("3000"), D("0.005"), None, None, None, False, "第一–四条"),
    ("在职", D("5000"), D("0.01"), None, None, None, False, "第一–四条"),
    ("在职", D("10000"), D("0.015"), None, None, None, False, "第一–四条"),
    ("在职", None, D("0.02"), None, None, None, False, "第一–四条"),
    ("离退休", D("5000"), D("0.005"), None, None, None, False, "第五条"),
    ("离退休", None, D("0.01"), None, None, None, False, "第五条"),
    ("农民", None, None, D("0.20"), D("0.20"), D("1.00"), False, "第六条"),
    ("学生", None, None, D("0.20"), None, None, False, "第六条"),
    ("下岗失业", None, None, D("0.20"), None, None, False, "第六条"),
    ("低保", None, None, D("0.20"), None, None, False, "第六条"),
    ("困难减免", None, None, D("0.00"), D("0.00"), None, True, "第七条"),
]

POINTS_SOURCE = "默认方案（无全国统一标准，各地自定）：domain-rules.md 党员积分"
ITEMS = [
    # code, name, category, source, points, min, max, year cap, veto, note
    ("attendance", "参加组织生活", "基础", "attendance", D("2"), None, None, D("24"), False,
     "党员大会、党课、主题党日、党小组会、组织生活会，每次+2，全年最多+24"),
    ("absence", "无故缺席", "扣分", "absence", D("-2"), None, None, None, False, "未请假缺席，每次−2"),
    ("makeup", "请假后完成补学", "奖励", "makeup", D("1"), None, None, None, False, "每次+1"),
    ("late_dues", "逾期缴纳党费", "扣分", "late_dues", D("-2"), None, None, None, False,
     "当月党费未在当月缴纳，每月−2"),
    ("lecture", "讲党课", "奖励", "manual", D("3"), None, None, None, False, ""),
    ("volunteer", "志愿服务", "奖励", "manual", D("2"), None, None, None, False, ""),
    ("article", "发表文章", "奖励", "manual", D("3"), None, None, None, False, ""),
    ("honour", "获得表彰", "奖励", "manual", D("5"), D("5"), D("10"), None, False, "按表彰级别+5至+10"),
    ("violation", "违纪（一票否决）", "扣分", "manual", D("0"), None, None, None, True, "全年积分记为0"),
]


def seed(apps, schema_editor):
    RateTable = apps.get_model("dues", "RateTable")
    RateRule = apps.get_model("dues", "RateRule")
    table = RateTable.objects.create(name="2008年党费收缴标准", effective_from=dt.date(2008, 1, 1), source=RATE_SOURCE)
    for category, upper, rate, flat, low, high, approval, article in RULES:
        RateRule.objects.create(table=table, category=category, upper_bound=upper, rate=rate, flat_amount=flat,
                                min_amount=low, max_amount=high, requires_approval=approval,
                                source=f"党费规定 {article}")
    PointsScheme = apps.get_model("dues", "PointsScheme")
    PointsItem = apps.get_model("dues", "PointsItem")
    scheme = PointsScheme.objects.create(
        name="党员积分默认方案", effective_from=dt.date(2000, 1, 1), base_points=D("60"), publication_days=5,
        stars=[[96, 5], [90, 4], [80, 3], [70, 2], [60, 1]], source=POINTS_SOURCE,
    )
    for order, (code, name, category, source, points, low, high, cap, veto, note) in enumerate(ITEMS, start=1):
        PointsItem.objects.create(scheme=scheme, code=code, name=name, category=category, source=source,
                                  points=points, min_points=low, max_points=high, year_cap=cap, veto=veto,
                                  order=order, note=note)


def unseed(apps, schema_editor):
    apps.get_model("dues", "RateTable").objects.filter(source=RATE_SOURCE).delete()
    apps.get_model("dues", "PointsScheme").objects.filter(source=POINTS_SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0002_ledgers_and_points")]
    operations = [migrations.RunPython(seed, unseed)]
