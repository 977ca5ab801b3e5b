"""The error contract every Pocdex API answers with.

    {"error": {"code": "poc_not_found", "message": "…", "fields": {…}}}

``code`` is stable and machine-readable: the mobile apps branch and localize on
it. ``message`` is for humans and follows the request language (pt-BR or en).
``fields`` appears only for input errors and maps a dotted field path to a list
of ``{"code", "message"}``.

Three entry points produce that shape, so that no path through a service
answers with Django's HTML pages or DRF's ``{"detail": …}``:

* ``exception_handler`` for DRF views (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``);
* ``JsonErrorMiddleware`` for what goes wrong outside DRF (oversized or
  malformed bodies, suspicious requests, ``ApiError`` raised in plain views);
* ``handler400/403/404/500`` for the root URLconf.
"""

from __future__ import annotations

import gettext as gettext_module
import json
import logging
import math
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import utils as db_utils
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.functional import lazy
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.settings import api_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, StrPromise

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("django.security")

# --------------------------------------------------------------------------- i18n

_LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@lru_cache(maxsize=16)
def _catalog(language: str) -> gettext_module.NullTranslations:
    """Our own catalog for ``language``; ``pt`` also finds ``pt_BR``."""
    locale_name = translation.to_locale(language)
    candidates = [locale_name]
    base = locale_name.split("_")[0]
    if base != locale_name:
        candidates.append(base)
    elif _LOCALE_DIR.is_dir():
        candidates += sorted(p.name for p in _LOCALE_DIR.iterdir() if p.name.startswith(f"{base}_"))
    return gettext_module.translation(
        "django", localedir=_LOCALE_DIR, languages=candidates, fallback=True
    )


def _translate(message: str) -> str:
    language = translation.get_language()
    if language:
        translated = _catalog(language).gettext(message)
        if translated != message:
            return translated
    # Not ours (or not translated here): a service may still translate it in
    # its own catalog, and Django's and DRF's catalogs apply as usual.
    return translation.gettext(message)


_lazy_translate = lazy(_translate, str)


def gettext_lazy(message: str) -> StrPromise:
    """Like Django's ``gettext_lazy``, backed first by the catalog shipped here.

    Django only finds the ``locale/`` directory of installed apps; this package
    is installed by every service but is not itself an app, so its messages
    would silently stay in English. Looking in our catalog first makes pt-BR
    work without each service having to remember a settings entry.
    """
    return cast("StrPromise", _lazy_translate(message))


_ = gettext_lazy

# ------------------------------------------------------------------ the contract

NON_FIELD_ERRORS = "non_field_errors"

#: Messages for the codes this module assigns itself.
MESSAGES: dict[str, StrPromise] = {
    "validation_error": _("The request contains invalid data."),
    "malformed_json": _("The request body is not valid JSON."),
    "malformed_body": _("The request body could not be read."),
    "unsupported_media_type": _("This content type is not supported. Send application/json."),
    "not_authenticated": _("Authentication credentials were not provided."),
    "invalid_token": _("The access token is invalid."),
    "permission_denied": _("You do not have permission to perform this action."),
    "not_found": _("Not found."),
    "method_not_allowed": _("This method is not allowed on this resource."),
    "not_acceptable": _("The requested response format is not available."),
    "throttled": _("Too many requests. Try again later."),
    "payload_too_large": _("The request body is too large."),
    "bad_request": _("The request could not be understood."),
    "internal_error": _("Something went wrong on our side. Please try again."),
    "conflict": _("The request conflicts with the current state of the resource."),
    "database_unavailable": _(
        "The service cannot reach its database right now. Try again in a moment."
    ),
    "server_busy": _("The service is busy right now. Try again in a moment."),
}

#: SQLSTATE classes and codes of a database that cannot serve now (connection
#: lost or refused, out of connection slots or memory, shutting down): the
#: request may succeed if retried, so it is a 503, not a bug's 500.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53")
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached or cannot serve now."""
    # psycopg 3 reports a closed or broken connection as an OperationalError; an
    # InterfaceError (a closed cursor, say) is a bug and stays a 500.
    if not isinstance(exc, db_utils.OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate is None:
        # No answer from the server at all: the connection failed or broke.
        return True
    return sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES


def field_error(code: str, message: StrOrPromise) -> dict[str, Any]:
    """One entry of ``fields[name]``."""
    return {"code": code, "message": message}


class ApiError(drf.APIException):
    """An error with a stable code, raised from services, selectors and views.

    It is also a DRF ``APIException`` so that code which already guards against
    those (authentication, tenant resolution) handles it without a special case.
    """

    def __init__(
        self,
        code: str,
        message: StrOrPromise,
        *,
        status: int = 400,
        fields: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status
        self.code = code
        # Kept lazy so the message is rendered in the language of the response.
        self.message = message
        self.fields = {
            name: [dict(item) for item in items] for name, items in (fields or {}).items()
        }
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The response body, messages rendered in the active language."""
        error: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            error["fields"] = {
                name: [{**item, "message": str(item.get("message", ""))} for item in items]
                for name, items in self.fields.items()
            }
        error.update(self.extra)
        return {"error": error}


