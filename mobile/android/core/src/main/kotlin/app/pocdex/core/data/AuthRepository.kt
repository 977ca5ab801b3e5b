package app.pocdex.core.data

import app.pocdex.core.auth.SessionManager
import app.pocdex.core.model.InvitationAccept
import app.pocdex.core.model.InvitationAcceptOutput
import app.pocdex.core.model.LoginRequest
import app.pocdex.core.model.OrganizationCreateRequest
import app.pocdex.core.model.PasswordResetConfirm
import app.pocdex.core.model.PasswordResetRequest
import app.pocdex.core.model.RefreshRequest
import app.pocdex.core.model.SignupMailed
import app.pocdex.core.model.SignupOutput
import app.pocdex.core.model.SignupRequest
import app.pocdex.core.model.TokenPair
import app.pocdex.core.model.TokenRequest
import app.pocdex.core.model.TotpEnabled
import app.pocdex.core.model.TotpEnrollmentConfirm
import app.pocdex.core.model.TotpEnrollmentRequest
import app.pocdex.core.model.TotpStart
import app.pocdex.core.network.ApiClient
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.PocdexJson
import app.pocdex.core.network.SignOutReason
import io.ktor.http.HttpMethod

sealed interface LoginOutcome {
    data class SignedIn(
        val tokens: TokenPair,
    ) : LoginOutcome

    /** The password was right and two-factor is on: ask for the code and log in again with it. */
    data object OtpRequired : LoginOutcome

    /**
     * The password was right, but the organization requires two-factor of every member and this
     * person has it off (403 `two_factor_required`): no tokens until they enroll
     * ([AuthRepository.startTwoFactorEnrollment]). [message] is the platform's, in the request language.
     */
    data class TwoFactorEnrollmentRequired(
        val message: String,
    ) : LoginOutcome
}

sealed interface SignupOutcome {
    data class Created(
        val output: SignupOutput,
    ) : SignupOutcome

    /** The address already has an account; the platform mailed it instead (nothing was created). */
    data object Mailed : SignupOutcome
}

/**
 * Login, signup, invitations, email verification, password reset and logout. [publicApi] is the client
 * without tokens (these calls carry none); [api] carries the session's tokens.
 */
