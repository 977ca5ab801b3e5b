"""An organization's data under the LGPD: each service's export part and its purge (ADR 0044).

Accounts orchestrates both. For an export it asks every service, over the
internal API, to write its part into the organization's bucket under
``exports/<export id>/<service>/``: ``data.json`` (every row of every model of
the organization's schema, Django's JSON serialization) and ``files/`` (a
server-side copy of every object under the service's own prefixes). Accounts
then assembles one zip from the whole ``exports/<export id>/`` prefix.

For a purge accounts publishes ``tenant.purged``; each service drops the
schema, deletes its public rows about the organization (``public_rows``), runs
its extra cleanup (pocs: search documents), empties its prefixes, tries to
delete the bucket, deletes its replica row and answers
``tenant.purge_confirmed``. Every step is idempotent: accounts publishes again
until every service confirmed, so a service that was down catches up.

A service declares its part once, from ``AppConfig.ready()``, with
:func:`register_service_data`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import connection, models, transaction
from django_tenants.utils import get_tenant_model, schema_context, schema_exists
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared import storage
from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.events.consumer import handles
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.events.outbox import publish
from pocdex_shared.internal import IsService, ServiceAuthentication
from pocdex_shared.tenancy.models import schema_name_for
from pocdex_shared.tenancy.resolution import forget_tenant

logger = logging.getLogger(__name__)

TENANT_PURGED = "tenant.purged"
TENANT_PURGE_CONFIRMED = "tenant.purge_confirmed"
EXPORTS_PREFIX = "exports/"


def export_prefix(export_id: uuid.UUID | str) -> str:
    return f"{EXPORTS_PREFIX}{uuid.UUID(str(export_id))}/"


@dataclass
class ServiceData:
    """What one service keeps about an organization outside the generic schema dump."""

    file_prefixes: tuple[str, ...] = ()
    #: Models in the public schema with a ``tenant_id``-like column: (model, field name).
    public_rows: tuple[tuple[type[models.Model], str], ...] = ()
    #: Extra work of a purge (e.g. search documents), idempotent.
    cleanups: list[Callable[[uuid.UUID], None]] = field(default_factory=list)
    #: Extra documents of an export part: name -> callable(tenant id) -> JSON-able.
    documents: dict[str, Callable[[uuid.UUID], Any]] = field(default_factory=dict)
    #: Models left out of an export (``app_label.model``): secrets, not data.
    excluded: set[str] = field(default_factory=set)


_service = ServiceData()


def register_service_data(
    *,
    file_prefixes: Iterable[str] = (),
    public_rows: Iterable[tuple[type[models.Model], str]] = (),
    cleanup: Callable[[uuid.UUID], None] | None = None,
    documents: dict[str, Callable[[uuid.UUID], Any]] | None = None,
    exclude_models: Iterable[str] = (),
    handle_purge: bool = True,
) -> None:
    """Declare this service's files, public rows and extra cleanup (idempotent).

    Accounts passes ``handle_purge=False``: it orchestrates the purge instead.
    """
    for prefix in file_prefixes:
        if not prefix.endswith("/"):
            raise ValueError("a file prefix ends with '/'")
        if prefix not in _service.file_prefixes:
            _service.file_prefixes += (prefix,)
    for row in public_rows:
        if row not in _service.public_rows:
            _service.public_rows += (row,)
    if cleanup is not None and cleanup not in _service.cleanups:
        _service.cleanups.append(cleanup)
    _service.documents.update(documents or {})
    _service.excluded.update(exclude_models)
    if handle_purge:
        handles(TENANT_PURGED)(on_tenant_purged)


def service_data() -> ServiceData:
    return _service


# ------------------------------------------------------------------ export


def tenant_models() -> list[type[models.Model]]:
    """Every model stored in an organization's schema (the apps of ``TENANT_APPS``)."""
    labels = [name.rsplit(".", 1)[-1] for name in settings.TENANT_APPS]
    found: list[type[models.Model]] = []
    for config in apps.get_app_configs():
        if config.label in labels or config.name in settings.TENANT_APPS:
            found += [m for m in config.get_models() if not m._meta.proxy]
    return found


