package app.pocdex.core.state

import app.pocdex.core.auth.SessionState
import app.pocdex.core.network.SignOutReason
import app.pocdex.core.testing.Answer
import app.pocdex.core.testing.FakeBackend
import app.pocdex.core.testing.TestJwt
import app.pocdex.core.testing.holderScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.advanceUntilIdle
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

@OptIn(ExperimentalCoroutinesApi::class)
class AuthStatesTest {
    private val pair = TestJwt.pairJson(TestJwt.access(1_800_003_600), "r1")

    private fun TestScope.backend() = FakeBackend(StandardTestDispatcher(testScheduler))

    @Test
    fun `login asks for the TOTP step, then signs in with the code`() =
        runTest {
            val backend = backend()
            val core = backend.graph(signedIn = false)
            backend.on("POST /api/v1/auth/token") { req ->
                if (req.body.contains("\"otp\"")) Answer(200, pair) else FakeBackend.error(401, "otp_required", "Code needed.")
            }
            val login = LoginStateHolder(holderScope, core.auth, signedOutReason = SignOutReason.SessionReused)
            assertEquals(SignOutReason.SessionReused, login.state.value.signedOutReason)
            login.onOrganizationChange(" ACME ")
            login.onEmailChange("ana@example.com")
            login.onPasswordChange("secret-pass")
            login.submit()
            assertTrue(login.state.value.submitting)
            advanceUntilIdle()
            assertEquals(LoginStep.Otp, login.state.value.step)
            assertFalse(login.state.value.signedIn)
            assertNull(login.state.value.signedOutReason)
            login.onOtpChange("123 456")
            login.submit()
            advanceUntilIdle()
            assertTrue(login.state.value.signedIn)
            assertEquals("", login.state.value.password)
            assertTrue(backend.last("POST /api/v1/auth/token")!!.body.contains("\"organization\":\"acme\""))
            assertTrue(backend.last("POST /api/v1/auth/token")!!.body.contains("\"otp\":\"123456\""))
            assertIs<SessionState.SignedIn>(core.session.state.value)
        }

    @Test
    fun `wrong credentials are an error and empty fields are checked locally`() =
        runTest {
            val backend = backend()
            val core = backend.graph(signedIn = false)
            val login = LoginStateHolder(holderScope, core.auth)
            login.submit()
            assertEquals(setOf("organization", "email", "password"), login.state.value.fieldErrors.keys)
            assertEquals(0, backend.requests.size)
            backend.on("POST /api/v1/auth/token", FakeBackend.error(401, "invalid_credentials", "Wrong."))
            login.onOrganizationChange("acme")
            login.onEmailChange("ana@example.com")
            login.onPasswordChange("x")
            login.submit()
            advanceUntilIdle()
            assertEquals(
                ErrorKind.InvalidCredentials,
                login.state.value.error!!
                    .kind,
            )
            assertEquals(
                "Wrong.",
                login.state.value.error!!
                    .message,
            )
            assertFalse(login.state.value.submitting)
        }

    @Test
    fun `signup derives the slug, maps server field errors, then verifies the email`() =
        runTest {
            val backend = backend()
            val core = backend.graph(signedIn = false)
            val signup = SignupStateHolder(holderScope, core.auth)
            signup.onOrganizationNameChange("Ação Labs 2026")
            assertEquals("acao-labs-2026", signup.state.value.organizationSlug)
            signup.onOwnerNameChange("Ana")
            signup.onEmailChange("ana@example.com")
            signup.onPasswordChange("short")
            signup.submit()
            assertEquals(
                FieldCodes.TOO_SHORT,
                signup.state.value.fieldErrors["password"]!!
                    .code,
            )
            signup.onPasswordChange("long-enough-password")
            backend.on(
                "POST /api/v1/signup",
                FakeBackend.error(400, "validation_error", "Invalid.", """{"organization_slug":[{"code":"slug_taken","message":"Taken."}]}"""),
            )
            signup.submit()
            advanceUntilIdle()
            assertEquals(
                "slug_taken",
                signup.state.value.fieldErrors["organization_slug"]!!
                    .code,
            )
            assertEquals(SignupStep.Form, signup.state.value.step)
            signup.onSlugChange("acao-labs")
            backend.on(
                "POST /api/v1/signup",
                Answer(
                    201,
                    """{"organization":{"id":"o1","slug":"acao-labs","name":"Ação Labs 2026","status":"provisioning","plan":"free"},
                       "user":{"id":"u1","name":"Ana","email":"ana@example.com"},"role":"owner","tokens":$pair}""",
                ),
            )
            signup.submit()
            advanceUntilIdle()
            assertEquals(SignupStep.VerifyEmail, signup.state.value.step)
            assertEquals(
                "acao-labs",
                signup.state.value.organization!!
                    .slug,
            )
            assertIs<SessionState.SignedIn>(core.session.state.value)
            backend.on("POST /api/v1/auth/verify-email", FakeBackend.error(400, "token_invalid", "Bad code."))
            signup.onVerificationCodeChange("nope")
            signup.submitVerificationCode()
            advanceUntilIdle()
            assertEquals(
                "token_invalid",
                signup.state.value.error!!
                    .code,
            )
            backend.on("POST /api/v1/auth/verify-email", Answer(204, ""))
            signup.onVerificationCodeChange("good-code")
            signup.submitVerificationCode()
            advanceUntilIdle()
            assertEquals(SignupStep.Done, signup.state.value.step)
            assertEquals("""{"token":"good-code"}""", backend.last("POST /api/v1/auth/verify-email")!!.body)
        }

