"""REST API: report and video jobs (request, list, read) and the monthly report subscription.

Views validate input, call one service or selector and serialize the result.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.utils import timezone, translation
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pocdex_shared import fields as ascii_fields
from pocdex_shared.callers import Caller
from pocdex_shared.pagination import CursorPagination

from . import files, selectors, services
from .models import Job, JobStatus, Kind, ReportSubscription, Scope


def requester_of(request: Request) -> Caller:
    return cast(Caller, request.user)


def _default_language(request: Request) -> str:
    return "pt-br" if (translation.get_language() or "").startswith("pt") else "en"


class LanguageField(serializers.ChoiceField):
    """``pt-br`` or ``en``; ``pt-BR`` and ``pt_BR`` are accepted too."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=services.LANGUAGES, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = data.strip().lower().replace("_", "-")
        return super().to_internal_value(data)


# ------------------------------------------------------------------ output


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class JobFileSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="pdf, csv, mp4 or thumbnail")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    filename = serializers.CharField()
    url = serializers.URLField(
        help_text="Presigned download link; short-lived, ask again for a new one."
    )
    expires_at = serializers.DateTimeField()


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.ChoiceField(choices=JobStatus.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    attempts = serializers.IntegerField(
        min_value=0,
        help_text="Times rendering started: above 1 when a worker died or a source was retried; "
        "progress keeps the furthest point reached meanwhile.",
    )
    scope = serializers.ChoiceField(choices=Scope.choices)
    language = serializers.CharField()
    parameters = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    warnings = serializers.ListField(child=serializers.CharField())
    files = serializers.SerializerMethodField()
    details = serializers.DictField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.DictField())
    def get_parameters(self, job: Job) -> dict[str, Any]:
        return dict(job.params)

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job: Job) -> dict[str, str] | None:
        if job.status != JobStatus.FAILED:
            return None
        return {"code": job.error_code, "message": job.error_message}

    @extend_schema_field(JobFileSerializer(many=True))
    def get_files(self, job: Job) -> list[dict[str, Any]]:
        if job.status != JobStatus.SUCCEEDED:
            return []
        tenant_id = self.context["tenant_id"]
        expires = timezone.now() + timedelta(seconds=settings.MEDIA_DOWNLOAD_URL_SECONDS)
        return [
            {
                "format": name,
                "content_type": record["content_type"],
                "size": record["size"],
                "filename": record["filename"],
                "url": files.download_url(tenant_id=tenant_id, record=record),
                "expires_at": expires,
            }
            for name, record in sorted(job.outputs.items())
        ]


def _job_response(request: Request, job: Job, *, created: bool | None = None) -> Response:
    data = JobSerializer(job, context={"tenant_id": requester_of(request).tenant_id}).data
    if created is None:
        return Response(data)
    return Response(data, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class _JobList(APIView):
    kind: str = ""
    pagination_class = CursorPagination

    def list(self, request: Request) -> Response:
        requester = requester_of(request)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(
            selectors.job_list(user_id=requester.id, kind=self.kind), request, view=self
        )
        data = JobSerializer(page, many=True, context={"tenant_id": requester.tenant_id}).data
        return paginator.get_paginated_response(data)


_CREATED_OR_EXISTING = {
    202: JobSerializer,
    200: JobSerializer,
}


# ------------------------------------------------------------------ reports


class ReportInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.ME)
    # "from" is a Python keyword: the field is declared below under its JSON name.
    to = ascii_fields.DateField()
    language = LanguageField(required=False)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=services.REPORT_FORMATS),
        min_length=1,
        max_length=2,
        default=list(services.REPORT_FORMATS),
    )


ReportInput._declared_fields["from"] = ascii_fields.DateField()


class ReportListView(_JobList):
    kind = Kind.REPORT

    @extend_schema(responses={200: JobSerializer(many=True)}, summary="Your report jobs")
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        request=ReportInput,
        responses=_CREATED_OR_EXISTING,
        summary="Request a report (PDF and/or CSV); 202 new job, 200 the same request's job",
    )
    def post(self, request: Request) -> Response:
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job, created = services.report_request(
            requester=requester_of(request),
            scope=values["scope"],
            start=values["from"],
            end=values["to"],
            language=values.get("language") or _default_language(request),
            formats=list(values["formats"]),
        )
        return _job_response(request, job, created=created)


class ReportDetailView(APIView):
    @extend_schema(responses={200: JobSerializer}, summary="A report job: status, progress, files")
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        job = selectors.job_get(user_id=requester_of(request).id, kind=Kind.REPORT, job_id=job_id)
        return _job_response(request, job)


# ------------------------------------------------------------------ videos


class VideoInput(serializers.Serializer):
    year = ascii_fields.IntegerField(min_value=2000, max_value=9999)
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.ME)
    format = serializers.ChoiceField(choices=services.VIDEO_FORMATS, default="vertical")
    language = LanguageField(required=False)
    exclude = serializers.ListField(
        child=ascii_fields.UUIDField(),
        default=list,
        max_length=1000,
        help_text="POCs to leave out of the video",
    )


class VideoListView(_JobList):
    kind = Kind.VIDEO

    @extend_schema(responses={200: JobSerializer(many=True)}, summary="Your video jobs")
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        request=VideoInput,
        responses=_CREATED_OR_EXISTING,
        summary="Request a year-in-review video; 202 new job, 200 the same request's job",
    )
    def post(self, request: Request) -> Response:
        data = VideoInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job, created = services.video_request(
            requester=requester_of(request),
            scope=values["scope"],
            year=values["year"],
            video_format=values["format"],
            language=values.get("language") or _default_language(request),
            exclude=list(values["exclude"]),
        )
        return _job_response(request, job, created=created)


class VideoDetailView(APIView):
    @extend_schema(responses={200: JobSerializer}, summary="A video job: status, progress, files")
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        job = selectors.job_get(user_id=requester_of(request).id, kind=Kind.VIDEO, job_id=job_id)
        return _job_response(request, job)


# ------------------------------------------------------------------ subscription


class SubscriptionInput(serializers.Serializer):
    language = LanguageField(required=False)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=services.REPORT_FORMATS),
        min_length=1,
        max_length=2,
        default=list(services.REPORT_FORMATS),
    )


class SubscriptionSerializer(serializers.Serializer):
    language = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ReportSubscriptionView(APIView):
    @extend_schema(
        responses={200: SubscriptionSerializer}, summary="Your monthly report subscription"
    )
    def get(self, request: Request) -> Response:
        subscription = selectors.subscription_get(user_id=requester_of(request).id)
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(
        request=SubscriptionInput,
        responses={200: SubscriptionSerializer},
        summary="Owners: get last month's organization report on the 1st of every month",
    )
    def put(self, request: Request) -> Response:
        data = SubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription: ReportSubscription = services.subscription_set(
            requester=requester_of(request),
            language=data.validated_data.get("language") or _default_language(request),
            formats=list(data.validated_data["formats"]),
        )
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(responses={204: None}, summary="Stop the monthly report")
    def delete(self, request: Request) -> Response:
        services.subscription_delete(requester=requester_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
