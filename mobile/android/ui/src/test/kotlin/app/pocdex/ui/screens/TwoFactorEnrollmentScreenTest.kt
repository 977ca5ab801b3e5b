package app.pocdex.ui.screens

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalUriHandler
import androidx.compose.ui.platform.UriHandler
import androidx.compose.ui.test.assertContentDescriptionContains
import androidx.compose.ui.test.assertContentDescriptionEquals
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import app.pocdex.core.network.FieldError
import app.pocdex.core.state.EnrollmentPhase
import app.pocdex.core.state.EnrollmentUiState
import app.pocdex.core.state.ErrorKind
import app.pocdex.core.state.FieldCodes
import app.pocdex.core.state.LoginStateHolder
import app.pocdex.core.state.LoginStep
import app.pocdex.core.state.LoginUiState
import app.pocdex.core.state.UiError
import app.pocdex.ui.components.TwoFactorTags
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.bothLanguages
import app.pocdex.ui.support.invoke
import app.pocdex.ui.support.show
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized
import kotlin.test.assertEquals

/** The login's two-factor enrollment, part by part, in both languages. */
@RunWith(Parameterized::class)
class TwoFactorEnrollmentScreenTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()

        const val SECRET = "JBSWY3DPEHPK3PXP"
        const val URI = "otpauth://totp/Pocdex:bia%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Pocdex"
    }

    @get:Rule val rule = createComposeRule()

    private val base = LoginUiState(organization = "lab-agil", email = "bia@example.com", password = "uma-senha", step = LoginStep.Enrollment)

    private fun LoginUiState.withCode(code: String) = copy(enrollment = enrollment!!.copy(code = code))

    @Test fun theRequiredPartSaysWhyThenStartsOrGoesBack() {
        var state by mutableStateOf(base.copy(enrollment = EnrollmentUiState(reason = "This organization requires two-factor authentication.")))
        val events = mutableListOf<String>()
        rule.show(s) { LoginScreen(state, LoginActions(onStartEnrollment = { events += "start" }, onBackToCredentials = { events += "back" })) }
        rule.onNodeWithText(s(Str.ENROLL_TITLE)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.ENROLL_REQUIRED_MESSAGE)).assertIsDisplayed()
        rule.onNodeWithText("This organization requires two-factor authentication.").assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.SUBMIT).assertDoesNotExist()
        rule.onNodeWithTag(AuthTags.ENROLL_START).performClick()
        rule.onNodeWithTag(AuthTags.ENROLL_BACK).performScrollTo().performClick()
        assertEquals(listOf("start", "back"), events)

        // Loading, then the platform's own message for an error it explains (a suspended organization).
        state = state.copy(submitting = true)
        rule.onNodeWithTag(AuthTags.ENROLL_START).assertContentDescriptionContains(s(Str.LOADING))
        state = state.copy(submitting = false, error = UiError(ErrorKind.Forbidden, "tenant_suspended", "This organization is suspended."))
        rule.onNodeWithText("This organization is suspended.").assertIsDisplayed()
        state = state.copy(error = UiError(ErrorKind.Throttled, "throttled", "Too many attempts."))
        rule.onNodeWithText(s(Str.ERR_THROTTLED)).assertIsDisplayed()
    }

    @Test fun theSetupShowsTheKeyAndTheLinkThenTakesTheCode() {
        var state by mutableStateOf(base.copy(enrollment = EnrollmentUiState(EnrollmentPhase.Setup, secret = SECRET, otpauthUri = URI)))
        val opened = mutableListOf<String>()
        var confirmed = 0
        rule.show(s) {
            CompositionLocalProvider(LocalUriHandler provides RecordingUriHandler(opened)) {
                LoginScreen(
                    state,
                    LoginActions(onEnrollmentCodeChange = { state = state.withCode(it) }, onConfirmEnrollment = { confirmed++ }),
                )
            }
        }
        rule.onNodeWithText(s(Str.ENROLL_SETUP_MESSAGE)).assertIsDisplayed()
        rule.onNodeWithText(s.format(Str.TWOFA_SECRET, "JBSW Y3DP EHPK 3PXP")).assertIsDisplayed()
        // TalkBack spells the key out instead of reading it as a word.
        rule.onNodeWithTag(TwoFactorTags.SECRET).assertContentDescriptionEquals(s.format(Str.TWOFA_SECRET_A11Y, "J B S W Y 3 D P E H P K 3 P X P"))
        rule.onNodeWithTag(TwoFactorTags.LINK).assertTextContains(URI, substring = true)
        rule.onNodeWithTag(AuthTags.ENROLL_CONFIRM).assertIsNotEnabled()

        rule.onNodeWithTag(TwoFactorTags.OPEN_APP).performScrollTo().performClick()
        assertEquals(listOf(URI), opened)
        rule.onNodeWithTag(TwoFactorTags.NO_APP).assertDoesNotExist()

        rule.onNodeWithTag(AuthTags.ENROLL_CODE).performScrollTo().performTextInput("123456")
        assertEquals("123456", state.enrollment?.code)
        rule
            .onNodeWithTag(AuthTags.ENROLL_CONFIRM)
            .performScrollTo()
            .assertIsEnabled()
            .performClick()
        assertEquals(1, confirmed)

        // The field's own check, and the platform's refusal.
        state = state.copy(fieldErrors = mapOf(LoginStateHolder.ENROLLMENT_CODE to FieldError(FieldCodes.OTP_LENGTH, "")))
        rule.onNodeWithTag("${AuthTags.ENROLL_CODE}.error", useUnmergedTree = true).assertExists()
        rule.onNodeWithText(s(Str.FIELD_OTP_LENGTH), useUnmergedTree = true).assertExists()
        state = state.copy(fieldErrors = emptyMap(), error = UiError(ErrorKind.OtpInvalid, "otp_invalid", "The code is not valid."))
        rule.onNodeWithText(s(Str.ERR_OTP_INVALID)).performScrollTo().assertIsDisplayed()

        // While confirming, the field is locked and the button says it is working.
        state = state.copy(error = null, submitting = true)
        rule.onNodeWithTag(AuthTags.ENROLL_CODE).assertIsNotEnabled()
        rule.onNodeWithTag(AuthTags.ENROLL_CONFIRM).assertContentDescriptionContains(s(Str.LOADING))
    }

    @Test fun whenNoAppTakesTheLinkItSaysToTypeTheKey() {
        val state = base.copy(enrollment = EnrollmentUiState(EnrollmentPhase.Setup, secret = SECRET, otpauthUri = URI))
        rule.show(s) {
            CompositionLocalProvider(LocalUriHandler provides RecordingUriHandler(mutableListOf(), fail = true)) {
                LoginScreen(state, LoginActions())
            }
        }
        rule.onNodeWithTag(TwoFactorTags.OPEN_APP).performScrollTo().performClick()
        rule.onNodeWithTag(TwoFactorTags.NO_APP).performScrollTo().assertIsDisplayed()
        rule.onNodeWithText(s(Str.TWOFA_NO_APP)).assertIsDisplayed()
    }

    @Test fun theRecoveryCodesShowOnceWithNoWayBackButISavedThem() {
        var saved = 0
        val codes = listOf("a1b2c3-d4e5f6", "0a0b0c-1d1e1f")
        rule.show(s) {
            LoginScreen(
                base.copy(enrollment = EnrollmentUiState(EnrollmentPhase.RecoveryCodes, recoveryCodes = codes)),
                LoginActions(onRecoveryCodesSaved = { saved++ }),
            )
        }
        rule.onNodeWithText(s(Str.ENROLL_RECOVERY_TITLE)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.ENROLL_RECOVERY_MESSAGE)).assertIsDisplayed()
        codes.forEach { rule.onNodeWithTag("${AuthTags.ENROLL_RECOVERY}.$it").performScrollTo().assertIsDisplayed() }
        rule.onNodeWithTag(AuthTags.ENROLL_BACK).assertDoesNotExist()
        rule.onNodeWithText(s(Str.ENROLL_RECOVERY_SAVED)).performScrollTo().performClick()
        assertEquals(1, saved)
    }

    @Test fun theLoginAsksForTheNextCodeAndCanGoBack() {
        var state by mutableStateOf(base.copy(enrollment = EnrollmentUiState(EnrollmentPhase.Login)))
        var submitted = 0
        var back = 0
        rule.show(s) {
            LoginScreen(
                state,
                LoginActions(
                    onEnrollmentCodeChange = { state = state.withCode(it) },
                    onEnrollmentLogin = { submitted++ },
                    onBackToCredentials = { back++ },
                ),
            )
        }
        rule.onNodeWithText(s(Str.ENROLL_LOGIN_TITLE)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.ENROLL_LOGIN_MESSAGE)).assertIsDisplayed()
        rule.onNodeWithTag(TwoFactorTags.SECRET).assertDoesNotExist()
        rule.onNodeWithTag(AuthTags.ENROLL_LOGIN).assertIsNotEnabled()
        rule.onNodeWithTag(AuthTags.ENROLL_CODE).performTextInput("654321")
        rule.onNodeWithTag(AuthTags.ENROLL_LOGIN).performScrollTo().performClick()
        rule.onNodeWithTag(AuthTags.ENROLL_BACK).performScrollTo().performClick()
        assertEquals("654321", state.enrollment?.code)
        assertEquals(1, submitted)
        assertEquals(1, back)
        state = state.copy(error = UiError(ErrorKind.OtpInvalid, "otp_invalid", "The code is not valid."))
        rule.onNodeWithText(s(Str.ERR_OTP_INVALID)).assertIsDisplayed()
    }

    private class RecordingUriHandler(
        val opened: MutableList<String>,
        val fail: Boolean = false,
    ) : UriHandler {
        override fun openUri(uri: String) {
            // What Android's handler does when no app takes otpauth:// links.
            if (fail) throw IllegalStateException("No Activity found to handle $uri")
            opened += uri
        }
    }
}
