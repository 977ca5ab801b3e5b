"""A person's own data under the LGPD: each service's part of their export, and their erasure
(ADR 0047).

People live in accounts; the other services keep only their id and their name
as it was (POCs' authors, dojo participants, media requesters). Accounts asks
each service, per organization the person belongs to, for what that person
authored or did there (``POST /internal/v1/tenants/{tenant}/people/{person}/export``,
accounts only): the service answers with JSON documents and the keys of the
objects in the organization's bucket that belong to the person; accounts
copies those into the person's archive itself.

When a person deletes themselves accounts publishes ``person.deleted``; each
service anonymizes what the person authored in every organization it serves
(the organization keeps its content; the author becomes "Pessoa excluída" /
"Deleted person", in the organization's language when accounts knew it).
Anonymizing twice changes nothing, so a repeated delivery is harmless.

A service declares its part once, from ``AppConfig.ready()``, with
:func:`register_person_data`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import get_tenant_model, schema_context, schema_exists
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared.errors import ApiError
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.events.consumer import handles
from pocdex_shared.events.models import OutboxEvent
from pocdex_shared.internal import IsService, ServiceAuthentication
from pocdex_shared.tenancy.models import schema_name_for

logger = logging.getLogger(__name__)

PERSON_DELETED = "person.deleted"

#: What a deleted person is called where their name was, by language.
DELETED_PERSON_NAMES = {"pt-br": "Pessoa excluída", "en": "Deleted person"}
DEFAULT_LANGUAGE = "pt-br"

#: Where each service serves a person's export part, under ``internal/v1/``.
PERSON_EXPORT_ROUTE = "tenants/<uuid:tenant_id>/people/<uuid:person_id>/export"


def deleted_person_name(language: str | None) -> str:
    key = (language or DEFAULT_LANGUAGE).lower()
    return DELETED_PERSON_NAMES.get(key, DELETED_PERSON_NAMES[DEFAULT_LANGUAGE])


#: (tenant id, person id) -> JSON-able documents, run in the organization's schema.
Documents = Callable[[uuid.UUID, uuid.UUID], dict[str, Any]]
#: (tenant id, person id) -> keys of the organization's bucket that are the person's.
Files = Callable[[uuid.UUID, uuid.UUID], list[str]]
#: (tenant id, person id, replacement name) -> None, run in the organization's schema.
Anonymize = Callable[[uuid.UUID, uuid.UUID, str], None]


@dataclass
class PersonData:
    documents: Documents | None = None
    files: Files | None = None
    anonymize: Anonymize | None = None


_person = PersonData()


def register_person_data(
    *, documents: Documents, anonymize: Anonymize, files: Files | None = None
) -> None:
    """Declare what this service keeps about a person (idempotent)."""
    _person.documents = documents
    _person.files = files
    _person.anonymize = anonymize
    handles(PERSON_DELETED, own_transactions=True)(on_person_deleted)


def person_data() -> PersonData:
    return _person


# ------------------------------------------------------------------ export


def person_export_part(tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict[str, Any]:
    """This service's documents and file keys about a person in one organization."""
    schema = schema_name_for(tenant_id)
    data: dict[str, Any] = {}
    files: list[str] = []
    if _person.documents is not None and schema_exists(schema):
        with schema_context(schema):
            data = _person.documents(tenant_id, person_id)
            if _person.files is not None:
                files = _person.files(tenant_id, person_id)
    return {"data": data, "files": files}


class PersonExportPartSerializer(drf.Serializer):
    service = drf.CharField()
    tenant_id = drf.UUIDField()
    person_id = drf.UUIDField()
    data = drf.DictField(help_text="The person's rows in this service, by kind.")  # type: ignore[assignment]
    files = drf.ListField(
        child=drf.CharField(), help_text="Keys in the organization's bucket that are theirs."
    )


class PersonExportPartView(APIView):
    """``POST /internal/v1/tenants/{tenant_id}/people/{person_id}/export``: accounts only.

    The organization comes from the path (ADR 0025); only that organization's
    schema is read.
    """

    authentication_classes = [ServiceAuthentication]
    permission_classes = [IsService]
    allowed_services = frozenset({"accounts"})

    @extend_schema(
        request=None,
        responses={200: PersonExportPartSerializer},
        summary="What one person authored or did in one organization (accounts only)",
    )
    def post(self, request: Request, tenant_id: uuid.UUID, person_id: uuid.UUID) -> Response:
        from django.conf import settings

        if not get_tenant_model().objects.filter(id=tenant_id).exists():
            raise ApiError("tenant_not_found", _("This organization does not exist."), status=404)
        part = person_export_part(tenant_id, person_id)
        return Response(
            {
                "service": str(settings.POCDEX_SERVICE),
                "tenant_id": str(tenant_id),
                "person_id": str(person_id),
                **part,
            }
        )


# ------------------------------------------------------------------ erasure


def anonymize_everywhere(person_id: uuid.UUID, names: dict[str, str]) -> list[str]:
    """Anonymize the person in every organization this service holds; returns the tenants.

    ``names`` maps a tenant id to the replacement name in its language; other
    organizations (ones the person had left) get the default language's.
    """
    anonymize = _person.anonymize
    done: list[str] = []
    if anonymize is None:
        return done
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    for tenant_id in get_tenant_model().objects.values_list("id", flat=True):
        schema = schema_name_for(tenant_id)
        if not schema_exists(schema):
            continue
        name = names.get(str(tenant_id)) or deleted_person_name(None)
        # One transaction per organization (the handler has its own transactions):
        # one over them all would hold a lock per table of every schema.
        with schema_context(schema), transaction.atomic():
            anonymize(uuid.UUID(str(tenant_id)), person_id, name)
        done.append(str(tenant_id))
    # Delivered events that named the person: their delivery log must not outlive them.
    OutboxEvent.objects.filter(published_at__isnull=False).extra(
        where=["payload::text LIKE %s"], params=[f"%{person_id}%"]
    ).delete()
    return done


def on_person_deleted(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    person_id = uuid.UUID(str(payload["person_id"]))
    names = {str(k): str(v) for k, v in (payload.get("names") or {}).items()}
    tenants = anonymize_everywhere(person_id, names)
    logger.info("person anonymized", extra={"organizations": len(tenants)})
