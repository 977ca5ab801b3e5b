from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "pocdex_shared.events"
    label = "pocdex_events"
    verbose_name = "Pocdex events"
    default_auto_field = "django.db.models.BigAutoField"
