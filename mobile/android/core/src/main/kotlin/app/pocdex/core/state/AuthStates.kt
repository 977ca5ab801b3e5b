package app.pocdex.core.state

import app.pocdex.core.data.AuthRepository
import app.pocdex.core.data.LoginOutcome
import app.pocdex.core.data.SignupOutcome
import app.pocdex.core.model.InvitationAccept
import app.pocdex.core.model.Locales
import app.pocdex.core.model.OrganizationRef
import app.pocdex.core.model.SignupRequest
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

enum class LoginStep { Credentials, Otp }

data class LoginUiState(
    val organization: String = "",
    val email: String = "",
    val password: String = "",
    val otp: String = "",
    val step: LoginStep = LoginStep.Credentials,
    val submitting: Boolean = false,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val error: UiError? = null,
    /** Why the previous session ended (reused refresh token, expired …): shown above the form. */
    val signedOutReason: SignOutReason? = null,
    val signedIn: Boolean = false,
) {
    val canSubmit: Boolean
        get() =
            !submitting &&
                when (step) {
                    LoginStep.Credentials -> organization.isNotBlank() && email.isNotBlank() && password.isNotEmpty()
                    LoginStep.Otp -> otp.isNotBlank()
                }
}

/** Login with organization + email + password, then the TOTP step when the platform asks for it. */
class LoginStateHolder(
    private val scope: CoroutineScope,
    private val auth: AuthRepository,
    signedOutReason: SignOutReason? = null,
    organization: String = "",
    email: String = "",
) : StateHolder<LoginUiState>(LoginUiState(organization = organization, email = email, signedOutReason = signedOutReason)) {
    fun onOrganizationChange(value: String) =
        update { it.copy(organization = value.trim().lowercase(), fieldErrors = it.fieldErrors - "organization", error = null) }

    fun onEmailChange(value: String) = update { it.copy(email = value.trim(), fieldErrors = it.fieldErrors - "email", error = null) }

    fun onPasswordChange(value: String) = update { it.copy(password = value, fieldErrors = it.fieldErrors - "password", error = null) }

    fun onOtpChange(value: String) =
        update { it.copy(otp = value.filter { c -> !c.isWhitespace() }.take(32), fieldErrors = it.fieldErrors - "otp", error = null) }

    fun backToCredentials() = update { it.copy(step = LoginStep.Credentials, otp = "", error = null) }

    fun dismissError() = update { it.copy(error = null) }

    fun submit() {
        val s = current
        if (s.submitting) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.slug(errors, "organization", s.organization)
        Checks.email(errors, "email", s.email)
        if (s.password.isEmpty()) errors["password"] = FieldError(FieldCodes.REQUIRED, "")
        if (s.step == LoginStep.Otp && s.otp.isBlank()) errors["otp"] = FieldError(FieldCodes.REQUIRED, "")
        if (errors.isNotEmpty()) {
            update { it.copy(fieldErrors = errors) }
            return
        }
        update { it.copy(submitting = true, error = null, fieldErrors = emptyMap(), signedOutReason = null) }
        scope.launch {
            val otp = if (s.step == LoginStep.Otp) s.otp else null
            when (val answer = auth.login(s.organization, s.email, s.password, otp)) {
                is ApiResult.Ok -> {
                    when (answer.value) {
                        is LoginOutcome.SignedIn -> update { it.copy(submitting = false, signedIn = true, password = "", otp = "") }
                        LoginOutcome.OtpRequired -> update { it.copy(submitting = false, step = LoginStep.Otp) }
                    }
                }

                is ApiResult.Err -> {
                    update {
                        it.copy(
                            submitting = false,
                            error = UiError.from(answer.error),
                            fieldErrors = fieldErrorsOf(answer.error),
                            otp = if (it.step == LoginStep.Otp) "" else it.otp,
                        )
                    }
                }
            }
        }
    }
}

enum class SignupStep { Form, VerifyEmail, MailSent, Done }

data class SignupUiState(
    val organizationName: String = "",
    val organizationSlug: String = "",
    val slugEdited: Boolean = false,
    val ownerName: String = "",
    val email: String = "",
    val password: String = "",
    val locale: String = Locales.EN,
    val verificationCode: String = "",
    val step: SignupStep = SignupStep.Form,
    val submitting: Boolean = false,
    val verificationResent: Boolean = false,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val error: UiError? = null,
    val organization: OrganizationRef? = null,
)

