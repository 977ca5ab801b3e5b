from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pocdex_events", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="outboxevent",
            name="trace_context",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
