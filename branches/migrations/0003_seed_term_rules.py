"""Seed the term-length rules of domain-rules.md (editable afterwards by an administrator)."""

import datetime as dt

from django.db import migrations

RULES = [
    ("branch", False, 3, "《中国共产党支部工作条例（试行）》（2018）第二十一条：党支部委员会每届任期3年"),
    ("branch", True, 5, "《中国共产党支部工作条例（试行）》（2018）第二十一条：村、社区党支部委员会每届任期5年"),
    ("general", False, 3, "《中国共产党党和国家机关基层组织工作条例》（2019）：党总支部委员会每届任期3年"),
    ("committee", False, 5, "《中国共产党党和国家机关基层组织工作条例》（2019）：基层党委每届任期5年"),
]


def seed(apps, schema_editor):
    TermRule = apps.get_model("branches", "TermRule")
    for kind, community, years, source in RULES:
        TermRule.objects.get_or_create(
            unit_kind=kind, community=community, effective_from=dt.date(1980, 1, 1),
            defaults={"years": years, "source": source},
        )


class Migration(migrations.Migration):
    dependencies = [("branches", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