def not_found(code: str = "not_found", message: StrOrPromise | None = None) -> ApiError:
    """``raise not_found("poc_not_found", _("This POC does not exist."))``."""
    return ApiError(code, message or MESSAGES["not_found"], status=404)


def forbidden(code: str = "permission_denied", message: StrOrPromise | None = None) -> ApiError:
    return ApiError(code, message or MESSAGES["permission_denied"], status=403)


def conflict(code: str = "conflict", message: StrOrPromise | None = None) -> ApiError:
    return ApiError(code, message or MESSAGES["conflict"], status=409)


# ------------------------------------------------------- exception → ApiError


def _leaf(item: Any) -> dict[str, Any]:
    code = getattr(item, "code", None) or "invalid"
    return field_error(str(code), str(item))


def _flatten(detail: Any, path: str, out: dict[str, list[dict[str, Any]]]) -> None:
    """DRF's nested error structure → ``{"a.b.0.c": [{"code", "message"}]}``."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            _flatten(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(detail, list | tuple):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):
                _flatten(item, f"{path}.{index}" if path else str(index), out)
            else:
                out.setdefault(path or NON_FIELD_ERRORS, []).append(_leaf(item))
    else:
        out.setdefault(path or NON_FIELD_ERRORS, []).append(_leaf(detail))


def validation_fields(detail: Any) -> dict[str, list[dict[str, Any]]]:
    """Flatten a DRF ``ValidationError.detail`` into the ``fields`` of the contract."""
    out: dict[str, list[dict[str, Any]]] = {}
    _flatten(detail, "", out)
    if api_settings.NON_FIELD_ERRORS_KEY != NON_FIELD_ERRORS and (
        moved := out.pop(api_settings.NON_FIELD_ERRORS_KEY, None)
    ):
        out.setdefault(NON_FIELD_ERRORS, []).extend(moved)
    return out


def _detail_code(exc: drf.APIException) -> str | None:
    detail = exc.detail
    if isinstance(detail, list) and detail:
        detail = detail[0]
    code = getattr(detail, "code", None)
    return str(code) if code else None


def _detail_message(exc: drf.APIException, fallback: StrOrPromise) -> StrOrPromise:
    """The exception's own message if it was given one, else our translated default."""
    detail = exc.detail
    if isinstance(detail, list) and detail:
        detail = detail[0]
    if isinstance(detail, str) and detail and detail != str(exc.default_detail):
        return detail
    return fallback


def _authenticate_header(exc: drf.APIException, *, invalid: bool) -> str:
    base = getattr(exc, "auth_header", None) or "Bearer"
    # RFC 6750 §3.1: tell the client the token itself was the problem.
    return f'{base}, error="invalid_token"' if invalid and "error=" not in base else base


_JSON_PACKAGE = str(Path(json.__file__).resolve().parent)


def _raised_by_the_json_decoder(exc: BaseException) -> bool:
    """Whether ``exc`` comes out of the standard library's JSON decoder.

    The decoder recurses once per level of nesting of its input and nowhere
    else, so a ``RecursionError`` it raises is the input's, not a bug: a view
    that decodes a body itself (a webhook, a plain view) met a hostile body.
    """
    traceback = exc.__traceback__
    if traceback is None:
        return False
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    filename = traceback.tb_frame.f_code.co_filename
    return str(Path(filename).resolve().parent) == _JSON_PACKAGE


