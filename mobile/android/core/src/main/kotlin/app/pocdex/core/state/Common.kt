package app.pocdex.core.state

import app.pocdex.core.network.ApiError
import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** What kind of failure a screen shows; the UI picks its localized text by kind (and [UiError.code]). */
enum class ErrorKind {
    /** No network: nothing cached to show either. */
    Network,

    /** Input errors: see the field errors. */
    Validation,

    /** Wrong organization, email or password (one message for all, as the platform answers). */
    InvalidCredentials,

    /** The two-factor code was wrong or already used. */
    OtpInvalid,
    NotFound,
    Forbidden,
    Conflict,

    /** Past a window (restore window, expired link). */
    Gone,
    Throttled,

    /** The organization is being prepared; try again in a moment. */
    TenantNotReady,

    /** The session ended; the app goes back to login. */
    SessionEnded,
    Server,
    Unknown,
}

/** An error as a screen shows it: [message] is the server's text in the request language when there is one. */
data class UiError(
    val kind: ErrorKind,
    val code: String,
    val message: String = "",
    val signOutReason: SignOutReason? = null,
) {
    companion object {
        fun from(error: ApiError): UiError =
            when (error) {
                is ApiError.Network -> {
                    UiError(ErrorKind.Network, error.code, error.message)
                }

                is ApiError.SignedOut -> {
                    UiError(ErrorKind.SessionEnded, error.code, "", error.reason)
                }

                is ApiError.TenantNotReady -> {
                    UiError(ErrorKind.TenantNotReady, error.code, error.message)
                }

                is ApiError.Throttled -> {
                    UiError(ErrorKind.Throttled, error.code, error.message)
                }

                is ApiError.Server -> {
                    UiError(ErrorKind.Server, error.code, error.message)
                }

                is ApiError.Decoding -> {
                    UiError(ErrorKind.Server, error.code, error.message)
                }

                is ApiError.TokenRevoked -> {
                    UiError(ErrorKind.SessionEnded, error.code, error.message)
                }

                is ApiError.Unauthorized -> {
                    when (error.code) {
                        "invalid_credentials" -> UiError(ErrorKind.InvalidCredentials, error.code, error.message)
                        "otp_invalid", "otp_required" -> UiError(ErrorKind.OtpInvalid, error.code, error.message)
                        else -> UiError(ErrorKind.SessionEnded, error.code, error.message)
                    }
                }

                is ApiError.Http -> {
                    when {
                        error.code == "otp_invalid" || error.code == "otp_required" -> UiError(ErrorKind.OtpInvalid, error.code, error.message)
                        error.isValidation || error.code == "validation_error" -> UiError(ErrorKind.Validation, error.code, error.message)
                        error.status == 404 -> UiError(ErrorKind.NotFound, error.code, error.message)
                        error.status == 403 -> UiError(ErrorKind.Forbidden, error.code, error.message)
                        error.status == 409 -> UiError(ErrorKind.Conflict, error.code, error.message)
                        error.status == 410 -> UiError(ErrorKind.Gone, error.code, error.message)
                        else -> UiError(ErrorKind.Unknown, error.code, error.message)
                    }
                }
            }
    }
}

/** Server field errors keyed by their top-level field (`links.0.url` → `links`), first message each. */
fun fieldErrorsOf(error: ApiError): Map<String, FieldError> =
    (error as? ApiError.Http)
        ?.fields
        .orEmpty()
        .entries
        .groupBy({ it.key.substringBefore('.') }, { it.value.firstOrNull() ?: FieldError("invalid", "") })
        .mapValues { it.value.first() }

/** Client-side field checks produce these codes (no message: the UI localizes them). */
object FieldCodes {
    const val REQUIRED = "required"
    const val TOO_LONG = "max_length"
    const val INVALID_EMAIL = "invalid_email"
    const val INVALID_SLUG = "invalid_slug"
    const val TOO_SHORT = "min_length"
    const val INVALID_URL = "invalid_url"
    const val INVALID_DATE = "invalid_date"
    const val INVALID_RANGE = "invalid_range"

    /** A one-time code that is not exactly its 6 digits. */
    const val OTP_LENGTH = "otp_length"
}

internal object Checks {
    private val email = Regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")
    private val slug = Regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
    private val date = Regex("^\\d{4}-\\d{2}-\\d{2}$")

    fun required(
        errors: MutableMap<String, FieldError>,
        field: String,
        value: String,
        max: Int = Int.MAX_VALUE,
    ) {
        when {
            value.isBlank() -> errors[field] = FieldError(FieldCodes.REQUIRED, "")
            value.length > max -> errors[field] = FieldError(FieldCodes.TOO_LONG, "")
        }
    }

    fun email(
        errors: MutableMap<String, FieldError>,
        field: String,
        value: String,
    ) {
        if (value.isBlank()) {
            errors[field] = FieldError(FieldCodes.REQUIRED, "")
        } else if (!email.matches(value.trim()) || value.length > 254) {
            errors[field] = FieldError(FieldCodes.INVALID_EMAIL, "")
        }
    }

    fun slug(
        errors: MutableMap<String, FieldError>,
        field: String,
        value: String,
    ) {
        if (value.isBlank()) {
            errors[field] = FieldError(FieldCodes.REQUIRED, "")
        } else if (!slug.matches(value)) {
            errors[field] = FieldError(FieldCodes.INVALID_SLUG, "")
        }
    }

    fun isDate(value: String): Boolean = date.matches(value) && runCatching { java.time.LocalDate.parse(value) }.isSuccess
}

/** Turns a name into an organization slug: lower case ASCII letters, digits and single dashes. */
fun slugify(name: String): String {
    val ascii =
        java.text.Normalizer
            .normalize(name, java.text.Normalizer.Form.NFD)
            .replace(Regex("\\p{M}+"), "")
    return ascii
        .lowercase()
        .replace(Regex("[^a-z0-9]+"), "-")
        .trim('-')
        .take(63)
        .trimEnd('-')
}

/** Base of the state holders: one immutable state in a [StateFlow]. */
abstract class StateHolder<S>(
    initial: S,
) {
    protected val mutableState = MutableStateFlow(initial)
    val state: StateFlow<S> = mutableState.asStateFlow()

    protected fun update(transform: (S) -> S) = mutableState.update(transform)

    protected val current: S get() = mutableState.value
}
