from django.urls import path

from . import views

urlpatterns = [
    path("", views.billing, name="billing"),
    path("checkout/", views.checkout, name="billing-checkout"),
    path("portal/", views.portal, name="billing-portal"),
    path("fiscal-data/", views.fiscal_data, name="billing-fiscal"),
    # The local mock's stand-ins for Stripe's hosted pages (404 with any other provider).
    path("mock/checkout/", views.mock_checkout, name="billing-mock-checkout"),
    path("mock/portal/", views.mock_portal, name="billing-mock-portal"),
    path("mock/invoices/<str:invoice_id>.pdf", views.mock_invoice, name="billing-mock-invoice"),
]
