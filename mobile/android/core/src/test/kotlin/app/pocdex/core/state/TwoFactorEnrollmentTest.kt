package app.pocdex.core.state

import app.pocdex.core.auth.SessionState
import app.pocdex.core.testing.Answer
import app.pocdex.core.testing.FakeBackend
import app.pocdex.core.testing.Recorded
import app.pocdex.core.testing.TestJwt
import app.pocdex.core.testing.holderScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.advanceUntilIdle
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The login of a member whose organization requires two-factor and who has it off: the
 * `two_factor_required` answer leads through the public enrollment endpoints, then a login with a
 * fresh code. The fake platform follows accounts' rules (identity/services.py): a login without
 * two-factor answers 403 `two_factor_required`; enrollment answers 409
 * `two_factor_enrollment_not_needed` once two-factor is on; each TOTP code is accepted once, so the
 * code that confirmed cannot log in.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class TwoFactorEnrollmentTest {
    private val pair = TestJwt.pairJson(TestJwt.access(1_800_003_600), "r1")
    private val secret = "JBSWY3DPEHPK3PXP"
    private val uri = "otpauth://totp/Pocdex:bia%40example.com?secret=$secret&issuer=Pocdex"

    private fun TestScope.backend() = FakeBackend(StandardTestDispatcher(testScheduler))

    /** The part of accounts these screens talk to, for one member of "acme" with password "bia-password". */
    private class Platform {
        var totpEnabled = false
        var started = 0

        /** The codes the authenticator app shows now and next (two time steps). */
        val currentCodes = setOf("111111", "222222")
        val spent = mutableSetOf<String>()

        fun field(
            req: Recorded,
            name: String,
        ): String? =
            Json
                .parseToJsonElement(req.body)
                .jsonObject[name]
                ?.jsonPrimitive
                ?.content

        fun credentialsOk(req: Recorded) = field(req, "organization") == "acme" && field(req, "password") == "bia-password"

        fun spend(code: String?): Boolean = code != null && code in currentCodes && spent.add(code)
    }

    private fun FakeBackend.serve(
        platform: Platform,
        pair: String,
    ) {
        val invalidCredentials = FakeBackend.error(401, "invalid_credentials", "Organization, email or password is not correct.")
        on("POST /api/v1/auth/token") { req ->
            val otp = platform.field(req, "otp")
            when {
                !platform.credentialsOk(req) -> invalidCredentials
                platform.totpEnabled && otp == null -> FakeBackend.error(401, "otp_required", "Enter the code from your authenticator app.")
                platform.totpEnabled && !platform.spend(otp) -> FakeBackend.error(401, "otp_invalid", "The code is not valid.")
                platform.totpEnabled -> Answer(200, pair)
                else -> FakeBackend.error(403, "two_factor_required", "This organization requires two-factor authentication.")
            }
        }
        on("POST /api/v1/auth/totp-enrollment") { req ->
            when {
                !platform.credentialsOk(req) -> {
                    invalidCredentials
                }

                platform.totpEnabled -> {
                    FakeBackend.error(409, "two_factor_enrollment_not_needed", "Log in, then manage two-factor authentication from your account.")
                }

                else -> {
                    platform.started++
                    Answer(200, """{"secret":"$secret","otpauth_uri":"$uri"}""")
                }
            }
        }
        on("POST /api/v1/auth/totp-enrollment/confirm") { req ->
            when {
                !platform.credentialsOk(req) -> {
                    invalidCredentials
                }

                platform.totpEnabled -> {
                    FakeBackend.error(409, "two_factor_enrollment_not_needed", "Log in, then manage two-factor authentication from your account.")
                }

                !platform.spend(platform.field(req, "code")) -> {
                    FakeBackend.error(
                        400,
                        "otp_invalid",
                        "The code is not valid.",
                        """{"code":[{"code":"otp_invalid","message":"The code is not valid."}]}""",
                    )
                }

                else -> {
                    platform.totpEnabled = true
                    Answer(200, """{"recovery_codes":["a1b2c3-d4e5f6","0a0b0c-1d1e1f"]}""")
                }
            }
        }
    }

    private fun TestScope.typedLogin(holder: LoginStateHolder): LoginStateHolder {
        holder.onOrganizationChange(" ACME ")
        holder.onEmailChange("bia@example.com")
        holder.onPasswordChange("bia-password")
        holder.submit()
        advanceUntilIdle()
        return holder
    }

    @Test
    fun `a member the rule keeps out turns two-factor on, saves the codes and logs in with a fresh code`() =
        runTest {
            val backend = backend()
            val platform = Platform()
            backend.serve(platform, pair)
            val core = backend.graph(signedIn = false)
            val login = typedLogin(LoginStateHolder(holderScope, core.auth))

            // The login's 403 opens the enrollment with the platform's reason; nothing started yet.
            assertEquals(LoginStep.Enrollment, login.state.value.step)
            val required = assertNotNull(login.state.value.enrollment)
            assertEquals(EnrollmentPhase.Required, required.phase)
            assertEquals("This organization requires two-factor authentication.", required.reason)
            assertNull(login.state.value.error)
            assertFalse(login.state.value.signedIn)
            assertEquals(0, backend.count("POST /api/v1/auth/totp-enrollment"))

            // (a) Started with the credentials already typed.
            login.startEnrollment()
            assertTrue(login.state.value.submitting)
            advanceUntilIdle()
            val setup = assertNotNull(login.state.value.enrollment)
            assertEquals(EnrollmentPhase.Setup, setup.phase)
            assertEquals(secret, setup.secret)
            assertEquals(uri, setup.otpauthUri)
            assertFalse(login.state.value.submitting)
            assertEquals(
                """{"organization":"acme","email":"bia@example.com","password":"bia-password"}""",
                backend.last("POST /api/v1/auth/totp-enrollment")!!.body,
            )
            assertNull(backend.last("POST /api/v1/auth/totp-enrollment")!!.authorization)

            // (c) The first code confirms; (d) the recovery codes, once.
            login.onEnrollmentCodeChange("111 111")
            login.confirmEnrollment()
            assertTrue(login.state.value.submitting)
            advanceUntilIdle()
            val codes = assertNotNull(login.state.value.enrollment)
            assertEquals(EnrollmentPhase.RecoveryCodes, codes.phase)
            assertEquals(listOf("a1b2c3-d4e5f6", "0a0b0c-1d1e1f"), codes.recoveryCodes)
            assertEquals("", codes.secret)
            assertTrue(platform.totpEnabled)
            assertEquals(
                """{"organization":"acme","email":"bia@example.com","password":"bia-password","code":"111111"}""",
                backend.last("POST /api/v1/auth/totp-enrollment/confirm")!!.body,
            )
            // No tokens yet: enrollment signs nobody in.
            assertFalse(core.session.state.value is SessionState.SignedIn)

            login.acknowledgeRecoveryCodes()
            val loginPhase = assertNotNull(login.state.value.enrollment)
            assertEquals(EnrollmentPhase.Login, loginPhase.phase)
            assertEquals(emptyList(), loginPhase.recoveryCodes)

            // (e) The confirming code is spent: the platform refuses it, the person types the next one.
            login.onEnrollmentCodeChange("111111")
            login.submitEnrollmentLogin()
            advanceUntilIdle()
            assertEquals(
                ErrorKind.OtpInvalid,
                login.state.value.error
                    ?.kind,
            )
            assertEquals(
                EnrollmentPhase.Login,
                login.state.value.enrollment
                    ?.phase,
            )
            assertEquals(
                "",
                login.state.value.enrollment
                    ?.code,
            )
            assertFalse(login.state.value.signedIn)

            login.onEnrollmentCodeChange("222222")
            assertNull(login.state.value.error)
            login.submitEnrollmentLogin()
            advanceUntilIdle()
            assertTrue(login.state.value.signedIn)
            assertEquals("", login.state.value.password)
            assertNull(login.state.value.enrollment)
            assertTrue(backend.last("POST /api/v1/auth/token")!!.body.contains("\"otp\":\"222222\""))
            assertIs<SessionState.SignedIn>(core.session.state.value)
            assertEquals(1, platform.started)
            assertEquals(3, backend.count("POST /api/v1/auth/token"))
        }

    @Test
    fun `a wrong code stays on the setup with the error, and the code field takes six ascii digits only`() =
        runTest {
            val backend = backend()
            val platform = Platform()
            backend.serve(platform, pair)
            val core = backend.graph(signedIn = false)
            val login = typedLogin(LoginStateHolder(holderScope, core.auth))
            login.startEnrollment()
            advanceUntilIdle()

            // Letters, spaces and non-ASCII digits (which the platform refuses) are dropped; six at most.
            login.onEnrollmentCodeChange("12a 3\u0663456 78")
            assertEquals(
                "123456",
                login.state.value.enrollment
                    ?.code,
            )

            // Short or empty codes are checked here, without a request.
            login.onEnrollmentCodeChange("123")
            login.confirmEnrollment()
            assertEquals(
                FieldCodes.OTP_LENGTH,
                login.state.value.fieldErrors[LoginStateHolder.ENROLLMENT_CODE]
                    ?.code,
            )
            login.onEnrollmentCodeChange("")
            assertNull(login.state.value.fieldErrors[LoginStateHolder.ENROLLMENT_CODE])
            login.confirmEnrollment()
            assertEquals(
                FieldCodes.REQUIRED,
                login.state.value.fieldErrors[LoginStateHolder.ENROLLMENT_CODE]
                    ?.code,
            )
            assertEquals(0, backend.count("POST /api/v1/auth/totp-enrollment/confirm"))

            login.onEnrollmentCodeChange("999999")
            login.confirmEnrollment()
            advanceUntilIdle()
            val error = assertNotNull(login.state.value.error)
            assertEquals(ErrorKind.OtpInvalid, error.kind)
            assertEquals("otp_invalid", error.code)
            assertEquals("The code is not valid.", error.message)
            assertEquals(
                EnrollmentPhase.Setup,
                login.state.value.enrollment
                    ?.phase,
            )
            assertEquals(
                secret,
                login.state.value.enrollment
                    ?.secret,
            )
            assertEquals(
                "",
                login.state.value.enrollment
                    ?.code,
            )
            assertFalse(login.state.value.submitting)
            assertFalse(platform.totpEnabled)

            // The right code then goes on.
            login.onEnrollmentCodeChange("222222")
            login.confirmEnrollment()
            advanceUntilIdle()
            assertEquals(
                EnrollmentPhase.RecoveryCodes,
                login.state.value.enrollment
                    ?.phase,
            )
        }

    @Test
    fun `an enrollment the platform no longer needs goes back to the form with its message`() =
        runTest {
            val backend = backend()
            val platform = Platform()
            backend.serve(platform, pair)
            val core = backend.graph(signedIn = false)
            val login = typedLogin(LoginStateHolder(holderScope, core.auth))
            // Meanwhile two-factor was turned on elsewhere.
            platform.totpEnabled = true
            login.startEnrollment()
            advanceUntilIdle()
            assertEquals(LoginStep.Credentials, login.state.value.step)
            assertNull(login.state.value.enrollment)
            val error = assertNotNull(login.state.value.error)
            assertEquals(ErrorKind.Conflict, error.kind)
            assertEquals("two_factor_enrollment_not_needed", error.code)
            assertEquals("Log in, then manage two-factor authentication from your account.", error.message)
            // What was typed stays: logging in again now asks for the code.
            assertEquals("bia-password", login.state.value.password)
            login.submit()
            advanceUntilIdle()
            assertEquals(LoginStep.Otp, login.state.value.step)
        }

    @Test
    fun `a throttled enrollment stays on its part with the error, and trying again goes on`() =
        runTest {
            val backend = backend()
            val platform = Platform()
            backend.serve(platform, pair)
            val core = backend.graph(signedIn = false)
            val login = typedLogin(LoginStateHolder(holderScope, core.auth))
            backend.on(
                "POST /api/v1/auth/totp-enrollment",
                FakeBackend.error(429, "throttled", "Too many attempts. Try again in 60 seconds.", headers = mapOf("Retry-After" to "60")),
            )
            login.startEnrollment()
            advanceUntilIdle()
            val error = assertNotNull(login.state.value.error)
            assertEquals(ErrorKind.Throttled, error.kind)
            assertEquals("Too many attempts. Try again in 60 seconds.", error.message)
            assertEquals(LoginStep.Enrollment, login.state.value.step)
            assertEquals(
                EnrollmentPhase.Required,
                login.state.value.enrollment
                    ?.phase,
            )
            assertFalse(login.state.value.submitting)

            backend.serve(platform, pair)
            login.startEnrollment()
            advanceUntilIdle()
            assertNull(login.state.value.error)
            assertEquals(
                EnrollmentPhase.Setup,
                login.state.value.enrollment
                    ?.phase,
            )

            // A throttled confirmation keeps the key on screen; the code is typed again.
            backend.on("POST /api/v1/auth/totp-enrollment/confirm", FakeBackend.error(429, "throttled", "Too many attempts."))
            login.onEnrollmentCodeChange("111111")
            login.confirmEnrollment()
            advanceUntilIdle()
            assertEquals(
                ErrorKind.Throttled,
                login.state.value.error
                    ?.kind,
            )
            assertEquals(
                EnrollmentPhase.Setup,
                login.state.value.enrollment
                    ?.phase,
            )
            assertEquals(
                secret,
                login.state.value.enrollment
                    ?.secret,
            )
            assertEquals(
                "",
                login.state.value.enrollment
                    ?.code,
            )
        }

    @Test
    fun `back returns to the form, and an answer arriving afterwards does not reopen the enrollment`() =
        runTest {
            val backend = backend()
            val platform = Platform()
            backend.serve(platform, pair)
            val core = backend.graph(signedIn = false)
            val login = typedLogin(LoginStateHolder(holderScope, core.auth))
            login.startEnrollment()
            advanceUntilIdle()
            login.onEnrollmentCodeChange("123")
            login.confirmEnrollment()
            assertTrue(
                login.state.value.fieldErrors
                    .containsKey(LoginStateHolder.ENROLLMENT_CODE),
            )
            login.backToCredentials()
            assertEquals(LoginStep.Credentials, login.state.value.step)
            assertNull(login.state.value.enrollment)
            assertTrue(
                login.state.value.fieldErrors
                    .isEmpty(),
            )
            assertEquals("acme", login.state.value.organization)
            assertEquals("bia-password", login.state.value.password)

            // Again, and back while the start is still on its way.
            login.submit()
            advanceUntilIdle()
            backend.on("POST /api/v1/auth/totp-enrollment", Answer(200, """{"secret":"$secret","otpauth_uri":"$uri"}""", delayMillis = 5_000))
            login.startEnrollment()
            login.backToCredentials()
            advanceUntilIdle()
            assertEquals(LoginStep.Credentials, login.state.value.step)
            assertNull(login.state.value.enrollment)
            assertFalse(login.state.value.submitting)
            assertNull(login.state.value.error)
        }
}
