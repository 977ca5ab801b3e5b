package app.pocdex.core.e2e

import app.pocdex.core.CoreGraph
import app.pocdex.core.auth.InMemoryTokenStore
import app.pocdex.core.auth.SessionState
import app.pocdex.core.data.InMemoryOfflineCache
import app.pocdex.core.model.Locales
import app.pocdex.core.model.PocInput
import app.pocdex.core.model.Roles
import app.pocdex.core.model.SearchQuery
import app.pocdex.core.network.ApiClient
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.getOrThrow
import app.pocdex.core.state.AcceptInvitationStateHolder
import app.pocdex.core.state.DeepLink
import app.pocdex.core.state.DeletionState
import app.pocdex.core.state.LoginStateHolder
import app.pocdex.core.state.MembersStateHolder
import app.pocdex.core.state.PocDetailStateHolder
import app.pocdex.core.state.PocEditorStateHolder
import app.pocdex.core.state.PocListStateHolder
import app.pocdex.core.state.ReportsStateHolder
import app.pocdex.core.state.SearchStateHolder
import app.pocdex.core.state.SignupStateHolder
import app.pocdex.core.state.SignupStep
import app.pocdex.core.state.UploadPhase
import io.ktor.client.engine.okhttp.OkHttp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.UUID
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The app's journey through the real core against the running platform (gateway and mail catcher):
 * sign up and verify the address with the mailed code, log in, create two POCs, attach a file through
 * the presigned URL, find a POC with a typo, delete and undo, invite a member who accepts from the
 * link, request a report and download it; another organization cannot read the POC. Also measures
 * keystroke-to-results through the search state holder (target/bench/android-search.json).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppJourneyTest {
    private val gatewayUrl = setting("pocdex.gateway.url", "POCDEX_GATEWAY_URL", "http://127.0.0.1:8000")
    private val mailUrl = setting("pocdex.mail.url", "POCDEX_MAIL_URL", "http://127.0.0.1:8025")
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val suffix =
        UUID
            .randomUUID()
            .toString()
            .replace("-", "")
            .take(10)
    private val password = "journey-password-2026"
    private val mail = ApiClient(mailUrl, OkHttp.create())

    private fun core(language: String = Locales.EN) =
        CoreGraph(gatewayUrl, OkHttp.create(), InMemoryTokenStore(), InMemoryOfflineCache(), language = { language })

    @AfterAll
    fun stop() {
        scope.cancel()
        mail.close()
    }

    @Test
    fun `the whole journey through the real core`() =
        runBlocking<Unit> {
            val health = mail.execute(io.ktor.http.HttpMethod.Get, "$gatewayUrl/healthz/accounts", emptyList(), null, auth = false)
            if (health !is ApiResult.Ok) fail("the platform is not reachable at $gatewayUrl: $health")

            // Sign up an organization and verify the owner's address with the mailed code.
            val owner = core(Locales.PT_BR)
            val email = "ana-$suffix@example.com"
            val signup = SignupStateHolder(scope, owner.auth, Locales.PT_BR)
            signup.onOrganizationNameChange("Jornada $suffix")
            signup.onOwnerNameChange("Ana Android")
            signup.onEmailChange(email)
            signup.onPasswordChange(password)
            signup.submit()
            val verify = signup.state.awaitState("signup") { !it.submitting && (it.step != SignupStep.Form || it.error != null) }
            assertEquals(SignupStep.VerifyEmail, verify.step, "signup: ${verify.error} ${verify.fieldErrors}")
            val slug = verify.organization!!.slug
            assertEquals("jornada-$suffix", slug)
            signup.onVerificationCodeChange(codeFromMail(email))
            signup.submitVerificationCode()
            assertEquals(SignupStep.Done, signup.state.awaitState("verify") { !it.submitting && (it.step == SignupStep.Done || it.error != null) }.step)

            // Log out, then log in again through the login screen's holder.
            owner.auth.logout()
            assertEquals(SessionState.SignedOut(null), owner.session.state.value)
            val login = LoginStateHolder(scope, owner.auth)
            login.onOrganizationChange(slug)
            login.onEmailChange(email)
            login.onPasswordChange(password)
            login.submit()
            val signedIn = login.state.awaitState("login") { !it.submitting && (it.signedIn || it.error != null) }
            assertTrue(signedIn.signedIn, "login: ${signedIn.error}")
            val claims = assertIs<SessionState.SignedIn>(owner.session.state.value).claims
            assertEquals(Roles.OWNER, claims.role)

            // Two POCs: one through the editor's holder, one through the repository.
            val editor = PocEditorStateHolder(scope, owner.pocs)
            editor.edit { it.copy(name = "Quadro Kanban em tempo real $suffix", summary = "Colaboração ao vivo", hypothesis = "CRDT basta") }
            editor.addLanguage("kotlin")
            editor.addTag("mobile")
            editor.save()
            val saved = editor.state.awaitState("create") { !it.saving && (it.saved != null || it.error != null) }
            val kanban = saved.saved ?: fail("create: ${saved.error} ${saved.fieldErrors}")
            val sync =
                owner.pocs
                    .create(
                        PocInput(name = "Motor de sincronização offline $suffix", summary = "Fila local", languages = listOf("kotlin")),
                    ).getOrThrow()
            val list = PocListStateHolder(scope, owner.pocs)
            val listed = list.state.awaitState("list") { !it.loading }
            assertEquals(setOf(kanban.id, sync.id), listed.items.map { it.id }.toSet())

            // An attachment through the presigned URL, with progress, then opened.
            val detail = PocDetailStateHolder(scope, kanban.id, owner.pocs, owner.attachments)
            detail.state.awaitState("detail") { !it.loading && it.poc != null }
            val content = ("notas da POC $suffix\n").repeat(5_000).toByteArray()
            detail.upload("notas.txt", "text/plain", content.size.toLong()) { content.inputStream() }
            val uploaded = detail.state.awaitState("upload") { s -> s.uploads.any { it.phase == UploadPhase.Done || it.phase == UploadPhase.Failed } }
            assertEquals(UploadPhase.Done, uploaded.uploads.single().phase, "upload: ${uploaded.uploads.single().error}")
            val attachment = uploaded.attachments.single()
            assertEquals("ready", attachment.state)
            detail.openAttachment(attachment.id)
            val url = detail.state.awaitState("open") { it.openUrl != null }.openUrl!!
            assertTrue(
                owner.media
                    .download(url)
                    .getOrThrow()
                    .contentEquals(content),
            )

            // Delete, then undo inside the window.
            detail.delete()
            detail.state.awaitState("delete") { it.deletion is DeletionState.Undoable }
            assertIs<ApiError.Http>((owner.pocs.get(kanban.id) as ApiResult.Err).error)
            detail.undoDelete()
            detail.state.awaitState("undo") { it.deletion == DeletionState.None }
            assertEquals(
                kanban.name,
                owner.pocs
                    .get(kanban.id)
                    .getOrThrow()
                    .name,
            )

            // Find the POC with a typo once it is indexed (bounded), then through the search holder.
            val typo = "kamban $suffix"
            eventually("typo search") {
                owner.search
                    .search(SearchQuery(text = typo))
                    .getOrThrow()
                    .results
                    .any { it.id == kanban.id }
            }
            val search = SearchStateHolder(scope, owner.search)
            search.onQueryChange(typo)
            val found = search.state.awaitState("search") { it.resultsFor?.text == typo && !it.loading }
            assertTrue(found.results.any { it.id == kanban.id }, "results: ${found.results.map { it.name }} ${found.error}")
            benchmarkSearch(search, listOf("kanban $suffix", "kamban $suffix", "sincronização $suffix", "offline $suffix", "tempo real $suffix"))

            // Another organization's token cannot read this one's POC, nor find it.
            val other = core()
            val otherEmail = "outsider-$suffix@example.com"
            other.auth
                .signup(
                    app.pocdex.core.model
                        .SignupRequest("Outsider $suffix", "outsider-$suffix", "Otto", otherEmail, password, Locales.EN),
                ).getOrThrow()
            val refused = assertIs<ApiError.Http>((other.pocs.get(kanban.id) as ApiResult.Err).error)
            assertEquals(404, refused.status)
            eventually("outsider search answers") { other.search.search(SearchQuery(text = "kanban $suffix")) is ApiResult.Ok }
            assertTrue(
                other.search
                    .search(SearchQuery(text = "kanban $suffix"))
                    .getOrThrow()
                    .results
                    .none { it.id == kanban.id },
            )
            assertTrue(
                other.pocs
                    .list()
                    .getOrThrow()
                    .results
                    .isEmpty(),
            )

            // Invite a member, who accepts from the mailed link.
            val members = MembersStateHolder(scope, owner.organization, myUserId = claims.subject, myRole = claims.role)
            members.state.awaitState("members") { !it.loading }
            val bob = "bia-$suffix@example.com"
            members.onInviteEmailChange(bob)
            members.invite()
            val invited = members.state.awaitState("invite") { !it.inviting && (it.inviteSentTo != null || it.actionError != null) }
            assertEquals(bob, invited.inviteSentTo, "invite: ${invited.actionError} ${invited.fieldErrors}")
            val link = DeepLink.parse("pocdex://invite?token=" + java.net.URLEncoder.encode(codeFromMail(bob), Charsets.UTF_8))
            val invitee = core()
            val accept = AcceptInvitationStateHolder(scope, invitee.auth, assertIs<DeepLink.Invitation>(link))
            accept.onNameChange("Bia Backend")
            accept.onPasswordChange(password)
            accept.accept()
            val accepted = accept.state.awaitState("accept") { !it.submitting && (it.accepted || it.error != null) }
            assertTrue(accepted.accepted, "accept: ${accepted.error} ${accepted.fieldErrors}")
            assertEquals(Roles.MEMBER, accepted.role)
            assertEquals(
                kanban.name,
                invitee.pocs
                    .get(kanban.id)
                    .getOrThrow()
                    .name,
            )
            members.refresh()
            val after = members.state.awaitState("members again") { !it.loading && it.rows.size == 2 }
            assertTrue(after.rows.first { it.member.user.email == bob }.canRemove)
            val memberView = MembersStateHolder(scope, invitee.organization, myUserId = invitee.session.claims!!.subject, myRole = Roles.MEMBER)
            assertTrue(
                memberView.state
                    .awaitState("member view") { !it.loading }
                    .rows
                    .none { it.canChangeRole },
            )

            // A report of this month, polled until it is ready, then downloaded.
            val reports = ReportsStateHolder(scope, owner.media, owner.pocs, language = { Locales.PT_BR }, pollIntervalMillis = 500, maxPolls = 240)
            reports.state.awaitState("reports") { !it.loading }
            val today = LocalDate.now(ZoneOffset.UTC)
            reports.updateReportForm { it.copy(from = today.minusDays(30).toString(), to = today.toString()) }
            reports.requestReport()
            val finished =
                reports.state.awaitState("report", timeoutMillis = 150_000) { s ->
                    s.actionError != null || (s.jobs.isNotEmpty() && s.jobs.first().isFinished)
                }
            val job = finished.jobs.firstOrNull() ?: fail("report: ${finished.actionError}")
            assertEquals("succeeded", job.status, "report job: ${job.error}")
            assertEquals(100, job.progress)
            val pdf = job.files.first { it.format == "pdf" }
            val bytes = owner.media.download(pdf.url).getOrThrow()
            assertEquals("%PDF", bytes.copyOfRange(0, 4).decodeToString())
            assertEquals(pdf.size, bytes.size.toLong())
            // The other organization does not see this job.
            assertIs<ApiError.Http>((other.media.report(job.id) as ApiResult.Err).error)
        }

    /** Keystroke-to-results: from the last query change into the holder to its results state, debounce included. */
    private suspend fun benchmarkSearch(
        search: SearchStateHolder,
        queries: List<String>,
    ) {
        val samples = mutableListOf<Double>()
        repeat(50) { i ->
            val base = queries[i % queries.size]
            // Type the last two characters as separate keystrokes; the clock starts at the last one.
            search.onQueryChange(base.dropLast(2))
            search.onQueryChange(base.dropLast(1))
            val text =
                if (search.state.value.resultsFor
                        ?.text == base
                ) {
                    "$base "
                } else {
                    base
                }
            val started = System.nanoTime()
            search.onQueryChange(text)
            search.state.awaitState("bench $i") { it.resultsFor?.text == text && !it.loading }
            samples += (System.nanoTime() - started) / 1_000_000.0
        }
        samples.sort()

        fun pct(p: Double) = samples[((samples.size - 1) * p).toInt()]
        val dir = File(System.getProperty("pocdex.bench.dir") ?: "target/bench").apply { mkdirs() }
        File(dir, "android-search.json").writeText(
            """{"benchmark":"android keystroke to search results","samples":${samples.size},""" +
                """"debounce_ms":${SearchStateHolder.DEFAULT_DEBOUNCE_MILLIS},"load_1m":"${loadAverage()}",""" +
                """"p50_ms":${"%.1f".format(java.util.Locale.ROOT, pct(0.50))},"p95_ms":${"%.1f".format(java.util.Locale.ROOT, pct(0.95))},""" +
                """"max_ms":${"%.1f".format(java.util.Locale.ROOT, samples.last())},"goal_ms":150,"gateway":"$gatewayUrl"}""" + "\n",
        )
    }

    private fun loadAverage(): String = runCatching { File("/proc/loadavg").readText().substringBefore(' ') }.getOrDefault("")

    private suspend fun codeFromMail(to: String): String {
        var code: String? = null
        eventually("mail to $to") {
            val messages = mail.get<JsonElement>("/api/messages", listOf("to" to to), auth = false)
            val text =
                ((messages as? ApiResult.Ok)?.value as? JsonArray)
                    ?.firstOrNull()
                    ?.jsonObject
                    ?.get("text")
                    ?.jsonPrimitive
                    ?.contentOrNull
            val lines = text?.lines()?.map { it.trim() }.orEmpty()
            code =
                lines.indices
                    .firstOrNull { i ->
                        i + 1 < lines.size && lines[i].endsWith(":") && (lines[i].lowercase().contains("code") || lines[i].lowercase().contains("código"))
                    }?.let { lines[it + 1] }
            code != null
        }
        return code!!
    }

    /** Polls [check] until it holds, within a generous deadline. */
    private suspend fun eventually(
        what: String,
        timeoutMillis: Long = 60_000,
        check: suspend () -> Boolean,
    ) {
        val deadline = System.nanoTime() + timeoutMillis * 1_000_000
        while (!check()) {
            if (System.nanoTime() > deadline) fail("$what did not happen within $timeoutMillis ms")
            delay(250)
        }
    }

    private suspend fun <S> StateFlow<S>.awaitState(
        what: String,
        timeoutMillis: Long = 60_000,
        predicate: (S) -> Boolean,
    ): S =
        try {
            withTimeout(timeoutMillis) { first(predicate) }
        } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
            fail("$what: state did not arrive within $timeoutMillis ms; last state $value")
        }

    private fun setting(
        property: String,
        env: String,
        default: String,
    ): String = (System.getProperty(property)?.takeIf { it.isNotBlank() } ?: System.getenv(env)?.takeIf { it.isNotBlank() } ?: default).trimEnd('/')
}
