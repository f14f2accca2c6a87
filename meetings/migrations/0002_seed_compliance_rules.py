"""Seed the organisational-life rules of domain-rules.md (editable afterwards by an administrator)."""

import datetime as dt

from django.db import migrations

# 《中国共产党支部工作条例（试行）》 took effect on its publication, 2018-10-28.
SINCE = dt.date(2018, 10, 28)
TIAOLI = "《中国共产党支部工作条例（试行）》（2018）"

RULES = [
    # code, name, counts, applies_to, min_count, period, secretary_lecture, source, order
    ("general-meeting", "党员大会", "general", "branch", 1, "quarter", False, f"{TIAOLI}第十一条：党员大会一般每季度召开1次", 10),
    ("committee-meeting", "支委会", "committee", "branch_committee", 1, "month", False,
     f"{TIAOLI}第十二条：支部委员会会议一般每月召开1次", 20),
    ("group-meeting", "党小组会", "group", "group", 1, "month", False, f"{TIAOLI}第十三条：党小组会一般每月召开1次", 30),
    ("lecture", "党课", "lecture", "branch", 1, "quarter", False,
     "惯例：每季度至少1次（支部条例只规定“按期”，部分地方为每半年1次）", 40),
    ("secretary-lecture", "书记讲党课", "lecture", "branch", 1, "year", True,
     f"{TIAOLI}第十六条：党支部书记每年至少讲1次党课", 50),
    ("theme-day", "主题党日", "theme_day", "branch", 1, "month", False,
     f"{TIAOLI}：党支部每月相对固定1天开展主题党日", 60),
    ("life-meeting", "组织生活会", "life", "branch", 1, "year", False,
     f"{TIAOLI}第十七条：组织生活会一般每年召开1次（通常在第四季度）", 70),
    ("appraisal", "民主评议党员", "appraisal", "branch", 1, "year", False,
     f"{TIAOLI}第十八条：每年开展1次民主评议党员（等次为惯例：优秀/合格/基本合格/不合格）", 80),
    ("talk", "谈心谈话", "talk", "branch", 1, "year", False,
     f"{TIAOLI}第十九条：支部委员和党员之间每年谈心谈话一般不少于1次", 90),
]


def seed(apps, schema_editor):
    ComplianceRule = apps.get_model("meetings", "ComplianceRule")
    for code, name, counts, applies_to, min_count, period, secretary, source, order in RULES:
        ComplianceRule.objects.get_or_create(
            code=code, scope_unit=None, effective_from=SINCE,
            defaults={"name": name, "counts": counts, "applies_to": applies_to, "min_count": min_count,
                      "period": period, "secretary_lecture": secretary, "source": source, "order": order},
        )


def unseed(apps, schema_editor):
    ComplianceRule = apps.get_model("meetings", "ComplianceRule")
    ComplianceRule.objects.filter(scope_unit=None, effective_from=SINCE, code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
