package app.pocdex.core.state

import app.pocdex.core.auth.SessionState
import app.pocdex.core.model.DojoListFilters
import app.pocdex.core.model.Roles
import app.pocdex.core.testing.Answer
import app.pocdex.core.testing.FakeBackend
import app.pocdex.core.testing.Fixtures
import app.pocdex.core.testing.holderScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.advanceUntilIdle
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.junit.jupiter.api.Test
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

@OptIn(ExperimentalCoroutinesApi::class)
class OtherStatesTest {
    private fun TestScope.backend() = FakeBackend(StandardTestDispatcher(testScheduler))

    private val dojo =
        """{"id":"d1","title":"Kata","kata":"","language":"kotlin","rotation_minutes":7,"scheduled_at":"2026-12-07T18:00:00Z","poc_id":null,
           "visibility":"team","invitees":[],"copiloto_may_edit":false,"facilitator":{"id":"u1","name":"Ana"},"status":"scheduled",
           "started_at":null,"ended_at":null,"created_at":"2026-12-06T10:00:00Z","updated_at":"2026-12-06T10:00:00Z","retrospective":{},"can_run":true}"""

    @Test
    fun `dojo list filters by state, starts a dojo, and schedules one with checks`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/dojos") { req -> Answer(200, if (req.query["state"] == listOf("upcoming")) "[$dojo]" else "[]") }
            backend.on("POST /api/v1/dojos/d1/start", Answer(200, dojo.replace("\"scheduled\"", "\"live\"")))
            val list = DojoListStateHolder(holderScope, core.dojos)
            advanceUntilIdle()
            assertEquals(
                listOf("Kata"),
                list.state.value.dojos
                    .map { it.title },
            )
            list.start("d1")
            advanceUntilIdle()
            assertEquals(
                "live",
                list.state.value.started!!
                    .status,
            )
            list.setFilter(DojoListFilters.PAST)
            advanceUntilIdle()
            assertTrue(list.state.value.isEmpty)

