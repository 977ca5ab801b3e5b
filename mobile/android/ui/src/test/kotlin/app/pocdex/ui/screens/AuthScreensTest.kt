package app.pocdex.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import app.pocdex.core.model.OrganizationRef
import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import app.pocdex.core.state.AcceptInvitationUiState
import app.pocdex.core.state.ErrorKind
import app.pocdex.core.state.FieldCodes
import app.pocdex.core.state.ForgotPasswordStep
import app.pocdex.core.state.ForgotPasswordUiState
import app.pocdex.core.state.LoginStep
import app.pocdex.core.state.LoginUiState
import app.pocdex.core.state.SignupStep
import app.pocdex.core.state.SignupUiState
import app.pocdex.core.state.UiError
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

@RunWith(Parameterized::class)
class AuthScreensTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()
    }

    @get:Rule val rule = createComposeRule()

    @Test fun loginTypesIntoEachFieldAndSubmits() {
        var state by mutableStateOf(LoginUiState())
        var submitted = 0
        rule.show(s) {
            LoginScreen(
                state,
                LoginActions(
                    onOrganizationChange = { state = state.copy(organization = it) },
                    onEmailChange = { state = state.copy(email = it) },
                    onPasswordChange = { state = state.copy(password = it) },
                    onSubmit = { submitted++ },
                ),
            )
        }
        rule.onNodeWithText(s(Str.LOGIN_TITLE)).assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.SUBMIT).assertIsNotEnabled()
        rule.onNodeWithTag(AuthTags.ORGANIZATION).performTextInput("lab-agil")
        rule.onNodeWithTag(AuthTags.EMAIL).performTextInput("ana@example.com")
        rule.onNodeWithTag(AuthTags.PASSWORD).performTextInput("uma-senha-bem-longa")
        rule.onNodeWithTag(AuthTags.SUBMIT).performClick()
        assertEquals("lab-agil", state.organization)
        assertEquals("ana@example.com", state.email)
        assertEquals("uma-senha-bem-longa", state.password)
        assertEquals(1, submitted)
    }

    @Test fun loginShowsTheRevokedSessionMessageAndFieldErrors() {
        val state =
            LoginUiState(
                signedOutReason = SignOutReason.SessionReused,
                fieldErrors = mapOf("email" to FieldError(FieldCodes.INVALID_EMAIL, "")),
                error = UiError(ErrorKind.InvalidCredentials, "invalid_credentials"),
            )
        rule.show(s) { LoginScreen(state, LoginActions()) }
        rule.onNodeWithText(s(Str.SIGNED_OUT_REUSED)).assertIsDisplayed()
        rule.onNodeWithText(s(Str.ERR_INVALID_CREDENTIALS)).assertIsDisplayed()
        rule.onNodeWithTag("${AuthTags.EMAIL}.error", useUnmergedTree = true).assertIsDisplayed()
        rule.onNodeWithText(s(Str.FIELD_INVALID_EMAIL)).assertIsDisplayed()
    }

    @Test fun loginOtpStepTakesTheCodeAndCanGoBack() {
        var state by mutableStateOf(LoginUiState(organization = "lab", email = "a@b.co", password = "x", step = LoginStep.Otp))
        var back = 0
        var submitted = 0
        rule.show(s) {
            LoginScreen(
                state,
                LoginActions(onOtpChange = { state = state.copy(otp = it) }, onSubmit = { submitted++ }, onBackToCredentials = { back++ }),
            )
        }
        rule.onNodeWithText(s(Str.LOGIN_OTP_TITLE)).assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.OTP).performTextInput("123456")
        rule.onNodeWithTag(AuthTags.SUBMIT).performClick()
        rule.onNodeWithText(s(Str.LOGIN_OTP_BACK)).performClick()
        assertEquals("123456", state.otp)
        assertEquals(1, submitted)
        assertEquals(1, back)
    }

    @Test fun signupFormShowsServerFieldErrorsOnTheRightFields() {
        var state by mutableStateOf(
            SignupUiState(
                fieldErrors = mapOf("organization_slug" to FieldError("unique", "This address is taken.")),
                error = UiError(ErrorKind.Validation, "validation_error"),
            ),
        )
        var submitted = 0
        rule.show(s) {
            SignupScreen(
                state,
                SignupActions(
                    onOrganizationNameChange = { state = state.copy(organizationName = it) },
                    onOwnerNameChange = { state = state.copy(ownerName = it) },
                    onLocaleChange = { state = state.copy(locale = it) },
                    onSubmit = { submitted++ },
                ),
            )
        }
        rule.onNodeWithTag("${AuthTags.SIGNUP_SLUG}.error", useUnmergedTree = true).assertIsDisplayed()
        rule.onNodeWithText("This address is taken.").assertIsDisplayed()
        rule.onNodeWithText(s(Str.ERR_VALIDATION)).assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.SIGNUP_ORG_NAME).performTextInput("Laboratório Ágil")
        rule.onNodeWithTag(AuthTags.SIGNUP_OWNER).performTextInput("Ana")
        rule.onNodeWithTag("signup.locale.pt").performScrollTo().performClick()
        rule.onNodeWithTag(AuthTags.SIGNUP_SUBMIT).performScrollTo().performClick()
        assertEquals("Laboratório Ágil", state.organizationName)
        assertEquals("pt-BR", state.locale)
        assertEquals(1, submitted)
    }

    @Test fun signupVerifyStepSendsTheCodeOrSkips() {
        var state by mutableStateOf(SignupUiState(step = SignupStep.VerifyEmail, email = "ana@example.com"))
        var sent = 0
        var skipped = 0
        rule.show(s) {
            SignupScreen(
                state,
                SignupActions(onCodeChange = { state = state.copy(verificationCode = it) }, onSubmitCode = { sent++ }, onSkipVerification = { skipped++ }),
            )
        }
        rule.onNodeWithText(s.format(Str.SIGNUP_VERIFY_MESSAGE, "ana@example.com")).assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.SIGNUP_CODE).performTextInput("ABC123")
        rule.onNodeWithTag(AuthTags.SIGNUP_SUBMIT).performClick()
        rule.onNodeWithText(s(Str.SIGNUP_VERIFY_LATER)).performClick()
        assertEquals("ABC123", state.verificationCode)
        assertEquals(1, sent)
        assertEquals(1, skipped)
    }

    @Test fun forgotPasswordRequestsTheMailThenResets() {
        var state by mutableStateOf(ForgotPasswordUiState())
        var mails = 0
        var resets = 0
        rule.show(s) {
            ForgotPasswordScreen(
                state,
                ForgotPasswordActions(
                    onEmailChange = { state = state.copy(email = it) },
                    onRequestMail = {
                        mails++
                        state = state.copy(step = ForgotPasswordStep.Code)
                    },
                    onCodeChange = { state = state.copy(code = it) },
                    onNewPasswordChange = { state = state.copy(newPassword = it) },
                    onReset = { resets++ },
                ),
            )
        }
        rule.onNodeWithTag(AuthTags.FORGOT_EMAIL).performTextInput("ana@example.com")
        rule.onNodeWithTag(AuthTags.FORGOT_SUBMIT).performClick()
        rule.onNodeWithText(s.format(Str.FORGOT_CODE_MESSAGE, "ana@example.com")).assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.FORGOT_CODE).performTextInput("reset-code")
        rule.onNodeWithTag(AuthTags.FORGOT_PASSWORD).performTextInput("nova-senha-longa")
        rule.onNodeWithTag(AuthTags.FORGOT_SUBMIT).performClick()
        assertEquals(1, mails)
        assertEquals(1, resets)
        assertEquals("reset-code", state.code)
        assertEquals("nova-senha-longa", state.newPassword)
    }

    @Test fun acceptInvitationAsksForTheOtpWhenNeededAndShowsTheResult() {
        var state by mutableStateOf(AcceptInvitationUiState(token = "tok", needsOtp = true))
        var accepted = 0
        rule.show(s) {
            AcceptInvitationScreen(
                state,
                AcceptInvitationActions(
                    onNameChange = { state = state.copy(name = it) },
                    onPasswordChange = { state = state.copy(password = it) },
                    onOtpChange = { state = state.copy(otp = it) },
                    onAccept = { accepted++ },
                ),
            )
        }
        rule.onNodeWithText(s(Str.INVITE_OTP_MESSAGE)).assertIsDisplayed()
        rule.onNodeWithTag(AuthTags.INVITE_NAME).performTextInput("Bia")
        rule.onNodeWithTag(AuthTags.INVITE_PASSWORD).performTextInput("outra-senha")
        rule.onNodeWithTag(AuthTags.INVITE_OTP).performTextInput("654321")
        rule.onNodeWithTag(AuthTags.INVITE_SUBMIT).performClick()
        assertEquals(1, accepted)
        assertEquals("654321", state.otp)
        state = state.copy(organization = OrganizationRef("1", "lab", "Lab Ágil"), role = "member")
        rule.onNodeWithText(s.format(Str.INVITE_ACCEPTED, "Lab Ágil", s(Str.ROLE_MEMBER))).assertIsDisplayed()
    }

    @Test fun acceptInvitationWithoutATokenSaysTheLinkIsBroken() {
        rule.show(s) { AcceptInvitationScreen(AcceptInvitationUiState(token = ""), AcceptInvitationActions()) }
        rule.onNodeWithText(s(Str.INVITE_INVALID)).assertIsDisplayed()
    }
}