    @Test
    fun `signup with an address that has an account says a mail was sent`() =
        runTest {
            val backend = backend()
            val core = backend.graph(signedIn = false)
            backend.on("POST /api/v1/signup", Answer(202, """{"status":"mail_sent"}"""))
            val signup = SignupStateHolder(holderScope, core.auth)
            signup.onOrganizationNameChange("Acme")
            signup.onOwnerNameChange("Ana")
            signup.onEmailChange("ana@example.com")
            signup.onPasswordChange("long-enough-password")
            signup.submit()
            advanceUntilIdle()
            assertEquals(SignupStep.MailSent, signup.state.value.step)
            assertIs<SessionState.SignedOut>(core.session.restore())
        }

    @Test
    fun `forgot password mails, then resets with the code`() =
        runTest {
            val backend = backend()
            val core = backend.graph(signedIn = false)
            backend.on("POST /api/v1/auth/password-reset", Answer(202, ""))
            backend.on("POST /api/v1/auth/password-reset/confirm", Answer(204, ""))
            val forgot = ForgotPasswordStateHolder(holderScope, core.auth)
            forgot.onEmailChange("not-an-email")
            forgot.requestMail()
            assertEquals(
                FieldCodes.INVALID_EMAIL,
                forgot.state.value.fieldErrors["email"]!!
                    .code,
            )
            forgot.onEmailChange("ana@example.com")
            forgot.requestMail()
            advanceUntilIdle()
            assertEquals(ForgotPasswordStep.Code, forgot.state.value.step)
            forgot.onCodeChange("code-1")
            forgot.onNewPasswordChange("a-new-password")
            forgot.reset()
            advanceUntilIdle()
            assertEquals(ForgotPasswordStep.Done, forgot.state.value.step)
            assertEquals("""{"token":"code-1","new_password":"a-new-password"}""", backend.last("POST /api/v1/auth/password-reset/confirm")!!.body)
            val fromLink = ForgotPasswordStateHolder(holderScope, core.auth, token = "link-token")
            assertEquals(ForgotPasswordStep.Code, fromLink.state.value.step)
            assertEquals("link-token", fromLink.state.value.code)
        }

    @Test
    fun `accepting an invitation from a deep link asks for the code when needed and signs in`() =
        runTest {
            val backend = backend()
            val core = backend.graph(signedIn = false)
            val link = assertIs<DeepLink.Invitation>(DeepLink.parse("pocdex://invite?token=inv%2Btoken"))
            assertEquals("inv+token", link.token)
            backend.on("POST /api/v1/invitations/accept") { req ->
                if (req.body.contains("\"otp\"")) {
                    Answer(
                        200,
                        """{"organization":{"id":"o2","slug":"beta","name":"Beta","status":"active","plan":"free"},"role":"member","created_user":false,"tokens":$pair}""",
                    )
                } else {
                    FakeBackend.error(401, "otp_required", "Code needed.")
                }
            }
            val accept = AcceptInvitationStateHolder(holderScope, core.auth, link)
            accept.accept()
            assertEquals(
                FieldCodes.REQUIRED,
                accept.state.value.fieldErrors["password"]!!
                    .code,
            )
            accept.onPasswordChange("my-password")
            accept.accept()
            advanceUntilIdle()
            assertTrue(accept.state.value.needsOtp)
            assertNull(accept.state.value.error)
            accept.onOtpChange("654321")
            accept.accept()
            advanceUntilIdle()
            assertTrue(accept.state.value.accepted)
            assertEquals(
                "beta",
                accept.state.value.organization!!
                    .slug,
            )
            assertTrue(backend.last("POST /api/v1/invitations/accept")!!.body.contains("\"token\":\"inv+token\""))
        }

    @Test
    fun `deep links in the custom scheme and the mailed https forms`() {
        assertEquals(DeepLink.Invitation("abc"), DeepLink.parse("https://pocdex.app/invitations/accept?token=abc"))
        assertEquals(DeepLink.VerifyEmail("v1"), DeepLink.parse("http://localhost:8000/verify-email?token=v1"))
        assertEquals(DeepLink.ResetPassword("r1"), DeepLink.parse("pocdex://reset-password?token=r1"))
        assertEquals(DeepLink.Invitation("x"), DeepLink.parse("pocdex://invite?foo=1&token=x"))
        assertNull(DeepLink.parse("pocdex://invite"))
        assertNull(DeepLink.parse("pocdex://invite?token="))
        assertNull(DeepLink.parse("https://evil.example/other?token=abc"))
        assertNull(DeepLink.parse("ftp://x/invite?token=abc"))
        assertNull(DeepLink.parse("not a link"))
    }
}
