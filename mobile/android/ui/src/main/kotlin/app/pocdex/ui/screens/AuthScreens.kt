package app.pocdex.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Email
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import app.pocdex.core.model.Locales
import app.pocdex.core.state.AcceptInvitationUiState
import app.pocdex.core.state.ForgotPasswordStep
import app.pocdex.core.state.ForgotPasswordUiState
import app.pocdex.core.state.LoginStep
import app.pocdex.core.state.LoginUiState
import app.pocdex.core.state.SignupStep
import app.pocdex.core.state.SignupUiState
import app.pocdex.ui.components.AuthLayout
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.PocdexTextField
import app.pocdex.ui.components.PrimaryButton
import app.pocdex.ui.components.ShieldIcon
import app.pocdex.ui.components.ToggleChip
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.errorText
import app.pocdex.ui.strings.fieldText
import app.pocdex.ui.strings.roleText
import app.pocdex.ui.strings.signedOutText
import app.pocdex.ui.strings.text

/** Test tags of the sign-in screens. */
object AuthTags {
    const val ORGANIZATION = "login.organization"
    const val EMAIL = "login.email"
    const val PASSWORD = "login.password"
    const val OTP = "login.otp"
    const val SUBMIT = "login.submit"
    const val SIGNED_OUT = "login.signedOut"
    const val SIGNUP_ORG_NAME = "signup.organizationName"
    const val SIGNUP_SLUG = "signup.organizationSlug"
    const val SIGNUP_OWNER = "signup.ownerName"
    const val SIGNUP_EMAIL = "signup.email"
    const val SIGNUP_PASSWORD = "signup.password"
    const val SIGNUP_CODE = "signup.code"
    const val SIGNUP_SUBMIT = "signup.submit"
    const val FORGOT_EMAIL = "forgot.email"
    const val FORGOT_CODE = "forgot.code"
    const val FORGOT_PASSWORD = "forgot.newPassword"
    const val FORGOT_SUBMIT = "forgot.submit"
    const val INVITE_NAME = "invite.name"
    const val INVITE_PASSWORD = "invite.password"
    const val INVITE_OTP = "invite.otp"
    const val INVITE_SUBMIT = "invite.submit"
    const val ENROLL_REASON = "enroll.reason"
    const val ENROLL_START = "enroll.start"
    const val ENROLL_CODE = "enroll.code"
    const val ENROLL_CONFIRM = "enroll.confirm"
    const val ENROLL_RECOVERY = "enroll.recovery"
    const val ENROLL_SAVED = "enroll.saved"
    const val ENROLL_LOGIN = "enroll.login"
    const val ENROLL_BACK = "enroll.back"
}

class LoginActions(
    val onOrganizationChange: (String) -> Unit = {},
    val onEmailChange: (String) -> Unit = {},
    val onPasswordChange: (String) -> Unit = {},
    val onOtpChange: (String) -> Unit = {},
    val onSubmit: () -> Unit = {},
    /** Back to the form, from the code step or from the two-factor enrollment. */
    val onBackToCredentials: () -> Unit = {},
    val onForgotPassword: () -> Unit = {},
    val onSignup: () -> Unit = {},
    val onStartEnrollment: () -> Unit = {},
    val onEnrollmentCodeChange: (String) -> Unit = {},
    val onConfirmEnrollment: () -> Unit = {},
    val onRecoveryCodesSaved: () -> Unit = {},
    val onEnrollmentLogin: () -> Unit = {},
)

/**
 * Login: organization + email + password, then the TOTP step; the "signed out" reason above the form.
 * A member whose organization requires two-factor, without it, turns it on here ([TwoFactorEnrollmentScreen]).
 */