class AuthRepository(
    private val publicApi: ApiClient,
    private val api: ApiClient,
    private val session: SessionManager,
) {
    suspend fun login(
        organization: String,
        email: String,
        password: String,
        otp: String? = null,
    ): ApiResult<LoginOutcome> {
        val body = LoginRequest(organization.trim().lowercase(), email.trim(), password, otp?.trim()?.ifEmpty { null })
        return when (val answer = publicApi.post<LoginRequest, TokenPair>("/api/v1/auth/token", body, auth = false)) {
            is ApiResult.Ok -> {
                session.start(answer.value, organization.trim().lowercase(), email.trim())
                ApiResult.Ok(LoginOutcome.SignedIn(answer.value))
            }

            is ApiResult.Err -> {
                val error = answer.error
                val enrollmentRequired = error is ApiError.Http && error.isForbidden && error.code == TWO_FACTOR_REQUIRED
                when {
                    error.code == "otp_required" && otp.isNullOrBlank() -> ApiResult.Ok(LoginOutcome.OtpRequired)
                    enrollmentRequired -> ApiResult.Ok(LoginOutcome.TwoFactorEnrollmentRequired(error.message))
                    else -> answer
                }
            }
        }
    }

    /**
     * Starts two-factor enrollment for a member the organization's rule keeps out (the login answered
     * [LoginOutcome.TwoFactorEnrollmentRequired]), with the login's credentials and no token: a new
     * secret and its `otpauth://` link. The same checks and budgets as a login: 401
     * `invalid_credentials`, 429, 403 `tenant_suspended`, 409 `two_factor_enrollment_not_needed`
     * for anyone else. Starting again replaces the secret.
     */
    suspend fun startTwoFactorEnrollment(
        organization: String,
        email: String,
        password: String,
    ): ApiResult<TotpStart> =
        publicApi.post<TotpEnrollmentRequest, TotpStart>(
            "/api/v1/auth/totp-enrollment",
            TotpEnrollmentRequest(organization.trim().lowercase(), email.trim(), password),
            auth = false,
        )

    /**
     * Turns two-factor on with the first code of the app; answers the recovery codes, shown only
     * now (400 `otp_invalid` for a wrong code). The code is spent: the login that follows needs a
     * later one.
     */
    suspend fun confirmTwoFactorEnrollment(
        organization: String,
        email: String,
        password: String,
        code: String,
    ): ApiResult<TotpEnabled> =
        publicApi.post<TotpEnrollmentConfirm, TotpEnabled>(
            "/api/v1/auth/totp-enrollment/confirm",
            TotpEnrollmentConfirm(organization.trim().lowercase(), email.trim(), password, code.trim()),
            auth = false,
        )

    suspend fun signup(request: SignupRequest): ApiResult<SignupOutcome> {
        val body = PocdexJson.encodeToString(SignupRequest.serializer(), request)
        return when (val raw = publicApi.execute(HttpMethod.Post, "/api/v1/signup", emptyList(), body, auth = false)) {
            is ApiResult.Err -> {
                raw
            }

            is ApiResult.Ok -> {
                if (raw.value.status == 202) {
                    publicApi.decode(raw.value.body, SignupMailed.serializer())
                    ApiResult.Ok(SignupOutcome.Mailed)
                } else {
                    when (val out = publicApi.decode(raw.value.body, SignupOutput.serializer())) {
                        is ApiResult.Err -> {
                            out
                        }

                        is ApiResult.Ok -> {
                            session.start(out.value.tokens, out.value.organization.slug, request.email)
                            ApiResult.Ok(SignupOutcome.Created(out.value))
                        }
                    }
                }
            }
        }
    }

    /** A signed-in person creates another organization (and is switched to it). */
    suspend fun createOrganization(request: OrganizationCreateRequest): ApiResult<SignupOutput> =
        when (val out = api.post<OrganizationCreateRequest, SignupOutput>("/api/v1/organizations", request)) {
            is ApiResult.Ok -> {
                session.start(out.value.tokens, out.value.organization.slug, out.value.user.email)
                out
            }

            is ApiResult.Err -> {
                out
            }
        }

    suspend fun verifyEmail(code: String): ApiResult<Unit> =
        publicApi.send(HttpMethod.Post, "/api/v1/auth/verify-email", json(TokenRequest.serializer(), TokenRequest(code.trim())), auth = false)

    suspend fun resendVerification(): ApiResult<Unit> = api.send(HttpMethod.Post, "/api/v1/me/verify-email")

    suspend fun forgotPassword(email: String): ApiResult<Unit> =
        publicApi.send(
            HttpMethod.Post,
            "/api/v1/auth/password-reset",
            json(PasswordResetRequest.serializer(), PasswordResetRequest(email.trim())),
            auth = false,
        )

    suspend fun resetPassword(
        token: String,
        newPassword: String,
    ): ApiResult<Unit> =
        publicApi.send(
            HttpMethod.Post,
            "/api/v1/auth/password-reset/confirm",
            json(PasswordResetConfirm.serializer(), PasswordResetConfirm(token.trim(), newPassword)),
            auth = false,
        )

    suspend fun acceptInvitation(request: InvitationAccept): ApiResult<InvitationAcceptOutput> =
        when (val out = publicApi.post<InvitationAccept, InvitationAcceptOutput>("/api/v1/invitations/accept", request, auth = false)) {
            is ApiResult.Ok -> {
                session.start(out.value.tokens, out.value.organization.slug, "")
                out
            }

            is ApiResult.Err -> {
                out
            }
        }

    /** The raw refresh call the session manager uses (no token attached). */
    suspend fun refresh(refreshToken: String): ApiResult<TokenPair> =
        publicApi.post<RefreshRequest, TokenPair>("/api/v1/auth/refresh", RefreshRequest(refreshToken), auth = false)

    /** Revokes the session on the server (best effort) and clears it here in any case. */
    suspend fun logout(): ApiResult<Unit> {
        val refresh = session.refreshToken()
        val answer: ApiResult<Unit> =
            if (refresh != null) {
                publicApi.send(HttpMethod.Post, "/api/v1/auth/logout", json(RefreshRequest.serializer(), RefreshRequest(refresh)), auth = false)
            } else {
                ApiResult.Err(ApiError.SignedOut(SignOutReason.LoggedOut))
            }
        session.signOut(SignOutReason.LoggedOut)
        return answer
    }

    private companion object {
        const val TWO_FACTOR_REQUIRED = "two_factor_required"
    }

    private fun <T> json(
        serializer: kotlinx.serialization.KSerializer<T>,
        value: T,
    ): String = PocdexJson.encodeToString(serializer, value)
}
