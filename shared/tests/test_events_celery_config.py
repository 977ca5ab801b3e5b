from pocdex_shared.events.sqs import sqs_queue_name, sqs_transport_options


def test_sqs_queue_names_have_no_dots():
    assert sqs_queue_name("accounts.events") == "pocdex-accounts-events"


def test_transport_options_declare_every_event_queue_and_the_own_default_queue():
    options = sqs_transport_options(
        own_service="accounts",
        services=["accounts", "pocs", "media"],
        url_prefix="https://sqs.sa-east-1.amazonaws.com/123456789012/",
        region="sa-east-1",
    )
    assert options["region"] == "sa-east-1"
    assert options["predefined_queues"] == {
        "accounts.default": {
            "url": "https://sqs.sa-east-1.amazonaws.com/123456789012/pocdex-accounts-default"
        },
        "accounts.events": {
            "url": "https://sqs.sa-east-1.amazonaws.com/123456789012/pocdex-accounts-events"
        },
        "media.events": {
            "url": "https://sqs.sa-east-1.amazonaws.com/123456789012/pocdex-media-events"
        },
        "pocs.events": {
            "url": "https://sqs.sa-east-1.amazonaws.com/123456789012/pocdex-pocs-events"
        },
    }


def test_a_celery_broker_variable_in_the_environment_is_refused(monkeypatch):
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from pocdex_shared.events.celery import create_app

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:63799/1")
    with pytest.raises(ImproperlyConfigured, match="POCDEX_BROKER_URL"):
        create_app("anything")