def _put_json(tenant_id: uuid.UUID, key: str, value: Any) -> None:
    body = json.dumps(value, ensure_ascii=False, indent=1, default=str).encode()
    storage.s3_client().put_object(
        Bucket=storage.bucket_name(tenant_id), Key=key, Body=body, ContentType="application/json"
    )


def write_export_part(tenant_id: uuid.UUID, export_id: uuid.UUID) -> dict[str, Any]:
    """Write this service's part of an export; idempotent (it overwrites the same keys)."""
    service = str(settings.POCDEX_SERVICE)
    base = f"{export_prefix(export_id)}{service}/"
    storage.ensure_bucket(tenant_id)
    schema = schema_name_for(tenant_id)
    data: dict[str, Any] = {}
    rows = 0
    if schema_exists(schema):
        with schema_context(schema):
            for model in tenant_models():
                if model._meta.label_lower in _service.excluded:
                    continue
                items = json.loads(serializers.serialize("json", model._default_manager.all()))
                data[model._meta.label_lower] = items
                rows += len(items)
    for name, produce in _service.documents.items():
        data[name] = produce(tenant_id)
    _put_json(
        tenant_id,
        base + "data.json",
        {"service": service, "tenant_id": str(tenant_id), "data": data},
    )
    client = storage.s3_client()
    bucket = storage.bucket_name(tenant_id)
    files = 0
    for prefix in _service.file_prefixes:
        for page in storage._keys(bucket, prefix, 1000):
            for item in page:
                client.copy_object(
                    Bucket=bucket,
                    Key=f"{base}files/{item['Key']}",
                    CopySource={"Bucket": bucket, "Key": item["Key"]},
                )
                files += 1
    return {"service": service, "rows": rows, "files": files}


class ExportPartSerializer(drf.Serializer):
    service = drf.CharField()
    rows = drf.IntegerField(help_text="Rows of the organization's schema written.")
    files = drf.IntegerField(help_text="Objects copied under files/.")


class ExportPartView(APIView):
    """``POST /internal/v1/tenants/{tenant_id}/exports/{export_id}``: accounts only.

    The organization comes from the path (never from a token claim, ADR 0025);
    the part is written in that organization's bucket only.
    """

    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]
    allowed_services = frozenset({"accounts"})

    @extend_schema(
        request=None,
        responses={200: ExportPartSerializer},
        summary="Write this service's part of an organization's export (accounts only)",
    )
    def post(self, request: Request, tenant_id: uuid.UUID, export_id: uuid.UUID) -> Response:
        if not get_tenant_model().objects.filter(id=tenant_id).exists():
            raise ApiError("tenant_not_found", _("This organization does not exist."), status=404)
        return Response(write_export_part(tenant_id, export_id))


# ------------------------------------------------------------------ purge


def purge_locally(tenant_id: uuid.UUID) -> None:
    """Remove everything this service holds about the organization (idempotent)."""
    schema = schema_name_for(tenant_id)
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    for model, name in _service.public_rows:
        model._default_manager.filter(**{name: tenant_id}).delete()
    for cleanup in _service.cleanups:
        cleanup(tenant_id)
    for prefix in _service.file_prefixes:
        storage.purge_prefix(tenant_id, prefix)
    storage.delete_bucket_if_empty(tenant_id)
    # Its events' delivery log too: a row naming it must not outlive it.
    OutboxEvent.objects.filter(tenant_id=tenant_id).delete()
    tenant_model = get_tenant_model()
    domain_model = apps.get_model(settings.TENANT_DOMAIN_MODEL)
    domain_model._default_manager.filter(tenant_id=tenant_id).delete()
    tenant_model.objects.filter(id=tenant_id).delete()
    forget_tenant(tenant_id)


def on_tenant_purged(envelope: dict[str, Any]) -> None:
    tenant_id = uuid.UUID(str(envelope["payload"]["tenant_id"]))
    purge_locally(tenant_id)
    transaction.on_commit(
        lambda: logger.info("organization purged", extra={"tenant": str(tenant_id)})
    )
    # No tenant_id on the event row: nothing left here refers to the organization by that column.
    publish(
        TENANT_PURGE_CONFIRMED,
        {"tenant_id": str(tenant_id), "service": str(settings.POCDEX_SERVICE)},
    )


#: Where each service serves its export part, under ``internal/v1/``.
EXPORT_PART_ROUTE = "tenants/<uuid:tenant_id>/exports/<uuid:export_id>"
