"""The 发展党员 item of a rubric says what a branch with nobody in the pipeline earns: the default
rubric (domain-rules.md: "no overdue step in the pipeline") gives it the item's full points. An
administrator may change ``empty_points`` in the rubric; this only fills it in where unset."""

from django.db import migrations


def fill(apps, schema_editor):
    RubricItem = apps.get_model("reports", "RubricItem")
    for item in RubricItem.objects.filter(method="pipeline"):
        params = dict(item.params or {})
        if "empty_points" not in params:
            points = item.max_points
            params["empty_points"] = int(points) if points == int(points) else float(points)
            item.params = params
            item.save(update_fields=["params"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_job_retry_of")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
