from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="two_factor_required",
            field=models.BooleanField(
                default=False, verbose_name="two-factor required for all members"
            ),
        ),
    ]
