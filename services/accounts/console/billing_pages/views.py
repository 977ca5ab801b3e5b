"""Plan and billing pages: the plan, checkout, the customer portal, invoices, fiscal data.

Every rule is ``billing.services``' (the same as the API's): a refusal becomes a
message or a form error here. With the local mock provider (stripe-mock), whose
checkout and portal URLs are not pages, checkout and portal lead to the
simulation pages (``billing.simulation``), which exist only in that mode.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import simulation
from billing.models import BillingCustomer
from billing.provider import InvoiceView, ProviderUnavailableError
from billing.services import (
    FISCAL_FIELDS,
    OVERDUE,
    checkout_start,
    fiscal_data_save,
    invoices_list,
    portal_start,
    subscription_view,
)
from console.access import console_page
from pocdex_shared.errors import ApiError
from pocdex_shared.plans import PLANS, plan_named

from .formatting import brl, invoice_status_label, money, plan_card, subscription_status_label
from .forms import CheckoutForm, FiscalDataForm

INVOICES_PER_PAGE = 10
_INVOICE_CURSOR = re.compile(r"in_[A-Za-z0-9_]{1,77}")


def _unavailable(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("The payment provider did not answer. Try again in a moment."))
    return redirect("console:billing")


def _billing_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("console:billing"))


def _portal_redirect(request: HttpRequest) -> HttpResponse:
    """To the provider's customer portal (the simulated one in front of the mock)."""
    try:
        url = portal_start(actor=request.console.membership, return_url=_billing_url(request))  # type: ignore[attr-defined]
    except ProviderUnavailableError:
        return _unavailable(request)
    except ApiError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:billing")
    if simulation.simulation_enabled():
        return redirect("console:billing-mock-portal")
    return HttpResponseRedirect(url)


def _invoice_rows(invoices: list[InvoiceView], mock: bool) -> list[dict[str, Any]]:
    rows = []
    for invoice in invoices:
        pdf = invoice.invoice_pdf
        if not pdf and mock:
            pdf = reverse("console:billing-mock-invoice", args=[invoice.id])
        rows.append(
            {
                "id": invoice.id,
                "number": invoice.number or invoice.id,
                "status": invoice.status or "",
                "status_label": invoice_status_label(invoice.status or ""),
                "amount": money(invoice.amount_due, invoice.currency),
                "created": invoice.created,
                "pdf": pdf,
                "hosted": invoice.hosted_invoice_url,
            }
        )
    return rows


@require_GET
@console_page()
def billing(request: HttpRequest) -> HttpResponse:
    context: Any = request.console  # type: ignore[attr-defined]
    organization = context.organization
    view = subscription_view(organization)
    mode = view["provider_mode"]
    after = request.GET.get("after") or None
    if after is not None and not _INVOICE_CURSOR.fullmatch(after):
        after = None
    invoices: list[dict[str, Any]] = []
    more = False
    invoices_failed = False
    try:
        found, more = invoices_list(
            actor=context.membership, limit=INVOICES_PER_PAGE, starting_after=after
        )
        invoices = _invoice_rows(found, mock=mode == "mock")
    except ProviderUnavailableError:
        invoices_failed = True
    customer = BillingCustomer.objects.filter(organization=organization).first()
    returned = request.GET.get("checkout")
    subscribed = view["status"] in ("active", "trialing", *OVERDUE)
    return render(
        request,
        "console/billing/billing.html",
        {
            "nav": "billing",
            "subscription": view,
            "status_label": subscription_status_label(view["status"]),
            "plan": plan_card(plan_named(view["plan"])),
            "past_due": view["status"] in OVERDUE,
            "grace_over": bool(view["grace_until"] and view["grace_until"] <= timezone.now()),
            "subscribed": subscribed,
            "plans": [plan_card(p) for p in PLANS.values()],
            "mock": mode == "mock",
            "invoices": invoices,
            "invoices_failed": invoices_failed,
            "invoices_next": invoices[-1]["id"] if more and invoices else None,
            "invoices_paged": after is not None,
            "fiscal_complete": bool(customer and customer.tax_id and customer.legal_name),
            "customer": customer,
            "checkout_returned": returned if returned in ("success", "canceled") else None,
        },
    )


@require_POST
@console_page()
def checkout(request: HttpRequest) -> HttpResponse:
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a paid plan and interval."))
        return redirect("console:billing")
    plan, interval = form.cleaned_data["plan"], form.cleaned_data["interval"]
    try:
        started = checkout_start(
            actor=request.console.membership,  # type: ignore[attr-defined]
            plan=plan,
            interval=interval,
            return_url=_billing_url(request),
        )
    except ProviderUnavailableError:
        return _unavailable(request)
    except ApiError as exc:
        if exc.code == "fiscal_data_required":
            messages.info(request, str(exc.message))
            query = urlencode({"plan": plan, "interval": interval})
            return HttpResponseRedirect(f"{reverse('console:billing-fiscal')}?{query}")
        if exc.code == "subscription_exists":
            messages.info(request, str(exc.message))
            return _portal_redirect(request)
        messages.error(request, str(exc.message))
        return redirect("console:billing")
    if simulation.simulation_enabled():
        query = urlencode({"plan": plan, "interval": interval})
        return HttpResponseRedirect(f"{reverse('console:billing-mock-checkout')}?{query}")
    return HttpResponseRedirect(started.url)