def to_api_error(exc: BaseException) -> ApiError | None:
    """The coded error for ``exc``, or ``None`` when it is a bug (→ 500)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, RecursionError) and _raised_by_the_json_decoder(exc):
        # Imported here: the parsers module builds on this one.
        from pocdex_shared.parsers import JsonTooDeepError

        return JsonTooDeepError()
    if isinstance(exc, drf.ValidationError):
        return ApiError(
            "validation_error",
            MESSAGES["validation_error"],
            fields=validation_fields(exc.detail),
        )
    if isinstance(exc, drf.ParseError):
        return ApiError("malformed_json", MESSAGES["malformed_json"])
    if isinstance(exc, drf.UnsupportedMediaType):
        return ApiError("unsupported_media_type", MESSAGES["unsupported_media_type"], status=415)
    if isinstance(exc, drf.NotAuthenticated):
        return ApiError(
            "not_authenticated",
            MESSAGES["not_authenticated"],
            status=401,
            headers={"WWW-Authenticate": _authenticate_header(exc, invalid=False)},
        )
    if isinstance(exc, drf.AuthenticationFailed):
        code = getattr(exc, "code", None) or _detail_code(exc)
        if not code or code == drf.AuthenticationFailed.default_code:
            code = "invalid_token"
        return ApiError(
            str(code),
            _detail_message(exc, MESSAGES["invalid_token"]),
            status=401,
            headers={"WWW-Authenticate": _authenticate_header(exc, invalid=True)},
        )
    if isinstance(exc, drf.Throttled):
        raw_wait = getattr(exc, "wait", None)
        wait = math.ceil(raw_wait) if raw_wait is not None else None
        return ApiError(
            "throttled",
            MESSAGES["throttled"],
            status=429,
            headers={"Retry-After": str(wait)} if wait is not None else None,
            extra={"retry_after": wait} if wait is not None else None,
        )
    if isinstance(exc, drf.APIException):
        # PermissionDenied, NotFound, MethodNotAllowed… and any subclass with its
        # own code (``tenant_suspended``): the code the exception carries.
        code = _detail_code(exc) or str(exc.default_code)
        fallback_message = MESSAGES.get(code) or str(exc.default_detail)
        return ApiError(code, _detail_message(exc, fallback_message), status=exc.status_code)
    if isinstance(exc, Http404):
        return ApiError("not_found", MESSAGES["not_found"], status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return ApiError("permission_denied", MESSAGES["permission_denied"], status=403)
    if isinstance(exc, RequestDataTooBig):
        return ApiError("payload_too_large", MESSAGES["payload_too_large"], status=413)
    if isinstance(exc, MultiPartParserError):
        return ApiError("malformed_body", MESSAGES["malformed_body"])
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return ApiError("bad_request", MESSAGES["bad_request"])
    if database_unavailable(exc):
        return ApiError(
            "database_unavailable",
            MESSAGES["database_unavailable"],
            status=503,
            headers={"Retry-After": "5"},
        )
    return None


def _log_database_unavailable(request: Any, exc: BaseException) -> None:
    """An outage, not a bug: one line for operations, no traceback."""
    logger.error(
        "Database unavailable in %s %s: %s",
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
        extra={"error_code": "database_unavailable"},
    )


def internal_error() -> ApiError:
    """The one answer to a bug: generic, so nothing about the failure leaks."""
    return ApiError("internal_error", MESSAGES["internal_error"], status=500)


# ------------------------------------------------------------------------- DRF


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF ``EXCEPTION_HANDLER``: every error in the contract's shape.

    Unlike DRF's default it never returns ``None``: an unexpected exception is
    logged with its traceback and answered with a generic ``internal_error``,
    so no stack trace or SQL reaches a client, whatever ``DEBUG`` says.
    """
    error = to_api_error(exc)
    if error is not None and error.code == "database_unavailable":
        _log_database_unavailable(context.get("request"), exc)
    if error is None:
        request = context.get("request")
        logger.error(
            "Unhandled exception in %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        # Error trackers (Sentry's Django integration) listen to this signal.
        signals.got_request_exception.send(sender=None, request=getattr(request, "_request", None))
        error = internal_error()
    # Imported here: rest_framework.views loads the authentication classes, which
    # import this module; a top-level import would be circular.
    from rest_framework.views import set_rollback

    set_rollback()
    return Response(error.as_dict(), status=error.status_code, headers=error.headers)


# --------------------------------------------------------------- plain Django


def wants_html(request: HttpRequest) -> bool:
    """Browsers on server-rendered pages (admin, tenant-owner pages) keep HTML errors."""
    if request.path.startswith("/api/"):
        return False
    return "text/html" in request.META.get("HTTP_ACCEPT", "")


def json_error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse(error.as_dict(), status=error.status_code)
    for name, value in error.headers.items():
        response[name] = value
    return response


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_html(request) and not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception or BadRequest())
    error = (to_api_error(exception) if exception is not None else None) or ApiError(
        "bad_request", MESSAGES["bad_request"]
    )
    return json_error_response(error)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_html(request):
        return defaults.permission_denied(request, exception or DjangoPermissionDenied())
    return json_error_response(
        ApiError("permission_denied", MESSAGES["permission_denied"], status=403)
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_html(request):
        return defaults.page_not_found(request, exception)
    return json_error_response(ApiError("not_found", MESSAGES["not_found"], status=404))


def handler500(request: HttpRequest) -> HttpResponse:
    # Django calls this while it handles the exception: a database outage met
    # outside any view (the tenant lookup of the tenant middleware) is still a 503.
    exception = sys.exc_info()[1]
    if exception is not None and database_unavailable(exception):
        _log_database_unavailable(request, exception)
        if not wants_html(request):
            return json_error_response(to_api_error(exception) or internal_error())
    if wants_html(request):
        return defaults.server_error(request)
    return json_error_response(internal_error())


#: The most of a refused body that is read to keep the connection usable (the
#: gateway refuses bodies over 10 MB itself).
_MAX_DISCARDED_BODY = 16 * 1024 * 1024


class JsonErrorMiddleware:
    """Coded 4xx JSON for request problems that happen outside DRF's reach.

    * A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (by its declared
      length) is refused with 413 before any view, authentication or tenant
      lookup runs. Django itself only enforces that limit when ``request.body``
      is read (DRF's JSON and form parsers do read it, and the exception
      handler maps the resulting ``RequestDataTooBig`` to 413 too; streaming
      parsers and plain views may never read it). Multipart bodies are left to
      Django's per-field limits: file uploads are legitimately larger and are
      streamed to disk.
    * ``ApiError``, ``RequestDataTooBig``, ``SuspiciousOperation``, malformed
      bodies and other coded client errors raised in plain Django views.

    Server errors are left to Django, so that logging, error trackers and
    ``handler500`` see them. Install it near the top of ``MIDDLEWARE``, before
    anything that may read the body (CSRF).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        refused = self._refuse_oversized(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        self._drain_unread_body(request)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        refused = self._refuse_oversized(request)
        if refused is not None:
            return refused
        get_response: Callable[[HttpRequest], Awaitable[HttpResponse]] = self.get_response
        return await get_response(request)

    @staticmethod
    def _refuse_oversized(request: HttpRequest) -> HttpResponse | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None:
            return None
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if length <= limit:
            return None
        security_logger.warning(
            "Refused a %d-byte body to %s (limit %d bytes)", length, request.path, limit
        )
        JsonErrorMiddleware._discard_body(request, length)
        return json_error_response(to_api_error(RequestDataTooBig()) or internal_error())

    @staticmethod
    def _drain_unread_body(request: HttpRequest) -> None:
        """Read what the view left of the body (WSGI), up to ``_MAX_DISCARDED_BODY``.

        A view that answers without reading the body (a 405, a 404, a refusal
        before parsing) leaves it on the connection; the WSGI server then
        closes the connection after the response although it said
        ``keep-alive``, and the gateway, which reuses it for the next request,
        answers that request 502/503. A body already read leaves nothing here.
        """
        if "wsgi.input" not in request.META:
            return
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        remaining = min(declared, _MAX_DISCARDED_BODY)
        try:
            while remaining > 0:
                chunk = request.read(min(64 * 1024, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
        except OSError:  # the client went away: nothing left to keep usable
            return

    @staticmethod
    def _discard_body(request: HttpRequest, length: int) -> None:
        """Read and drop the refused body (WSGI), up to ``_MAX_DISCARDED_BODY``.

        Answering before the body is read makes the WSGI server close the
        connection with the body still unread: the gateway, which is still
        sending it or keeps the connection alive for the next request, sees the
        connection reset and answers 502/503 instead of our 413. Reading it is
        bounded by the gateway's own limit (10 MB); an ASGI server has received
        the body before the application runs.
        """
        stream = request.META.get("wsgi.input")
        if stream is None:
            return
        remaining = min(length, _MAX_DISCARDED_BODY)
        while remaining > 0:
            chunk = stream.read(min(64 * 1024, remaining))
            if not chunk:
                return
            remaining -= len(chunk)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A plain view that decodes the body itself fails with these on bad
        # input. Only here: in DRF, bodies are parsed by DRF (``ParseError``),
        # so a decoding error in a DRF view is a bug and stays a 500.
        if isinstance(exception, UnicodeDecodeError | json.JSONDecodeError):
            return json_error_response(ApiError("malformed_json", MESSAGES["malformed_json"]))
        error = to_api_error(exception)
        if error is None or error.status_code == 500:
            return None
        if error.code == "database_unavailable":
            _log_database_unavailable(request, exception)
            if wants_html(request):
                return None
        if wants_html(request) and not isinstance(exception, ApiError):
            return None
        if isinstance(exception, SuspiciousOperation):
            logging.getLogger(f"django.security.{type(exception).__name__}").warning(
                "%s", exception
            )
        return json_error_response(error)
