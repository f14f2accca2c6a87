from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('branches', '0007_dated_rules'),
        ('dues', '0006_voidable'),
        ('members', '0003_voidable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='payment',
            name='payment_one_live_per_member_month',
        ),
        migrations.AddField(
            model_name='historicalpayment',
            name='instalment',
            field=models.PositiveSmallIntegerField(default=1, help_text='1为当月缴纳；补足未缴足的金额时为2、3……', verbose_name='第几笔'),
        ),
        migrations.AddField(
            model_name='payment',
            name='instalment',
            field=models.PositiveSmallIntegerField(default=1, help_text='1为当月缴纳；补足未缴足的金额时为2、3……', verbose_name='第几笔'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'regular'), ('voided_at__isnull', True)), fields=('person', 'month', 'instalment'), name='payment_one_live_per_member_month_instalment'),
        ),
    ]