@require_POST
@console_page()
def portal(request: HttpRequest) -> HttpResponse:
    return _portal_redirect(request)


@require_http_methods(["GET", "POST"])
@console_page()
def fiscal_data(request: HttpRequest) -> HttpResponse:
    context: Any = request.console  # type: ignore[attr-defined]
    chosen = CheckoutForm(request.GET)
    resume = chosen.cleaned_data if chosen.is_valid() else None
    if request.method == "POST":
        form = FiscalDataForm(request.POST)
        if form.is_valid():
            try:
                fiscal_data_save(actor=context.membership, data=form.cleaned_data)
            except ProviderUnavailableError:
                return _unavailable(request)
            except ApiError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("The fiscal data was saved."))
                return redirect("console:billing")
    else:
        customer = BillingCustomer.objects.filter(organization=context.organization).first()
        form = FiscalDataForm(
            initial={name: getattr(customer, name, "") for name in FISCAL_FIELDS}
            if customer
            else {}
        )
    return render(
        request,
        "console/billing/fiscal_data.html",
        {
            "nav": "billing",
            "form": form,
            "resume": resume,
            "resume_plan": PLANS[resume["plan"]].name if resume else None,
        },
    )


# ------------------------------------------------------------------ the local mock's pages


def _require_mock() -> None:
    if not simulation.simulation_enabled():
        raise Http404


@require_http_methods(["GET", "POST"])
@console_page()
def mock_checkout(request: HttpRequest) -> HttpResponse:
    _require_mock()
    context: Any = request.console  # type: ignore[attr-defined]
    form = CheckoutForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        raise Http404
    plan, interval = form.cleaned_data["plan"], form.cleaned_data["interval"]
    if request.method == "POST":
        if simulation.running_subscription(context.organization) is not None:
            messages.error(
                request,
                _("The organization already has a subscription: change it in the billing portal."),
            )
            return redirect("console:billing")
        try:
            sub = simulation.checkout_complete(
                organization=context.organization, plan=plan, interval=interval
            )
        except ProviderUnavailableError:
            return _unavailable(request)
        except ApiError as exc:
            messages.error(request, str(exc.message))
            return redirect("console:billing")
        messages.success(
            request,
            _("Simulated payment accepted: the organization is on the %(plan)s plan.")
            % {"plan": plan_named(sub.plan).name},
        )
        return HttpResponseRedirect(reverse("console:billing") + "?checkout=success")
    price = PLANS[plan].price(interval)
    return render(
        request,
        "console/billing/mock_checkout.html",
        {
            "nav": "billing",
            "form": form,
            "plan_name": PLANS[plan].name,
            "interval": interval,
            "amount": brl(price.amount) if price else "",
        },
    )


@require_http_methods(["GET", "POST"])
@console_page()
def mock_portal(request: HttpRequest) -> HttpResponse:
    _require_mock()
    context: Any = request.console  # type: ignore[attr-defined]
    if request.method == "POST":
        status = request.POST.get("status", "")
        if status not in simulation.SIMULATED_STATUSES:
            messages.error(request, _("This change cannot be simulated."))
            return redirect("console:billing-mock-portal")
        try:
            simulation.subscription_move(organization=context.organization, status=status)
        except ProviderUnavailableError:
            return _unavailable(request)
        except ApiError as exc:
            messages.error(request, str(exc.message))
            return redirect("console:billing-mock-portal")
        done = {
            "past_due": _("Simulated: the renewal payment failed."),
            "active": _("Simulated: the payment went through."),
            "canceled": _("Simulated: the subscription was cancelled."),
        }
        messages.success(request, done[status])
        return redirect("console:billing")
    sub = simulation.running_subscription(context.organization)
    return render(
        request,
        "console/billing/mock_portal.html",
        {
            "nav": "billing",
            "subscription": sub,
            "plan_name": plan_named(sub.plan).name if sub else None,
            "past_due": bool(sub and sub.status in OVERDUE),
        },
    )


@require_GET
@console_page()
def mock_invoice(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """A PDF standing for the invoice stripe-mock lists without one (the mock only)."""
    _require_mock()
    context: Any = request.console  # type: ignore[attr-defined]
    try:
        found, _more = invoices_list(actor=context.membership, limit=100, starting_after=None)
    except ProviderUnavailableError:
        return _unavailable(request)
    invoice = next((i for i in found if i.id == invoice_id), None)
    if invoice is None:
        raise Http404
    body = simulation.invoice_pdf(
        organization_name=context.organization.name,
        invoice_number=invoice.number or invoice.id,
        amount=money(invoice.amount_due, invoice.currency),
        created=invoice.created,
        status=invoice.status or "",
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.id}.pdf"'
    return response
