# ImportBatch moves here from branches with its rows: the model enters this app's state on the old
# table, which is then renamed; branches 0006 drops it from that app's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('branches', '0005_import_jobs'),
        ('reports', '0006_export_log_actor'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='ImportBatch',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(max_length=20, verbose_name='类型')),
                    ('file', models.FileField(upload_to='imports/%Y/%m/')),
                    ('original_name', models.CharField(max_length=200, verbose_name='文件名')),
                    ('state', models.CharField(choices=[('checking', '校验中'), ('preview', '待确认'), ('refused', '未通过校验'), ('applying', '导入中'), ('applied', '已导入')], max_length=10, verbose_name='状态')),
                    ('summary', models.CharField(blank=True, max_length=300, verbose_name='结果')),
                    ('problems', models.JSONField(default=list)),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                    ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='导入时间')),
                    ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='reports.job')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_batches', to=settings.AUTH_USER_MODEL)),
                ],
                options={'ordering': ['-created_at', '-id'], 'db_table': 'branches_importbatch'},
            ),
        ]),
        migrations.AlterModelTable(name='importbatch', table=None),
    ]
