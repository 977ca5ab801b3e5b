"""Billing endpoints: /api/v1/billing/... (owners and admins; the plan list is public)."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from identity.authentication import current_membership
from identity.endpoints import PublicEndpoint
from pocdex_shared.errors import MESSAGES, ApiError, field_error
from pocdex_shared.errors import gettext_lazy as _
from pocdex_shared.plans import catalog_payload

from .models import BillingCustomer
from .provider import ProviderUnavailableError
from .services import (
    FISCAL_FIELDS,
    checkout_start,
    fiscal_data_save,
    invoices_list,
    portal_start,
    provider_mode,
    require_billing_manager,
    subscription_view,
    webhook_receive,
)


def _unavailable() -> ApiError:
    return ApiError(
        "billing_provider_unavailable",
        _("The payment provider did not answer. Try again in a moment."),
        status=503,
    )


class LimitsSerializer(serializers.Serializer):
    members = serializers.IntegerField(allow_null=True)
    pocs = serializers.IntegerField(allow_null=True)
    attachment_bytes = serializers.IntegerField(allow_null=True)
    dojos_per_month = serializers.IntegerField(allow_null=True)
    reports_per_month = serializers.IntegerField(allow_null=True)
    videos_per_month = serializers.IntegerField(allow_null=True)


class PriceSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=["month", "year"])
    amount = serializers.IntegerField(help_text="Centavos of BRL per interval.")
    currency = serializers.CharField()
    lookup_key = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    boleto = serializers.BooleanField(help_text="Whether checkout offers boleto besides card.")
    prices = PriceSerializer(many=True)
    limits = LimitsSerializer(help_text="null means unlimited.")


class PlansOutput(serializers.Serializer):
    provider_mode = serializers.ChoiceField(
        choices=["mock", "test", "live"],
        help_text="mock: payments go to the local Stripe mock and nothing is charged.",
    )
    plans = PlanSerializer(many=True)


class PlansView(PublicEndpoint):
    @extend_schema(responses={200: PlansOutput}, auth=[], summary="The plans, prices and limits")
    def get(self, request: Request) -> Response:
        return Response({"provider_mode": provider_mode(), "plans": catalog_payload()})


class SubscriptionOutput(serializers.Serializer):
    plan = serializers.CharField()
    plan_name = serializers.CharField()
    status = serializers.CharField(help_text="none, active, trialing, past_due, canceled, …")
    interval = serializers.CharField(allow_null=True)
    renews_at = serializers.DateTimeField(allow_null=True)
    cancel_at_period_end = serializers.BooleanField()
    past_due_since = serializers.DateTimeField(allow_null=True)
    grace_until = serializers.DateTimeField(
        allow_null=True, help_text="When an overdue subscription's plan falls back to Free."
    )
    provider_mode = serializers.CharField()


class SubscriptionView(APIView):
    @extend_schema(responses={200: SubscriptionOutput}, summary="The organization's subscription")
    def get(self, request: Request) -> Response:
        organization = require_billing_manager(current_membership(request))
        return Response(SubscriptionOutput(subscription_view(organization)).data)


class UrlOutput(serializers.Serializer):
    url = serializers.URLField()
    provider_mode = serializers.CharField()


class CheckoutView(APIView):
    class CheckoutInput(serializers.Serializer):
        plan = serializers.ChoiceField(choices=["team", "business"])
        interval = serializers.ChoiceField(choices=["month", "year"], default="month")

    @extend_schema(
        request=CheckoutInput,
        responses={201: UrlOutput},
        summary="Start a subscription: the provider's hosted checkout URL",
    )
    def post(self, request: Request) -> Response:
        data = self.CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            url = checkout_start(
                actor=current_membership(request),
                plan=data.validated_data["plan"],
                interval=data.validated_data["interval"],
            ).url
        except ProviderUnavailableError as exc:
            raise _unavailable() from exc
        return Response({"url": url, "provider_mode": provider_mode()}, status=201)


class PortalView(APIView):
    @extend_schema(
        request=None,
        responses={201: UrlOutput},
        summary="The provider's customer portal (payment methods, plan change, cancel)",
    )
    def post(self, request: Request) -> Response:
        try:
            url = portal_start(actor=current_membership(request))
        except ProviderUnavailableError as exc:
            raise _unavailable() from exc
        return Response({"url": url, "provider_mode": provider_mode()}, status=201)


class InvoiceSerializer(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    amount_due = serializers.IntegerField()
    amount_paid = serializers.IntegerField()
    currency = serializers.CharField()
    created = serializers.DateTimeField()
    hosted_invoice_url = serializers.URLField(allow_null=True)
    invoice_pdf = serializers.URLField(allow_null=True, help_text="The invoice's PDF.")


class InvoicesOutput(serializers.Serializer):
    results = InvoiceSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="Pass back as `cursor` for the next page; null at the end."
    )


class InvoicesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("limit", int, required=False, description="1 to 100 (20)."),
        ],
        responses={200: InvoicesOutput},
        summary="The organization's invoices, newest first",
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("limit", "20")
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 100:
            raise ApiError(
                "validation_error",
                MESSAGES["validation_error"],
                fields={"limit": [field_error("invalid", _("Enter a number from 1 to 100."))]},
            )
        cursor = request.query_params.get("cursor") or None
        if cursor is not None and (len(cursor) > 80 or not cursor.startswith("in_")):
            raise ApiError(
                "validation_error",
                MESSAGES["validation_error"],
                fields={"cursor": [field_error("invalid", _("This cursor is not valid."))]},
            )
        try:
            invoices, more = invoices_list(
                actor=current_membership(request), limit=int(raw), starting_after=cursor
            )
        except ProviderUnavailableError as exc:
            raise _unavailable() from exc
        rows = [InvoiceSerializer(inv).data for inv in invoices]
        return Response({"results": rows, "next": invoices[-1].id if more and invoices else None})


class FiscalDataSerializer(serializers.Serializer):
    legal_name = serializers.CharField(allow_blank=True, max_length=400)
    tax_id = serializers.CharField(allow_blank=True, max_length=40, help_text="CPF or CNPJ")
    tax_id_kind = serializers.CharField(read_only=True, allow_blank=True)
    email = serializers.CharField(allow_blank=True, required=False, max_length=400)
    address_line1 = serializers.CharField(allow_blank=True, max_length=400)
    address_line2 = serializers.CharField(allow_blank=True, required=False, max_length=400)
    district = serializers.CharField(allow_blank=True, required=False, max_length=400)
    city = serializers.CharField(allow_blank=True, max_length=400)
    state = serializers.CharField(allow_blank=True, max_length=8)
    postal_code = serializers.CharField(allow_blank=True, max_length=20)


def _fiscal(customer: BillingCustomer | None) -> dict[str, Any]:
    names = (*FISCAL_FIELDS, "tax_id_kind")
    return {name: getattr(customer, name, "") if customer else "" for name in names}


class FiscalDataView(APIView):
    @extend_schema(responses={200: FiscalDataSerializer}, summary="The customer's fiscal data")
    def get(self, request: Request) -> Response:
        organization = require_billing_manager(current_membership(request))
        return Response(_fiscal(BillingCustomer.objects.filter(organization=organization).first()))

    @extend_schema(
        request=FiscalDataSerializer,
        responses={200: FiscalDataSerializer},
        summary="Set the fiscal data (CPF or CNPJ checked by its digits, address)",
    )
    def put(self, request: Request) -> Response:
        data = FiscalDataSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            customer = fiscal_data_save(actor=current_membership(request), data=data.validated_data)
        except ProviderUnavailableError as exc:
            raise _unavailable() from exc
        return Response(_fiscal(customer))


class WebhookOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["applied", "duplicate", "ignored"])


class StripeWebhookView(PublicEndpoint):
    """Stripe's deliveries: verified by signature; 503 (retried by Stripe) on provider trouble."""

    @extend_schema(
        request=None,
        responses={200: WebhookOutput},
        auth=[],
        summary="Stripe webhook (signed with the endpoint's signing secret)",
    )
    def post(self, request: Request) -> Response:
        signature = request.META.get("HTTP_STRIPE_SIGNATURE", "")
        if not signature:
            raise ApiError(
                "invalid_signature", _("The webhook signature does not verify."), status=400
            )
        try:
            outcome, _event = webhook_receive(payload=request.body, signature=signature)
        except ProviderUnavailableError as exc:
            raise _unavailable() from exc
        return Response({"outcome": outcome})