            val now = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli()
            backend.on("POST /api/v1/dojos", Answer(201, dojo))
            val schedule = DojoScheduleStateHolder(holderScope, core.dojos, clock = { now })
            schedule.onTitleChange("Kata")
            schedule.onScheduledAtChange("2026-12-01T10:00:00Z")
            schedule.submit()
            assertEquals(
                FieldCodes.REQUIRED,
                schedule.state.value.fieldErrors[DojoFields.LANGUAGE]!!
                    .code,
            )
            assertEquals(
                FieldCodes.INVALID_RANGE,
                schedule.state.value.fieldErrors[DojoFields.SCHEDULED_AT]!!
                    .code,
            )
            schedule.onLanguageChange("kotlin")
            schedule.onScheduledAtChange("2026-12-07T18:00:00Z")
            schedule.submit()
            advanceUntilIdle()
            assertEquals(
                "d1",
                schedule.state.value.created!!
                    .id,
            )
            assertTrue(backend.last("POST /api/v1/dojos")!!.body.contains("\"rotation_minutes\":7"))
        }

    @Test
    fun `a report is requested, polled until it succeeds, and its file opened`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/reports", Answer(200, """{"results":[],"next":null}"""))
            backend.on("GET /api/v1/videos", Answer(200, """{"results":[],"next":null}"""))
            backend.on("POST /api/v1/reports", Answer(202, Fixtures.job("j1", "queued", 0)))
            var polls = 0
            backend.on("GET /api/v1/reports/j1") {
                polls++
                when (polls) {
                    1 -> Answer(200, Fixtures.job("j1", "running", 40))
                    else -> Answer(200, Fixtures.job("j1", "succeeded", 100))
                }
            }
            val now = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli()
            val reports = ReportsStateHolder(holderScope, core.media, language = { "pt-BR" }, clock = { now }, pollIntervalMillis = 1_000)
            advanceUntilIdle()
            assertTrue(reports.state.value.isEmpty)
            assertEquals("2026-12-01", reports.state.value.reportForm.from)
            reports.updateReportForm { it.copy(from = "2026-12-05", to = "2026-12-01") }
            reports.requestReport()
            assertEquals(
                FieldCodes.INVALID_RANGE,
                reports.state.value.fieldErrors["to"]!!
                    .code,
            )
            reports.updateReportForm { it.copy(from = "2026-01-01", to = "2026-12-06") }
            reports.toggleReportFormat("csv")
            reports.requestReport()
            runCurrent()
            assertEquals(
                "queued",
                reports.state.value.jobs
                    .single()
                    .status,
            )
            assertEquals(
                """{"from":"2026-01-01","to":"2026-12-06","scope":"me","language":"pt-br","formats":["csv","pdf"]}""",
                backend.last("POST /api/v1/reports")!!.body,
            )
            advanceTimeBy(1_001)
            assertEquals(
                40,
                reports.state.value.jobs
                    .single()
                    .progress,
            )
            advanceUntilIdle()
            val done =
                reports.state.value.jobs
                    .single()
            assertEquals("succeeded", done.status)
            assertEquals(2, polls, "polling stops once the job finished")
            reports.open(done.files.single())
            assertEquals("http://storage.test/r.pdf", reports.state.value.openUrl)
        }

    @Test
    fun `the year video sends the excluded POCs`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/reports", Answer(200, """{"results":[],"next":null}"""))
            backend.on("GET /api/v1/videos", Answer(200, """{"results":[],"next":null}"""))
            backend.on("POST /api/v1/videos", Answer(202, Fixtures.job("v1", "failed", 0, kind = "video")))
            val reports = ReportsStateHolder(holderScope, core.media, clock = { Instant.parse("2026-12-06T12:00:00Z").toEpochMilli() })
            advanceUntilIdle()
            reports.updateVideoForm { it.copy(year = 2030) }
            reports.requestVideo()
            assertEquals(
                FieldCodes.INVALID_RANGE,
                reports.state.value.fieldErrors["year"]!!
                    .code,
            )
            reports.updateVideoForm { it.copy(year = 2026, format = "square") }
            reports.toggleExcluded("p9")
            reports.requestVideo()
            advanceUntilIdle()
            assertEquals("""{"year":2026,"scope":"me","format":"square","language":"en","exclude":["p9"]}""", backend.last("POST /api/v1/videos")!!.body)
            assertEquals(
                "failed",
                reports.state.value.jobs
                    .single()
                    .status,
            )
        }

    @Test
    fun `members follow the role rules and map the server's refusals`() =
        runTest {
            val backend = backend()
            val core = backend.graph(role = Roles.ADMIN)
            backend.on(
                "GET /api/v1/members",
                Answer(200, "[${Fixtures.member("m1", "u1", "admin")},${Fixtures.member("m2", "u2", "owner")},${Fixtures.member("m3", "u3", "member")}]"),
            )
            backend.on(
                "GET /api/v1/invitations",
                Answer(
                    200,
                    """[{"id":"i1","email":"x@example.com","role":"member","created_at":"","expires_at":""},{"id":"i2","email":"y@example.com","role":"member","accepted_at":"2026-12-01T00:00:00Z"}]""",
                ),
            )
            val members = MembersStateHolder(holderScope, core.organization, myUserId = "u1", myRole = Roles.ADMIN)
            advanceUntilIdle()
            val rows =
                members.state.value.rows
                    .associateBy { it.member.id }
            assertTrue(members.state.value.canManage)
            assertFalse(rows["m2"]!!.canChangeRole, "an admin does not touch an owner")
            assertFalse(rows["m1"]!!.canRemove, "no removing oneself here")
            assertTrue(rows["m3"]!!.canRemove)
            assertEquals(listOf("admin", "member"), members.state.value.inviteRoles)
            assertEquals(
                listOf("i1"),
                members.state.value.invitations
                    .map { it.id },
            )
            backend.on("PATCH /api/v1/members/m3", FakeBackend.error(403, "permission_denied", "No."))
            members.changeRole("m3", "owner")
            advanceUntilIdle()
            assertEquals(0, backend.count("PATCH /api/v1/members/m3"), "owner is not assignable by an admin")
            members.changeRole("m3", "admin")
            advanceUntilIdle()
            assertEquals(
                "permission_denied",
                members.state.value.actionError!!
                    .code,
            )
            backend.on("POST /api/v1/invitations", FakeBackend.error(403, "email_unverified", "Confirm your address first."))
            members.onInviteEmailChange("new@example.com")
            members.invite()
            advanceUntilIdle()
            assertEquals(
                ErrorKind.Forbidden,
                members.state.value.actionError!!
                    .kind,
            )
            backend.on("POST /api/v1/invitations", Answer(201, """{"id":"i3","email":"new@example.com","role":"member","created_at":"","expires_at":""}"""))
            members.invite()
            advanceUntilIdle()
            assertEquals("new@example.com", members.state.value.inviteSentTo)
            assertEquals(
                listOf("i3", "i1"),
                members.state.value.invitations
                    .map { it.id },
            )
            backend.on("DELETE /api/v1/members/m3", Answer(204, ""))
            members.remove("m3")
            advanceUntilIdle()
            assertEquals(
                setOf("m1", "m2"),
                members.state.value.rows
                    .map { it.member.id }
                    .toSet(),
            )

            val plain = MembersStateHolder(holderScope, core.organization, myUserId = "u3", myRole = Roles.MEMBER)
            advanceUntilIdle()
            assertFalse(plain.state.value.canManage)
            assertTrue(
                plain.state.value.rows
                    .none { it.canChangeRole || it.canRemove },
            )
            assertEquals(1, backend.count("GET /api/v1/invitations"), "a member does not ask for invitations")
        }

    @Test
    fun `the last owner can be neither demoted nor removed`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/members", Answer(200, "[${Fixtures.member("m1", "u1", "owner")},${Fixtures.member("m2", "u2", "member")}]"))
            backend.on("GET /api/v1/invitations", Answer(200, "[]"))
            val members = MembersStateHolder(holderScope, core.organization, myUserId = "u1", myRole = Roles.OWNER)
            advanceUntilIdle()
            val me =
                members.state.value.rows
                    .first { it.isMe }
            assertFalse(me.canChangeRole)
            assertEquals(Roles.all, members.state.value.inviteRoles)
        }

    @Test
    fun `profile saves name and language and walks the two-factor setup`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/me", Answer(200, Fixtures.me()))
            backend.on("PATCH /api/v1/me", Answer(200, Fixtures.me().replace("\"locale\":\"en\"", "\"locale\":\"pt-BR\"")))
            backend.on(
                "POST /api/v1/me/totp",
                Answer(200, """{"secret":"JBSWY3DPEHPK3PXP","otpauth_uri":"otpauth://totp/Pocdex:ana?secret=JBSWY3DPEHPK3PXP"}"""),
            )
            backend.on("POST /api/v1/me/totp/confirm") { req ->
                if (req.body.contains("123456")) Answer(200, """{"recovery_codes":["a1","b2"]}""") else FakeBackend.error(400, "otp_invalid", "Wrong code.")
            }
            backend.on("DELETE /api/v1/me/totp", Answer(204, ""))
            var savedLocale: String? = null
            val profile = ProfileStateHolder(holderScope, core.profile, core.auth, onLocaleSaved = { savedLocale = it })
            advanceUntilIdle()
            assertEquals("Ana", profile.state.value.name)
            assertFalse(profile.state.value.dirty)
            profile.onLocaleChange("pt-BR")
            assertTrue(profile.state.value.dirty)
            profile.save()
            advanceUntilIdle()
            assertEquals("pt-BR", savedLocale)
            assertEquals("""{"name":"Ana","locale":"pt-BR"}""", backend.last("PATCH /api/v1/me")!!.body)
            profile.startTwoFactor()
            advanceUntilIdle()
            assertIs<TwoFactorState.Setup>(profile.state.value.twoFactor)
            profile.onTotpCodeChange("000000")
            profile.confirmTwoFactor()
            advanceUntilIdle()
            val retry = assertIs<TwoFactorState.Setup>(profile.state.value.twoFactor)
            assertEquals(ErrorKind.OtpInvalid, retry.error!!.kind)
            profile.onTotpCodeChange("123 456")
            profile.confirmTwoFactor()
            advanceUntilIdle()
            assertEquals(listOf("a1", "b2"), assertIs<TwoFactorState.RecoveryCodes>(profile.state.value.twoFactor).codes)
            profile.acknowledgeRecoveryCodes()
            assertEquals(TwoFactorState.Enabled, profile.state.value.twoFactor)
            profile.disableTwoFactor()
            advanceUntilIdle()
            assertEquals(TwoFactorState.Disabled, profile.state.value.twoFactor)
        }

    @Test
    fun `logout revokes the session on the server and clears it`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/me", Answer(200, Fixtures.me()))
            backend.on("POST /api/v1/auth/logout", Answer(204, ""))
            val profile = ProfileStateHolder(holderScope, core.profile, core.auth)
            advanceUntilIdle()
            profile.logout()
            advanceUntilIdle()
            assertTrue(profile.state.value.loggedOut)
            assertEquals("""{"refresh":"refresh-1"}""", backend.last("POST /api/v1/auth/logout")!!.body)
            assertNull(core.tokenStore.load())
            assertEquals(SessionState.SignedOut(null), core.session.state.value)
        }

    @Test
    fun `push registers the token once, again on a new token, and deletes on unregister`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            var n = 0
            backend.on("POST /api/v1/devices") {
                Answer(
                    if (n++ ==
                        0
                    ) {
                        201
                    } else {
                        200
                    },
                    """{"id":"dev$n","platform":"fcm","token_suffix":"abcdef","locale":"pt-BR","created_at":"","last_seen_at":""}""",
                )
            }
            backend.on("DELETE /api/v1/devices/dev2", Answer(204, ""))
            val push = PushRegistrationStateHolder(holderScope, core.devices, locale = { "pt-BR" }, appVersion = "1.0.0")
            push.onToken("token-1")
            advanceUntilIdle()
            push.onToken("token-1")
            advanceUntilIdle()
            assertEquals(1, backend.count("POST /api/v1/devices"))
            assertEquals(
                """{"platform":"fcm","token":"token-1","locale":"pt-BR","app_version":"1.0.0"}""",
                backend.last("POST /api/v1/devices")!!.body,
            )
            push.onToken("token-2")
            advanceUntilIdle()
            assertEquals("dev2", assertIs<PushUiState.Registered>(push.state.value).device.id)
            push.unregister()
            assertEquals(1, backend.count("DELETE /api/v1/devices/dev2"))
            assertEquals(PushUiState.Idle, push.state.value)
            backend.on("POST /api/v1/devices", FakeBackend.error(400, "validation_error", "Bad token.", """{"token":[{"code":"invalid","message":"Bad."}]}"""))
            push.onToken("zz")
            advanceUntilIdle()
            assertEquals(ErrorKind.Validation, assertIs<PushUiState.Failed>(push.state.value).error.kind)
        }
}