/** Signup of a new organization and its owner, then the email verification code (skippable). */
class SignupStateHolder(
    private val scope: CoroutineScope,
    private val auth: AuthRepository,
    locale: String = Locales.EN,
) : StateHolder<SignupUiState>(SignupUiState(locale = locale)) {
    fun onOrganizationNameChange(value: String) =
        update {
            it.copy(
                organizationName = value,
                organizationSlug = if (it.slugEdited) it.organizationSlug else slugify(value),
                fieldErrors = it.fieldErrors - "organization_name" - "organization_slug",
            )
        }

    fun onSlugChange(value: String) =
        update {
            it.copy(
                organizationSlug = value.lowercase().filter { c -> c.isLetterOrDigit() || c == '-' }.take(63),
                slugEdited = true,
                fieldErrors =
                    it.fieldErrors - "organization_slug",
            )
        }

    fun onOwnerNameChange(value: String) = update { it.copy(ownerName = value, fieldErrors = it.fieldErrors - "owner_name") }

    fun onEmailChange(value: String) = update { it.copy(email = value.trim(), fieldErrors = it.fieldErrors - "email") }

    fun onPasswordChange(value: String) = update { it.copy(password = value, fieldErrors = it.fieldErrors - "password") }

    fun onLocaleChange(value: String) = update { it.copy(locale = if (value == Locales.PT_BR) Locales.PT_BR else Locales.EN) }

    fun onVerificationCodeChange(value: String) = update { it.copy(verificationCode = value.trim(), fieldErrors = it.fieldErrors - "token", error = null) }

    fun submit() {
        val s = current
        if (s.submitting || s.step != SignupStep.Form) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.required(errors, "organization_name", s.organizationName, 120)
        Checks.slug(errors, "organization_slug", s.organizationSlug)
        Checks.required(errors, "owner_name", s.ownerName, 150)
        Checks.email(errors, "email", s.email)
        if (s.password.isEmpty()) {
            errors["password"] = FieldError(FieldCodes.REQUIRED, "")
        } else if (s.password.length < 8) {
            errors["password"] = FieldError(FieldCodes.TOO_SHORT, "")
        }
        if (errors.isNotEmpty()) {
            update { it.copy(fieldErrors = errors) }
            return
        }
        update { it.copy(submitting = true, error = null, fieldErrors = emptyMap()) }
        scope.launch {
            val request = SignupRequest(s.organizationName.trim(), s.organizationSlug, s.ownerName.trim(), s.email, s.password, s.locale)
            when (val answer = auth.signup(request)) {
                is ApiResult.Ok -> {
                    when (val outcome = answer.value) {
                        is SignupOutcome.Created -> {
                            update { it.copy(submitting = false, step = SignupStep.VerifyEmail, organization = outcome.output.organization, password = "") }
                        }

                        SignupOutcome.Mailed -> {
                            update { it.copy(submitting = false, step = SignupStep.MailSent, password = "") }
                        }
                    }
                }

                is ApiResult.Err -> {
                    update { it.copy(submitting = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
                }
            }
        }
    }

    fun submitVerificationCode() {
        val s = current
        if (s.submitting || s.step != SignupStep.VerifyEmail) return
        if (s.verificationCode.isBlank()) {
            update { it.copy(fieldErrors = mapOf("token" to FieldError(FieldCodes.REQUIRED, ""))) }
            return
        }
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            when (val answer = auth.verifyEmail(s.verificationCode)) {
                is ApiResult.Ok -> update { it.copy(submitting = false, step = SignupStep.Done) }
                is ApiResult.Err -> update { it.copy(submitting = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
            }
        }
    }

    fun resendVerification() {
        scope.launch {
            when (val answer = auth.resendVerification()) {
                is ApiResult.Ok -> update { it.copy(verificationResent = true) }
                is ApiResult.Err -> update { it.copy(error = UiError.from(answer.error)) }
            }
        }
    }

    /** Verify later: the app opens; inviting others needs a confirmed address. */
    fun skipVerification() = update { if (it.step == SignupStep.VerifyEmail) it.copy(step = SignupStep.Done) else it }
}

enum class ForgotPasswordStep { Email, Code, Done }

data class ForgotPasswordUiState(
    val email: String = "",
    val code: String = "",
    val newPassword: String = "",
    val step: ForgotPasswordStep = ForgotPasswordStep.Email,
    val submitting: Boolean = false,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val error: UiError? = null,
)

/** Asks for the reset mail, then takes its code (or the deep link's token) and the new password. */
class ForgotPasswordStateHolder(
    private val scope: CoroutineScope,
    private val auth: AuthRepository,
    token: String? = null,
) : StateHolder<ForgotPasswordUiState>(
        if (token != null) ForgotPasswordUiState(code = token, step = ForgotPasswordStep.Code) else ForgotPasswordUiState(),
    ) {
    fun onEmailChange(value: String) = update { it.copy(email = value.trim(), fieldErrors = it.fieldErrors - "email") }

    fun onCodeChange(value: String) = update { it.copy(code = value.trim(), fieldErrors = it.fieldErrors - "token") }

    fun onNewPasswordChange(value: String) = update { it.copy(newPassword = value, fieldErrors = it.fieldErrors - "new_password") }

    /** The person already has a code: go to the second step. */
    fun haveCode() = update { it.copy(step = ForgotPasswordStep.Code, error = null) }

    fun requestMail() {
        val s = current
        if (s.submitting) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.email(errors, "email", s.email)
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            when (val answer = auth.forgotPassword(s.email)) {
                is ApiResult.Ok -> update { it.copy(submitting = false, step = ForgotPasswordStep.Code) }
                is ApiResult.Err -> update { it.copy(submitting = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
            }
        }
    }

    fun reset() {
        val s = current
        if (s.submitting) return
        val errors = mutableMapOf<String, FieldError>()
        Checks.required(errors, "token", s.code, 1024)
        if (s.newPassword.isEmpty()) {
            errors["new_password"] = FieldError(FieldCodes.REQUIRED, "")
        } else if (s.newPassword.length < 8) {
            errors["new_password"] = FieldError(FieldCodes.TOO_SHORT, "")
        }
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            when (val answer = auth.resetPassword(s.code, s.newPassword)) {
                is ApiResult.Ok -> update { it.copy(submitting = false, step = ForgotPasswordStep.Done, newPassword = "") }
                is ApiResult.Err -> update { it.copy(submitting = false, error = UiError.from(answer.error), fieldErrors = fieldErrorsOf(answer.error)) }
            }
        }
    }
}

data class AcceptInvitationUiState(
    val token: String = "",
    val name: String = "",
    val password: String = "",
    val otp: String = "",
    /** The invited address already has an account with two-factor: ask for the code. */
    val needsOtp: Boolean = false,
    val submitting: Boolean = false,
    val fieldErrors: Map<String, FieldError> = emptyMap(),
    val error: UiError? = null,
    val organization: OrganizationRef? = null,
    val role: String? = null,
    val createdUser: Boolean = false,
) {
    val accepted: Boolean get() = organization != null
    val invalidLink: Boolean get() = token.isBlank()
}

/**
 * Accepting an invitation from its link. A new person gives a name and a password; someone who
 * already has an account gives their password (and the TOTP code when the platform asks for it).
 */
class AcceptInvitationStateHolder(
    private val scope: CoroutineScope,
    private val auth: AuthRepository,
    token: String,
) : StateHolder<AcceptInvitationUiState>(AcceptInvitationUiState(token = token.trim())) {
    constructor(scope: CoroutineScope, auth: AuthRepository, link: DeepLink.Invitation) : this(scope, auth, link.token)

    fun onNameChange(value: String) = update { it.copy(name = value, fieldErrors = it.fieldErrors - "name") }

    fun onPasswordChange(value: String) = update { it.copy(password = value, fieldErrors = it.fieldErrors - "password") }

    fun onOtpChange(value: String) = update { it.copy(otp = value.trim(), fieldErrors = it.fieldErrors - "otp") }

    fun accept() {
        val s = current
        if (s.submitting || s.accepted || s.invalidLink) return
        val errors = mutableMapOf<String, FieldError>()
        if (s.password.isEmpty()) errors["password"] = FieldError(FieldCodes.REQUIRED, "")
        if (s.needsOtp && s.otp.isBlank()) errors["otp"] = FieldError(FieldCodes.REQUIRED, "")
        if (errors.isNotEmpty()) return update { it.copy(fieldErrors = errors) }
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            val request = InvitationAccept(s.token, s.name.trim().ifEmpty { null }, s.password, s.otp.ifEmpty { null })
            when (val answer = auth.acceptInvitation(request)) {
                is ApiResult.Ok -> {
                    update {
                        it.copy(
                            submitting = false,
                            organization = answer.value.organization,
                            role = answer.value.role,
                            createdUser = answer.value.createdUser,
                            password = "",
                        )
                    }
                }

                is ApiResult.Err -> {
                    update {
                        val otpAsked = answer.error.code == "otp_required"
                        it.copy(
                            submitting = false,
                            needsOtp = it.needsOtp || otpAsked,
                            error = if (otpAsked) null else UiError.from(answer.error),
                            fieldErrors = fieldErrorsOf(answer.error),
                        )
                    }
                }
            }
        }
    }
}
