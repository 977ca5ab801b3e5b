package app.pocdex.core.network

import kotlinx.serialization.Serializable

/** One entry of `fields[name]` in the error contract. */
@Serializable
data class FieldError(
    val code: String = "",
    val message: String = "",
)

/** Why the session ended; the login screen turns it into a message. */
enum class SignOutReason {
    /** The person logged out. */
    LoggedOut,

    /** A refresh token was presented twice: the platform revoked the whole family. */
    SessionReused,

    /** The refresh token expired or is unknown (the family ended: logout elsewhere, password reset). */
    SessionExpired,

    /** The person is no longer a member of the organization. */
    MembershipRevoked,

    /** The organization is suspended. */
    TenantSuspended,
}

/**
 * Every failure an API call can end in. Callers branch on the type and localize on [code];
 * no raw exception crosses the client.
 */
sealed interface ApiError {
    val code: String
    val message: String

    /** A 4xx answer of the contract `{"error": {"code", "message", "fields"?}}`. */
    data class Http(
        val status: Int,
        override val code: String,
        override val message: String,
        val fields: Map<String, List<FieldError>> = emptyMap(),
    ) : ApiError {
        val isValidation: Boolean get() = fields.isNotEmpty()
        val isNotFound: Boolean get() = status == 404
        val isForbidden: Boolean get() = status == 403
    }

    /** 401 other than a revoked token: wrong credentials, expired token after a refresh, … */
    data class Unauthorized(
        override val code: String,
        override val message: String,
    ) : ApiError

    /** 401 `token_revoked`: the access token was revoked (logout elsewhere, role change …). */
    data class TokenRevoked(
        override val message: String,
    ) : ApiError {
        override val code: String get() = "token_revoked"
    }

    /** 503 `tenant_not_ready` still there after the bounded retries. */
    data class TenantNotReady(
        val retryAfterSeconds: Long,
        override val message: String,
    ) : ApiError {
        override val code: String get() = "tenant_not_ready"
    }

    /** 429 `throttled`. */
    data class Throttled(
        val retryAfterSeconds: Long,
        override val message: String,
    ) : ApiError {
        override val code: String get() = "throttled"
    }

    /** 5xx (other than tenant_not_ready) or an answer outside the contract. */
    data class Server(
        val status: Int,
        override val code: String,
        override val message: String,
    ) : ApiError

    /** No answer: no network, DNS, refused, reset, timeout. */
    data class Network(
        override val message: String,
    ) : ApiError {
        override val code: String get() = "network"
    }

    /** A 2xx whose body did not match the model. */
    data class Decoding(
        override val message: String,
    ) : ApiError {
        override val code: String get() = "decoding"
    }

    /** There is no session (never logged in, or it ended); the app shows the login screen. */
    data class SignedOut(
        val reason: SignOutReason,
    ) : ApiError {
        override val code: String get() = "signed_out"
        override val message: String get() = reason.name
    }
}

/** The outcome of an API call. */
sealed interface ApiResult<out T> {
    data class Ok<out T>(
        val value: T,
    ) : ApiResult<T>

    data class Err(
        val error: ApiError,
    ) : ApiResult<Nothing>
}

inline fun <T, R> ApiResult<T>.map(transform: (T) -> R): ApiResult<R> =
    when (this) {
        is ApiResult.Ok -> ApiResult.Ok(transform(value))
        is ApiResult.Err -> this
    }

inline fun <T> ApiResult<T>.onOk(action: (T) -> Unit): ApiResult<T> {
    if (this is ApiResult.Ok) action(value)
    return this
}

fun <T> ApiResult<T>.valueOrNull(): T? = (this as? ApiResult.Ok)?.value

fun <T> ApiResult<T>.errorOrNull(): ApiError? = (this as? ApiResult.Err)?.error

/** The value, or an [IllegalStateException] naming the error (for tests and scripts). */
fun <T> ApiResult<T>.getOrThrow(): T =
    when (this) {
        is ApiResult.Ok -> value
        is ApiResult.Err -> throw IllegalStateException("API error ${error.code}: ${error.message} ($error)")
    }
