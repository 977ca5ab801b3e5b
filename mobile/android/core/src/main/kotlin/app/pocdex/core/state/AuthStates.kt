package app.pocdex.core.state

import app.pocdex.core.data.AuthRepository
import app.pocdex.core.data.LoginOutcome
import app.pocdex.core.data.SignupOutcome
import app.pocdex.core.model.InvitationAccept
import app.pocdex.core.model.Locales
import app.pocdex.core.model.OrganizationRef
import app.pocdex.core.model.SignupRequest
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

enum class LoginStep {
    Credentials,
    Otp,

    /** The organization requires two-factor and the person has it off: turn it on, then log in ([EnrollmentUiState]). */
    Enrollment,
}

/** The parts of turning two-factor on from the login screen, in order. */
enum class EnrollmentPhase {
    /** The login answered `two_factor_required`: say why, offer to set it up (or go back). */
    Required,

    /** Add the key (or open the `otpauth://` link) in an authenticator app, then confirm with its code. */
    Setup,

    /** Two-factor is on: the recovery codes, shown this once, until the person says they saved them. */
    RecoveryCodes,

    /** Log in with the app's next code (the confirming code is spent: the platform refuses it twice). */
    Login,
}

data class EnrollmentUiState(
    val phase: EnrollmentPhase = EnrollmentPhase.Required,
    /** Why, as the platform says it (the `two_factor_required` message, in the request language). */
    val reason: String = "",
    val secret: String = "",
    val otpauthUri: String = "",
    /** The 6-digit code being typed: at [EnrollmentPhase.Setup] to confirm, at [EnrollmentPhase.Login] to log in. */
    val code: String = "",
    val recoveryCodes: List<String> = emptyList(),
)

data class LoginUiState(
    val organization: String = "",
    val email: String = "",
    val password: String = "",
    val otp: String = "",
    val step: LoginStep = LoginStep.Credentials,
    /** Set while [step] is [LoginStep.Enrollment]. */
    val enrollment: EnrollmentUiState? = null,
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
                    LoginStep.Enrollment -> enrollment != null
                }
}