@Composable
fun LoginScreen(
    state: LoginUiState,
    actions: LoginActions,
    modifier: Modifier = Modifier,
) {
    val enrollment = state.enrollment
    if (state.step == LoginStep.Enrollment && enrollment != null) {
        TwoFactorEnrollmentScreen(state, enrollment, actions, modifier)
        return
    }
    val strings = LocalStrings.current
    val otpStep = state.step == LoginStep.Otp
    AuthLayout(
        title = text(if (otpStep) Str.LOGIN_OTP_TITLE else Str.LOGIN_TITLE),
        subtitle = text(if (otpStep) Str.LOGIN_OTP_MESSAGE else Str.LOGIN_SUBTITLE),
        modifier = modifier,
    ) {
        state.signedOutReason?.let {
            Banner(BannerKind.INFO, strings.signedOutText(it), Modifier.testTag(AuthTags.SIGNED_OUT))
        }
        state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
        if (!otpStep) {
            PocdexTextField(
                value = state.organization,
                onValueChange = actions.onOrganizationChange,
                label = text(Str.LOGIN_ORGANIZATION),
                hint = text(Str.LOGIN_ORGANIZATION_HINT),
                error = strings.fieldText(state.fieldErrors["organization"]),
                tag = AuthTags.ORGANIZATION,
                enabled = !state.submitting,
            )
            PocdexTextField(
                value = state.email,
                onValueChange = actions.onEmailChange,
                label = text(Str.LOGIN_EMAIL),
                error = strings.fieldText(state.fieldErrors["email"]),
                tag = AuthTags.EMAIL,
                keyboardType = KeyboardType.Email,
                enabled = !state.submitting,
                leadingIcon = { Icon(Icons.Filled.Email, contentDescription = null) },
            )
            PocdexTextField(
                value = state.password,
                onValueChange = actions.onPasswordChange,
                label = text(Str.LOGIN_PASSWORD),
                error = strings.fieldText(state.fieldErrors["password"]),
                tag = AuthTags.PASSWORD,
                password = true,
                imeAction = ImeAction.Done,
                onImeAction = actions.onSubmit,
                enabled = !state.submitting,
                leadingIcon = { Icon(Icons.Filled.Lock, contentDescription = null) },
            )
            PrimaryButton(
                text(Str.LOGIN_SUBMIT),
                actions.onSubmit,
                loading = state.submitting,
                enabled = state.canSubmit || state.submitting,
                tag = AuthTags.SUBMIT,
            )
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                TextButton(onClick = actions.onForgotPassword, modifier = Modifier.heightIn(min = MinTouch)) {
                    Text(text(Str.LOGIN_FORGOT))
                }
                TextButton(onClick = actions.onSignup, modifier = Modifier.heightIn(min = MinTouch)) {
                    Text(text(Str.LOGIN_SIGNUP))
                }
            }
        } else {
            PocdexTextField(
                value = state.otp,
                onValueChange = actions.onOtpChange,
                label = text(Str.LOGIN_OTP_CODE),
                error = strings.fieldText(state.fieldErrors["otp"]),
                tag = AuthTags.OTP,
                keyboardType = KeyboardType.Number,
                imeAction = ImeAction.Done,
                onImeAction = actions.onSubmit,
                enabled = !state.submitting,
                leadingIcon = { Icon(ShieldIcon, contentDescription = null) },
            )
            PrimaryButton(
                text(Str.LOGIN_OTP_SUBMIT),
                actions.onSubmit,
                loading = state.submitting,
                enabled = state.canSubmit || state.submitting,
                tag = AuthTags.SUBMIT,
            )
            TextButton(onClick = actions.onBackToCredentials, modifier = Modifier.heightIn(min = MinTouch)) {
                Text(text(Str.LOGIN_OTP_BACK))
            }
        }
    }
}

class SignupActions(
    val onOrganizationNameChange: (String) -> Unit = {},
    val onSlugChange: (String) -> Unit = {},
    val onOwnerNameChange: (String) -> Unit = {},
    val onEmailChange: (String) -> Unit = {},
    val onPasswordChange: (String) -> Unit = {},
    val onLocaleChange: (String) -> Unit = {},
    val onSubmit: () -> Unit = {},
    val onCodeChange: (String) -> Unit = {},
    val onSubmitCode: () -> Unit = {},
    val onResendCode: () -> Unit = {},
    val onSkipVerification: () -> Unit = {},
    val onLogin: () -> Unit = {},
    val onDone: () -> Unit = {},
)

