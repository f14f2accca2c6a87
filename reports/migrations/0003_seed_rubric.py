"""Seed the default 100-point quarterly scorecard rubric of domain-rules.md (editable later)."""

import datetime as dt

from django.db import migrations

SOURCE = "domain-rules.md 季度党支部考核默认细则（100分）；依据《中国共产党支部工作条例（试行）》等"
ITEMS = [
    # category, code, label, max, method, params
    ("组织建设", "officers", "按规定设立支委会、委员配备齐全", 5, "officers", {}),
    ("组织建设", "terms", "按期换届，无超期", 5, "terms", {}),
    ("组织建设", "groups", "党员人数较多的支部设立党小组", 5, "groups", {"min_members": 10}),
    ("组织生活", "general-meeting", "按期召开党员大会", 8, "meetings", {"rule": "general-meeting"}),
    ("组织生活", "committee-meeting", "按期召开支委会", 8, "meetings", {"rule": "committee-meeting", "committee_required": True}),
    ("组织生活", "group-meeting", "按期召开党小组会", 6, "meetings", {"rule": "group-meeting"}),
    ("组织生活", "lecture", "按期上党课", 6, "meetings", {"rule": "lecture"}),
    ("组织生活", "theme-day", "每月开展主题党日", 7, "meetings", {"rule": "theme-day"}),
    ("党员管理", "attendance", "党员出勤率达到90%", 5, "attendance", {"threshold": 90}),
    ("党员管理", "points", "积分按月评定并公示", 5, "points_published", {}),
    ("党员管理", "talks", "谈心谈话按进度开展", 5, "talks", {}),
    ("党费", "dues-rate", "党费收缴率100%", 10, "dues_rate", {}),
    ("党费", "remittance", "党费按时上交", 5, "remittance", {"deadline_days": 15}),
    # empty_points: a branch with nobody in the 发展 pipeline in the quarter (0009 sets it on older data)
    ("发展党员", "pipeline", "发展党员各环节无超期", 10, "pipeline", {"empty_points": 10}),
    ("综合评价", "overall", "阵地建设、资料规范、特色亮点（党委评定）", 10, "manual", {}),
]


def seed(apps, schema_editor):
    Rubric = apps.get_model("reports", "Rubric")
    RubricItem = apps.get_model("reports", "RubricItem")
    rubric, _ = Rubric.objects.get_or_create(
        name="党支部季度考核细则", effective_from=dt.date(2020, 1, 1), defaults={"source": SOURCE}
    )
    for order, (category, code, label, points, method, params) in enumerate(ITEMS, start=1):
        RubricItem.objects.get_or_create(
            rubric=rubric, code=code,
            defaults={"category": category, "label": label, "max_points": points, "method": method,
                      "params": params, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_scorecards")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