/**
 * Login with organization + email + password, then the TOTP step when the platform asks for it. A
 * member of an organization that requires two-factor, without it, is led through turning it on
 * ([LoginStep.Enrollment]) with the credentials already typed, then logs in with a fresh code.
 */
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

    /** Back to the form (from the code step or from any part of the enrollment); what was typed there stays. */
    fun backToCredentials() =
        update {
            it.copy(step = LoginStep.Credentials, otp = "", enrollment = null, error = null, fieldErrors = it.fieldErrors - "otp" - ENROLLMENT_CODE)
        }

    fun dismissError() = update { it.copy(error = null) }

    fun submit() {
        val s = current
        if (s.submitting || s.step == LoginStep.Enrollment) return
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
                    when (val outcome = answer.value) {
                        is LoginOutcome.SignedIn -> {
                            update { it.copy(submitting = false, signedIn = true, password = "", otp = "") }
                        }

                        LoginOutcome.OtpRequired -> {
                            update { it.copy(submitting = false, step = LoginStep.Otp) }
                        }

                        is LoginOutcome.TwoFactorEnrollmentRequired -> {
                            update {
                                it.copy(
                                    submitting = false,
                                    step = LoginStep.Enrollment,
                                    otp = "",
                                    enrollment = EnrollmentUiState(reason = outcome.message),
                                )
                            }
                        }
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

    /** The enrollment's code field: ASCII digits only (what the platform accepts), at most 6. */
    fun onEnrollmentCodeChange(value: String) =
        update { st ->
            val e = st.enrollment ?: return@update st
            st.copy(
                enrollment = e.copy(code = value.filter { c -> c in '0'..'9' }.take(CODE_LENGTH)),
                fieldErrors = st.fieldErrors - ENROLLMENT_CODE,
                error = null,
            )
        }

    /** (a) Starts enrollment with the credentials already typed: a new secret and its link. */
    fun startEnrollment() {
        val s = current
        if (s.submitting || s.enrollment?.phase != EnrollmentPhase.Required) return
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            when (val answer = auth.startTwoFactorEnrollment(s.organization, s.email, s.password)) {
                is ApiResult.Ok -> {
                    updateEnrollment(EnrollmentPhase.Required) { e ->
                        e.copy(phase = EnrollmentPhase.Setup, secret = answer.value.secret, otpauthUri = answer.value.otpauthUri, code = "")
                    }
                }

                is ApiResult.Err -> {
                    enrollmentFailed(EnrollmentPhase.Required, answer.error)
                }
            }
        }
    }

    /** (c) Confirms with the app's first code; the answer's recovery codes are kept for [EnrollmentPhase.RecoveryCodes]. */
    fun confirmEnrollment() {
        val s = current
        val e = s.enrollment
        if (s.submitting || e == null || e.phase != EnrollmentPhase.Setup) return
        if (!checkCode(e.code)) return
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            when (val answer = auth.confirmTwoFactorEnrollment(s.organization, s.email, s.password, e.code)) {
                is ApiResult.Ok -> {
                    // The secret is in the app now; the codes are shown once, then dropped too.
                    updateEnrollment(EnrollmentPhase.Setup) {
                        it.copy(
                            phase = EnrollmentPhase.RecoveryCodes,
                            secret = "",
                            otpauthUri = "",
                            code = "",
                            recoveryCodes = answer.value.recoveryCodes,
                        )
                    }
                }

                is ApiResult.Err -> {
                    enrollmentFailed(EnrollmentPhase.Setup, answer.error)
                }
            }
        }
    }

    /** (d) "I saved them": the codes are forgotten here and the login asks for the app's next code. */
    fun acknowledgeRecoveryCodes() =
        update { st ->
            val e = st.enrollment
            if (st.submitting || e == null || e.phase != EnrollmentPhase.RecoveryCodes) {
                st
            } else {
                st.copy(enrollment = e.copy(phase = EnrollmentPhase.Login, recoveryCodes = emptyList(), code = ""), error = null)
            }
        }

    /**
     * (e) Logs in with a code the person types. Not the confirming one: the platform accepts each
     * time step once, so that code would answer `otp_invalid`; the person waits for the next.
     */
    fun submitEnrollmentLogin() {
        val s = current
        val e = s.enrollment
        if (s.submitting || e == null || e.phase != EnrollmentPhase.Login) return
        if (!checkCode(e.code)) return
        update { it.copy(submitting = true, error = null) }
        scope.launch {
            when (val answer = auth.login(s.organization, s.email, s.password, e.code)) {
                is ApiResult.Ok -> {
                    update {
                        when (val outcome = answer.value) {
                            is LoginOutcome.SignedIn -> {
                                it.copy(
                                    submitting = false,
                                    signedIn = true,
                                    password = "",
                                    otp = "",
                                    step = LoginStep.Credentials,
                                    enrollment = null,
                                )
                            }

                            // Not for a login that carries a code; kept total.
                            LoginOutcome.OtpRequired -> {
                                it.copy(submitting = false, error = UiError(ErrorKind.OtpInvalid, "otp_required"))
                            }

                            is LoginOutcome.TwoFactorEnrollmentRequired -> {
                                it.copy(submitting = false, error = UiError(ErrorKind.Forbidden, "two_factor_required", outcome.message))
                            }
                        }
                    }
                }

                is ApiResult.Err -> {
                    enrollmentFailed(EnrollmentPhase.Login, answer.error)
                }
            }
        }
    }

    private fun checkCode(code: String): Boolean {
        val error =
            when {
                code.isEmpty() -> FieldError(FieldCodes.REQUIRED, "")
                code.length != CODE_LENGTH -> FieldError(FieldCodes.OTP_LENGTH, "")
                else -> null
            }
        if (error != null) update { it.copy(fieldErrors = it.fieldErrors + (ENROLLMENT_CODE to error)) }
        return error == null
    }

    /** Applies an answer unless the person left that part meanwhile (back to the form, or further). */
    private fun updateEnrollment(
        from: EnrollmentPhase,
        transform: (EnrollmentUiState) -> EnrollmentUiState,
    ) = update { st ->
        val e = st.enrollment
        if (st.step != LoginStep.Enrollment || e == null || e.phase != from) {
            st.copy(submitting = false)
        } else {
            st.copy(submitting = false, enrollment = transform(e))
        }
    }

    /**
     * An enrollment call failed. Wrong credentials, or an enrollment the platform no longer needs
     * (two-factor turned on elsewhere, the rule lifted), go back to the form with the message; any
     * other error stays on the part, its code field emptied for a fresh try.
     */
    private fun enrollmentFailed(
        from: EnrollmentPhase,
        error: ApiError,
    ) = update { st ->
        val e = st.enrollment
        when {
            st.step != LoginStep.Enrollment || e == null || e.phase != from -> {
                st.copy(submitting = false)
            }

            error.code == "invalid_credentials" || error.code == "two_factor_enrollment_not_needed" -> {
                st.copy(submitting = false, step = LoginStep.Credentials, enrollment = null, error = UiError.from(error))
            }

            else -> {
                st.copy(submitting = false, enrollment = e.copy(code = ""), error = UiError.from(error))
            }
        }
    }

    companion object {
        /** The key of the enrollment code's field error in [LoginUiState.fieldErrors]. */
        const val ENROLLMENT_CODE = "code"
        const val CODE_LENGTH = 6
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
