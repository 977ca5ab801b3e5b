"""Routes of the Sentry tests (``tests/test_sentry.py``), under ``override_settings``."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

handler500 = "pocdex_shared.errors.handler500"


class FailingView(APIView):
    """Authenticated like every tenant route; fails with personal data in its message."""

    def post(self, request: Request) -> Response:
        raise RuntimeError(f"could not invite {request.data.get('email')}")


urlpatterns = [path("fail", FailingView.as_view())]
