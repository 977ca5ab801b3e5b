"""Stable error and warning codes of the media API (the apps localize on them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pocdex_shared.errors import ApiError

# Codes stored on failed jobs.
JOB_ERRORS = {
    "source_unavailable": _("The data of this job could not be read. Try again later."),
    "render_timeout": _("Rendering took too long and was stopped."),
    "render_failed": _("Rendering failed."),
    "tenant_suspended": _("The organization was suspended before this job ran."),
    "worker_lost": _("The job stopped its renderer several times and was given up."),
}


def year_in_future() -> ApiError:
    return ApiError(
        "year_in_future",
        _("The year cannot be in the future."),
        fields={
            "year": [{"code": "year_in_future", "message": _("The year cannot be in the future.")}]
        },
    )


def invalid_range() -> ApiError:
    message = _("The start date must not be after the end date.")
    return ApiError(
        "invalid_range", message, fields={"from": [{"code": "invalid_range", "message": message}]}
    )


def range_too_wide(days: int) -> ApiError:
    message = _("A report covers at most %(days)d days.") % {"days": days}
    return ApiError(
        "range_too_wide", message, fields={"to": [{"code": "range_too_wide", "message": message}]}
    )


def range_in_future() -> ApiError:
    message = _("The period must start today or earlier.")
    return ApiError(
        "range_in_future",
        message,
        fields={"from": [{"code": "range_in_future", "message": message}]},
    )


def unknown_pocs(ids: list[str]) -> ApiError:
    message = _("Some POCs to leave out are not among this video's POCs.")
    return ApiError(
        "unknown_pocs",
        message,
        fields={"exclude": [{"code": "unknown_pocs", "message": message, "ids": ids}]},
    )


def nothing_to_render(year: int) -> ApiError:
    return ApiError(
        "nothing_to_render",
        _("There are no POCs to show for %(year)d.") % {"year": year},
        status=422,
    )


def scope_forbidden() -> ApiError:
    return ApiError(
        "scope_forbidden",
        _("Only owners and admins can request organization-wide reports and videos."),
        status=403,
    )


def subscription_forbidden() -> ApiError:
    return ApiError(
        "subscription_forbidden",
        _("Only owners can subscribe to the monthly organization report."),
        status=403,
    )


def source_unavailable() -> ApiError:
    return ApiError(
        "source_unavailable",
        _("The POC registry is unavailable. Try again in a moment."),
        status=503,
        headers={"Retry-After": "10"},
    )


def job_not_found() -> ApiError:
    return ApiError("job_not_found", _("No such job."), status=404)


def subscription_not_found() -> ApiError:
    return ApiError("subscription_not_found", _("You are not subscribed."), status=404)


def too_many_jobs(limit: int) -> ApiError:
    return ApiError(
        "too_many_jobs",
        _(
            "You already have as many reports and videos in progress as allowed (%(limit)d). "
            "Request another one when one of them is done."
        )
        % {"limit": limit},
        status=429,
        headers={"Retry-After": "30"},
        extra={"limit": limit},
    )
