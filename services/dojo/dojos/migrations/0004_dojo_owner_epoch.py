from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dojos", "0003_removed_member"),
    ]

    operations = [
        migrations.AddField(
            model_name="dojo",
            name="owner_epoch",
            field=models.BigIntegerField(default=0),
        ),
    ]