/** Signup of an organization and its owner, then the email code (skippable), then done. */
@Composable
fun SignupScreen(
    state: SignupUiState,
    actions: SignupActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val (title, subtitle) =
        when (state.step) {
            SignupStep.Form -> text(Str.SIGNUP_TITLE) to text(Str.SIGNUP_SUBTITLE)
            SignupStep.VerifyEmail -> text(Str.SIGNUP_VERIFY_TITLE) to text(Str.SIGNUP_VERIFY_MESSAGE, state.email)
            SignupStep.MailSent -> text(Str.SIGNUP_VERIFY_TITLE) to text(Str.SIGNUP_MAIL_SENT)
            SignupStep.Done -> text(Str.SIGNUP_TITLE) to text(Str.SIGNUP_DONE, state.organization?.name ?: state.organizationName)
        }
    AuthLayout(title, subtitle, modifier) {
        state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
        when (state.step) {
            SignupStep.Form -> {
                PocdexTextField(
                    state.organizationName,
                    actions.onOrganizationNameChange,
                    text(Str.SIGNUP_ORG_NAME),
                    error = strings.fieldText(state.fieldErrors["organization_name"]),
                    tag = AuthTags.SIGNUP_ORG_NAME,
                    enabled = !state.submitting,
                )
                PocdexTextField(
                    state.organizationSlug,
                    actions.onSlugChange,
                    text(Str.SIGNUP_ORG_SLUG),
                    error = strings.fieldText(state.fieldErrors["organization_slug"]),
                    hint = if (state.organizationSlug.isNotBlank()) text(Str.SIGNUP_ORG_SLUG_HINT, state.organizationSlug) else null,
                    tag = AuthTags.SIGNUP_SLUG,
                    enabled = !state.submitting,
                )
                PocdexTextField(
                    state.ownerName,
                    actions.onOwnerNameChange,
                    text(Str.SIGNUP_OWNER_NAME),
                    error = strings.fieldText(state.fieldErrors["owner_name"]),
                    tag = AuthTags.SIGNUP_OWNER,
                    enabled = !state.submitting,
                )
                PocdexTextField(
                    state.email,
                    actions.onEmailChange,
                    text(Str.SIGNUP_EMAIL),
                    error = strings.fieldText(state.fieldErrors["email"]),
                    tag = AuthTags.SIGNUP_EMAIL,
                    keyboardType = KeyboardType.Email,
                    enabled = !state.submitting,
                )
                PocdexTextField(
                    state.password,
                    actions.onPasswordChange,
                    text(Str.SIGNUP_PASSWORD),
                    error = strings.fieldText(state.fieldErrors["password"]),
                    tag = AuthTags.SIGNUP_PASSWORD,
                    password = true,
                    imeAction = ImeAction.Done,
                    enabled = !state.submitting,
                )
                Text(text(Str.SIGNUP_LANGUAGE), style = MaterialTheme.typography.labelLarge)
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    ToggleChip("English", state.locale == Locales.EN, { actions.onLocaleChange(Locales.EN) }, tag = "signup.locale.en")
                    ToggleChip("Português (Brasil)", state.locale == Locales.PT_BR, { actions.onLocaleChange(Locales.PT_BR) }, tag = "signup.locale.pt")
                }
                PrimaryButton(text(Str.SIGNUP_SUBMIT), actions.onSubmit, loading = state.submitting, tag = AuthTags.SIGNUP_SUBMIT)
                TextButton(onClick = actions.onLogin, modifier = Modifier.heightIn(min = MinTouch)) {
                    Text(text(Str.SIGNUP_HAVE_ACCOUNT))
                }
            }

            SignupStep.VerifyEmail -> {
                if (state.verificationResent) Banner(BannerKind.SUCCESS, text(Str.SIGNUP_VERIFY_RESENT))
                PocdexTextField(
                    state.verificationCode,
                    actions.onCodeChange,
                    text(Str.SIGNUP_VERIFY_CODE),
                    error = strings.fieldText(state.fieldErrors["token"]),
                    tag = AuthTags.SIGNUP_CODE,
                    imeAction = ImeAction.Done,
                    onImeAction = actions.onSubmitCode,
                    enabled = !state.submitting,
                )
                PrimaryButton(text(Str.SIGNUP_VERIFY_SUBMIT), actions.onSubmitCode, loading = state.submitting, tag = AuthTags.SIGNUP_SUBMIT)
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    TextButton(onClick = actions.onResendCode, modifier = Modifier.heightIn(min = MinTouch)) {
                        Text(text(Str.SIGNUP_VERIFY_RESEND))
                    }
                    TextButton(onClick = actions.onSkipVerification, modifier = Modifier.heightIn(min = MinTouch)) {
                        Text(text(Str.SIGNUP_VERIFY_LATER))
                    }
                }
            }

            SignupStep.MailSent -> {
                TextButton(onClick = actions.onLogin, modifier = Modifier.heightIn(min = MinTouch)) {
                    Text(text(Str.FORGOT_BACK_TO_LOGIN))
                }
            }

            SignupStep.Done -> {
                PrimaryButton(text(Str.SIGNUP_DONE_OPEN), actions.onDone, tag = AuthTags.SIGNUP_SUBMIT)
            }
        }
    }
}

class ForgotPasswordActions(
    val onEmailChange: (String) -> Unit = {},
    val onRequestMail: () -> Unit = {},
    val onHaveCode: () -> Unit = {},
    val onCodeChange: (String) -> Unit = {},
    val onNewPasswordChange: (String) -> Unit = {},
    val onReset: () -> Unit = {},
    val onBackToLogin: () -> Unit = {},
)

