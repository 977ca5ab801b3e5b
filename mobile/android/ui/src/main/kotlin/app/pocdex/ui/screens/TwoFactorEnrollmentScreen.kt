package app.pocdex.ui.screens

import androidx.compose.foundation.layout.heightIn
import androidx.compose.material3.Icon
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import app.pocdex.core.state.EnrollmentPhase
import app.pocdex.core.state.EnrollmentUiState
import app.pocdex.core.state.LoginStateHolder
import app.pocdex.core.state.LoginUiState
import app.pocdex.ui.components.AuthLayout
import app.pocdex.ui.components.Banner
import app.pocdex.ui.components.BannerKind
import app.pocdex.ui.components.MinTouch
import app.pocdex.ui.components.PocdexTextField
import app.pocdex.ui.components.PrimaryButton
import app.pocdex.ui.components.RecoveryCodeList
import app.pocdex.ui.components.ShieldIcon
import app.pocdex.ui.components.TotpKey
import app.pocdex.ui.strings.LocalStrings
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.errorText
import app.pocdex.ui.strings.fieldText
import app.pocdex.ui.strings.text

/**
 * Turning two-factor on from the login, for a member of an organization that requires it: why and
 * "set it up" ([EnrollmentPhase.Required]), the key and link for the authenticator app and its first
 * code ([EnrollmentPhase.Setup]), the recovery codes once with an explicit "I saved them"
 * ([EnrollmentPhase.RecoveryCodes]), then the login with the app's next code ([EnrollmentPhase.Login]).
 * Every part but the recovery codes goes back to the login form.
 */
@Composable
fun TwoFactorEnrollmentScreen(
    state: LoginUiState,
    enrollment: EnrollmentUiState,
    actions: LoginActions,
    modifier: Modifier = Modifier,
) {
    val strings = LocalStrings.current
    val (title, subtitle) =
        when (enrollment.phase) {
            EnrollmentPhase.Required -> text(Str.ENROLL_TITLE) to text(Str.ENROLL_REQUIRED_MESSAGE)
            EnrollmentPhase.Setup -> text(Str.ENROLL_TITLE) to text(Str.ENROLL_SETUP_MESSAGE)
            EnrollmentPhase.RecoveryCodes -> text(Str.ENROLL_RECOVERY_TITLE) to text(Str.ENROLL_RECOVERY_MESSAGE)
            EnrollmentPhase.Login -> text(Str.ENROLL_LOGIN_TITLE) to text(Str.ENROLL_LOGIN_MESSAGE)
        }
    val codeError = strings.fieldText(state.fieldErrors[LoginStateHolder.ENROLLMENT_CODE])
    AuthLayout(title, subtitle, modifier) {
        state.error?.let { Banner(BannerKind.ERROR, strings.errorText(it)) }
        when (enrollment.phase) {
            EnrollmentPhase.Required -> {
                if (enrollment.reason.isNotBlank()) Banner(BannerKind.INFO, enrollment.reason, Modifier.testTag(AuthTags.ENROLL_REASON))
                PrimaryButton(text(Str.ENROLL_START), actions.onStartEnrollment, loading = state.submitting, tag = AuthTags.ENROLL_START)
            }

            EnrollmentPhase.Setup -> {
                TotpKey(enrollment.secret, enrollment.otpauthUri)
                EnrollmentCodeField(enrollment.code, codeError, !state.submitting, actions.onEnrollmentCodeChange, actions.onConfirmEnrollment)
                PrimaryButton(
                    text(Str.ENROLL_CONFIRM),
                    actions.onConfirmEnrollment,
                    loading = state.submitting,
                    enabled = enrollment.code.isNotEmpty() || state.submitting,
                    tag = AuthTags.ENROLL_CONFIRM,
                )
            }

            EnrollmentPhase.RecoveryCodes -> {
                RecoveryCodeList(enrollment.recoveryCodes, AuthTags.ENROLL_RECOVERY)
                PrimaryButton(text(Str.ENROLL_RECOVERY_SAVED), actions.onRecoveryCodesSaved, tag = AuthTags.ENROLL_SAVED)
            }

            EnrollmentPhase.Login -> {
                EnrollmentCodeField(enrollment.code, codeError, !state.submitting, actions.onEnrollmentCodeChange, actions.onEnrollmentLogin)
                PrimaryButton(
                    text(Str.ENROLL_LOGIN_SUBMIT),
                    actions.onEnrollmentLogin,
                    loading = state.submitting,
                    enabled = enrollment.code.isNotEmpty() || state.submitting,
                    tag = AuthTags.ENROLL_LOGIN,
                )
            }
        }
        // The recovery codes are shown once: no way back from them but "I saved them".
        if (enrollment.phase != EnrollmentPhase.RecoveryCodes) {
            TextButton(onClick = actions.onBackToCredentials, modifier = Modifier.heightIn(min = MinTouch).testTag(AuthTags.ENROLL_BACK)) {
                Text(text(Str.FORGOT_BACK_TO_LOGIN))
            }
        }
    }
}

@Composable
private fun EnrollmentCodeField(
    code: String,
    error: String?,
    enabled: Boolean,
    onChange: (String) -> Unit,
    onDone: () -> Unit,
) {
    PocdexTextField(
        value = code,
        onValueChange = onChange,
        label = text(Str.TWOFA_CODE),
        error = error,
        tag = AuthTags.ENROLL_CODE,
        keyboardType = KeyboardType.Number,
        imeAction = ImeAction.Done,
        onImeAction = onDone,
        enabled = enabled,
        leadingIcon = { Icon(ShieldIcon, contentDescription = null) },
    )
}
