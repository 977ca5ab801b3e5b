import pytest

from pocdex_shared.events.sqs import sqs_queue_name, sqs_transport_options
from pocdex_shared.queues import SERVICE_QUEUES, UndeclaredQueueError, all_queues, queue, queues_of


def test_sqs_queue_names_have_no_dots():
    assert sqs_queue_name("accounts.events") == "pocdex-accounts-events"


PREFIX = "https://sqs.sa-east-1.amazonaws.com/123456789012/"


def test_transport_options_declare_every_event_queue_and_every_own_queue():
    options = sqs_transport_options(
        own_service="accounts",
        services=["accounts", "pocs", "media"],
        url_prefix=PREFIX,
        region="sa-east-1",
    )
    assert options["region"] == "sa-east-1"
    assert options["predefined_queues"] == {
        "pocdex-accounts-default": {"url": PREFIX + "pocdex-accounts-default"},
        "pocdex-accounts-events": {"url": PREFIX + "pocdex-accounts-events"},
        "pocdex-media-events": {"url": PREFIX + "pocdex-media-events"},
        "pocdex-pocs-events": {"url": PREFIX + "pocdex-pocs-events"},
    }


def test_kombu_finds_every_predefined_queue_under_the_name_it_looks_up():
    # kombu keys predefined queues by queue_name_prefix + the Celery name with
    # dots made dashes; keyed by the Celery name, no worker could consume on SQS
    # (tests/aws showed it: "must be defined in 'predefined_queues'").
    from kombu.transport.SQS import Channel

    options = sqs_transport_options(
        own_service="media", services=SERVICE_QUEUES, url_prefix=PREFIX, region="sa-east-1"
    )
    channel = Channel.__new__(Channel)
    channel.queue_name_prefix = options["queue_name_prefix"]
    for celery_queue in (*queues_of("media"), "pocs.events"):
        assert channel.canonical_queue_name(celery_queue) in options["predefined_queues"]


def test_the_slow_work_queues_are_predefined_on_sqs_for_their_own_service():
    media = sqs_transport_options(
        own_service="media", services=SERVICE_QUEUES, url_prefix=PREFIX, region="sa-east-1"
    )["predefined_queues"]
    pocs = sqs_transport_options(
        own_service="pocs", services=SERVICE_QUEUES, url_prefix=PREFIX, region="sa-east-1"
    )["predefined_queues"]
    assert media["pocdex-media-reports"] == {"url": PREFIX + "pocdex-media-reports"}
    assert media["pocdex-media-videos"] == {"url": PREFIX + "pocdex-media-videos"}
    assert pocs["pocdex-pocs-search"] == {"url": PREFIX + "pocdex-pocs-search"}
    # Another service's slow queues are not its business; its event queue is.
    assert "pocdex-media-reports" not in pocs
    assert "pocdex-pocs-search" not in media
    events = {sqs_queue_name(f"{service}.events") for service in SERVICE_QUEUES}
    assert events <= set(pocs)


def test_every_declared_queue_is_predefined_for_its_service():
    for service in SERVICE_QUEUES:
        options = sqs_transport_options(
            own_service=service, services=SERVICE_QUEUES, url_prefix=PREFIX, region="sa-east-1"
        )
        own = {sqs_queue_name(q) for q in queues_of(service)}
        assert own <= set(options["predefined_queues"]), service


def test_an_undeclared_service_or_queue_is_refused():
    with pytest.raises(UndeclaredQueueError):
        sqs_transport_options(
            own_service="billing", services=["accounts"], url_prefix=PREFIX, region="sa-east-1"
        )
    with pytest.raises(UndeclaredQueueError):
        queue("media", "thumbnails")
    assert queue("media", "videos") == "media.videos"


def test_all_queues_lists_every_service_queue_once():
    names = all_queues()
    assert len(names) == len(set(names))
    assert set(names) == {name for service in SERVICE_QUEUES for name in queues_of(service)}
    assert {"pocs.search", "media.reports", "media.videos"} <= set(names)


def test_a_celery_broker_variable_in_the_environment_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from pocdex_shared.events.celery import create_app

    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:63799/1")
    with pytest.raises(ImproperlyConfigured, match="POCDEX_BROKER_URL"):
        create_app("anything")