@Composable
fun ForgotPasswordScreen(
    state: ForgotPasswordUiState,
    actions: ForgotPasswordActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val subtitle =
        when (state.step) {
            ForgotPasswordStep.Email -> text(Str.FORGOT_MESSAGE)
            ForgotPasswordStep.Code -> text(Str.FORGOT_CODE_MESSAGE, state.email.ifBlank { "…" })
            ForgotPasswordStep.Done -> text(Str.FORGOT_DONE)
        }
    AuthLayout(text(Str.FORGOT_TITLE), subtitle, modifier) {
        state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
        when (state.step) {
            ForgotPasswordStep.Email -> {
                PocdexTextField(
                    state.email,
                    actions.onEmailChange,
                    text(Str.LOGIN_EMAIL),
                    error = strings.fieldText(state.fieldErrors["email"]),
                    tag = AuthTags.FORGOT_EMAIL,
                    keyboardType = KeyboardType.Email,
                    imeAction = ImeAction.Done,
                    onImeAction = actions.onRequestMail,
                )
                PrimaryButton(text(Str.FORGOT_SEND), actions.onRequestMail, loading = state.submitting, tag = AuthTags.FORGOT_SUBMIT)
                TextButton(onClick = actions.onHaveCode, modifier = Modifier.heightIn(min = MinTouch)) {
                    Text(text(Str.FORGOT_HAVE_CODE))
                }
            }

            ForgotPasswordStep.Code -> {
                PocdexTextField(
                    state.code,
                    actions.onCodeChange,
                    text(Str.FORGOT_CODE),
                    error = strings.fieldText(state.fieldErrors["token"]),
                    tag = AuthTags.FORGOT_CODE,
                )
                PocdexTextField(
                    state.newPassword,
                    actions.onNewPasswordChange,
                    text(Str.FORGOT_NEW_PASSWORD),
                    error = strings.fieldText(state.fieldErrors["new_password"]),
                    tag = AuthTags.FORGOT_PASSWORD,
                    password = true,
                    imeAction = ImeAction.Done,
                    onImeAction = actions.onReset,
                )
                PrimaryButton(text(Str.FORGOT_RESET), actions.onReset, loading = state.submitting, tag = AuthTags.FORGOT_SUBMIT)
            }

            ForgotPasswordStep.Done -> {
                Banner(BannerKind.SUCCESS, text(Str.FORGOT_DONE))
            }
        }
        if (state.step != ForgotPasswordStep.Code) {
            TextButton(onClick = actions.onBackToLogin, modifier = Modifier.heightIn(min = MinTouch)) {
                Text(text(Str.FORGOT_BACK_TO_LOGIN))
            }
        }
    }
}

class AcceptInvitationActions(
    val onNameChange: (String) -> Unit = {},
    val onPasswordChange: (String) -> Unit = {},
    val onOtpChange: (String) -> Unit = {},
    val onAccept: () -> Unit = {},
    val onContinue: () -> Unit = {},
)

@Composable
fun AcceptInvitationScreen(
    state: AcceptInvitationUiState,
    actions: AcceptInvitationActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    AuthLayout(text(Str.INVITE_TITLE), text(Str.INVITE_MESSAGE), modifier) {
        when {
            state.invalidLink -> {
                Banner(BannerKind.ERROR, text(Str.INVITE_INVALID))
            }

            state.accepted -> {
                Banner(BannerKind.SUCCESS, text(Str.INVITE_ACCEPTED, state.organization?.name ?: "", strings.roleText(state.role)))
                PrimaryButton(text(Str.INVITE_CONTINUE), actions.onContinue, tag = AuthTags.INVITE_SUBMIT)
            }

            else -> {
                state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
                PocdexTextField(
                    state.name,
                    actions.onNameChange,
                    text(Str.INVITE_NAME),
                    error = strings.fieldText(state.fieldErrors["name"]),
                    tag = AuthTags.INVITE_NAME,
                    enabled = !state.submitting,
                )
                PocdexTextField(
                    state.password,
                    actions.onPasswordChange,
                    text(Str.INVITE_PASSWORD),
                    error = strings.fieldText(state.fieldErrors["password"]),
                    tag = AuthTags.INVITE_PASSWORD,
                    password = true,
                    enabled = !state.submitting,
                )
                if (state.needsOtp) {
                    Banner(BannerKind.INFO, text(Str.INVITE_OTP_MESSAGE))
                    PocdexTextField(
                        state.otp,
                        actions.onOtpChange,
                        text(Str.INVITE_OTP),
                        error = strings.fieldText(state.fieldErrors["otp"]),
                        tag = AuthTags.INVITE_OTP,
                        keyboardType = KeyboardType.Number,
                        enabled = !state.submitting,
                    )
                }
                PrimaryButton(text(Str.INVITE_ACCEPT), actions.onAccept, loading = state.submitting, tag = AuthTags.INVITE_SUBMIT)
            }
        }
    }
}
