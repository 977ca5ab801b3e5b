from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dojos", "0004_dojo_owner_epoch"),
    ]

    operations = [
        migrations.AddField(
            model_name="dojoevent",
            name="request",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
    ]
