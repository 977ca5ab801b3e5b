package app.pocdex.ui.strings

import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import app.pocdex.core.state.ErrorKind
import app.pocdex.core.state.FieldCodes
import app.pocdex.core.state.UiError

/**
 * The text shown for an error. Kinds with a fixed meaning use the app's own text; for
 * conflicts and unknown errors the server's message (already in the request language) is
 * more precise than anything generic, so it is shown when there is one.
 */
fun Strings.errorText(error: UiError): String =
    when (error.kind) {
        ErrorKind.Network -> get(Str.ERR_NETWORK)
        ErrorKind.Validation -> get(Str.ERR_VALIDATION)
        ErrorKind.InvalidCredentials -> get(Str.ERR_INVALID_CREDENTIALS)
        ErrorKind.OtpInvalid -> get(Str.ERR_OTP_INVALID)
        ErrorKind.NotFound -> get(Str.ERR_NOT_FOUND)
        ErrorKind.Forbidden -> error.message.ifBlank { get(Str.ERR_FORBIDDEN) }
        ErrorKind.Conflict -> error.message.ifBlank { get(Str.ERR_CONFLICT) }
        ErrorKind.Gone -> get(Str.ERR_GONE)
        ErrorKind.Throttled -> get(Str.ERR_THROTTLED)
        ErrorKind.TenantNotReady -> get(Str.ERR_TENANT_NOT_READY)
        ErrorKind.SessionEnded -> get(Str.ERR_SESSION_ENDED)
        ErrorKind.Server -> get(Str.ERR_SERVER)
        ErrorKind.Unknown -> error.message.ifBlank { get(Str.ERR_UNKNOWN) }
    }

/** A field's error: the app's text for client-side checks, the server's message otherwise. */
fun Strings.fieldText(error: FieldError?): String? =
    when {
        error == null -> null
        error.code == FieldCodes.REQUIRED && error.message.isBlank() -> get(Str.FIELD_REQUIRED)
        error.code == FieldCodes.TOO_LONG && error.message.isBlank() -> get(Str.FIELD_TOO_LONG)
        error.code == FieldCodes.TOO_SHORT && error.message.isBlank() -> get(Str.FIELD_TOO_SHORT)
        error.code == FieldCodes.INVALID_EMAIL && error.message.isBlank() -> get(Str.FIELD_INVALID_EMAIL)
        error.code == FieldCodes.INVALID_SLUG && error.message.isBlank() -> get(Str.FIELD_INVALID_SLUG)
        error.code == FieldCodes.INVALID_URL && error.message.isBlank() -> get(Str.FIELD_INVALID_URL)
        error.code == FieldCodes.INVALID_DATE && error.message.isBlank() -> get(Str.FIELD_INVALID_DATE)
        error.code == FieldCodes.INVALID_RANGE && error.message.isBlank() -> get(Str.FIELD_INVALID_RANGE)
        error.code == FieldCodes.OTP_LENGTH && error.message.isBlank() -> get(Str.FIELD_OTP_LENGTH)
        error.message.isNotBlank() -> error.message
        else -> get(Str.FIELD_INVALID)
    }

fun Strings.signedOutText(reason: SignOutReason): String =
    when (reason) {
        SignOutReason.LoggedOut -> get(Str.SIGNED_OUT_LOGGED_OUT)
        SignOutReason.SessionReused -> get(Str.SIGNED_OUT_REUSED)
        SignOutReason.SessionExpired -> get(Str.SIGNED_OUT_EXPIRED)
        SignOutReason.MembershipRevoked -> get(Str.SIGNED_OUT_MEMBERSHIP)
        SignOutReason.TenantSuspended -> get(Str.SIGNED_OUT_SUSPENDED)
    }

fun Strings.roleText(role: String?): String =
    when (role) {
        "owner" -> get(Str.ROLE_OWNER)
        "admin" -> get(Str.ROLE_ADMIN)
        else -> get(Str.ROLE_MEMBER)
    }

fun Strings.statusText(status: String): String =
    when (status) {
        "in_progress" -> get(Str.STATUS_IN_PROGRESS)
        "done" -> get(Str.STATUS_DONE)
        "abandoned" -> get(Str.STATUS_ABANDONED)
        else -> get(Str.STATUS_IDEA)
    }

fun Strings.outcomeText(outcome: String): String? =
    when (outcome) {
        "validated" -> get(Str.OUTCOME_VALIDATED)
        "invalidated" -> get(Str.OUTCOME_INVALIDATED)
        "inconclusive" -> get(Str.OUTCOME_INCONCLUSIVE)
        else -> null
    }

fun shortDate(iso: String): String = iso.take(10)
