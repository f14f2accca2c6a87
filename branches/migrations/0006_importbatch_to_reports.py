# ImportBatch moved to reports (the import pages and their jobs live there): the table is kept
# and renamed by reports 0007; here the model only leaves this app's state.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('branches', '0005_import_jobs'),
        ('reports', '0007_importbatch_from_branches'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='ImportBatch')]),
    ]
