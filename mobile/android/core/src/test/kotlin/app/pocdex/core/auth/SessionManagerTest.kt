package app.pocdex.core.auth

import app.pocdex.core.CoreGraph
import app.pocdex.core.data.InMemoryOfflineCache
import app.pocdex.core.model.Me
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.SignOutReason
import app.pocdex.core.network.getOrThrow
import app.pocdex.core.testing.Fixtures
import app.pocdex.core.testing.TestJwt
import io.ktor.client.engine.okhttp.OkHttp
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import mockwebserver3.Dispatcher
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import mockwebserver3.RecordedRequest
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The refresh rules of the session against a local server (MockWebServer) with the OkHttp engine. */
class SessionManagerTest {
    private val server = MockWebServer()
    private val now = 1_800_000_000L
    private val refreshes = AtomicInteger()
    private val requests = CopyOnWriteArrayList<RecordedRequest>()

    /** What /api/v1/auth/refresh answers; the default rotates the pair. */
    @Volatile
    private var refreshAnswer: () -> MockResponse = {
        MockResponse
            .Builder()
            .code(200)
            .bodyDelay(150, TimeUnit.MILLISECONDS)
            .body(TestJwt.pairJson(TestJwt.access(now + 3600, id = "fresh"), "refresh-2"))
            .build()
    }

    /** Which access tokens /api/v1/me accepts. */
    @Volatile
    private var accepted: (String) -> Boolean = { token -> AccessClaims.parse(token)?.expiresAt == now + 3600 }

    @BeforeEach
    fun start() {
        server.dispatcher =
            object : Dispatcher() {
                override fun dispatch(request: RecordedRequest): MockResponse {
                    requests += request
                    return when (request.url.encodedPath) {
                        "/api/v1/auth/refresh" -> {
                            refreshes.incrementAndGet()
                            refreshAnswer()
                        }

                        "/api/v1/me" -> {
                            val token = request.headers["Authorization"]?.removePrefix("Bearer ") ?: ""
                            if (accepted(token)) {
                                MockResponse
                                    .Builder()
                                    .code(200)
                                    .body(Fixtures.me())
                                    .build()
                            } else {
                                MockResponse
                                    .Builder()
                                    .code(401)
                                    .body("""{"error":{"code":"token_revoked","message":"Revoked."}}""")
                                    .build()
                            }
                        }

                        else -> {
                            MockResponse
                                .Builder()
                                .code(404)
                                .body("""{"error":{"code":"not_found","message":"No."}}""")
                                .build()
                        }
                    }
                }
            }
        server.start()
    }

    @AfterEach
    fun stop() = server.close()

    private fun graph(session: StoredSession?): CoreGraph =
        CoreGraph(server.url("/").toString(), OkHttp.create(), InMemoryTokenStore(session), InMemoryOfflineCache(), clock = { now * 1000 })

    private fun expiring(secondsLeft: Long) =
        StoredSession(TestJwt.access(now + secondsLeft, id = "old"), "refresh-1", now + secondsLeft, "acme", "ana@example.com")

    @Test
    fun `a token about to expire is refreshed before the call`() =
        runBlocking<Unit> {
            val core = graph(expiring(30))
            val me = core.api.get<Me>("/api/v1/me").getOrThrow()
            assertEquals("Ana", me.name)
            assertEquals(1, refreshes.get())
            assertEquals("""{"refresh":"refresh-1"}""", requests.first { it.url.encodedPath == "/api/v1/auth/refresh" }.body!!.utf8())
            assertEquals("refresh-2", core.tokenStore.load()!!.refresh)
            // The stored expiry comes from the new token's exp claim.
            assertEquals(now + 3600, core.tokenStore.load()!!.accessExpiresAtEpochSeconds)
        }

    @Test
    fun `a fresh token is used as it is`() =
        runBlocking<Unit> {
            val core = graph(expiring(3600))
            core.api.get<Me>("/api/v1/me").getOrThrow()
            assertEquals(0, refreshes.get())
        }

    @Test
    fun `parallel calls with an expired token share exactly one refresh`() =
        runBlocking<Unit> {
            val core = graph(expiring(-5))
            val results = (1..12).map { async(kotlinx.coroutines.Dispatchers.IO) { core.api.get<Me>("/api/v1/me") } }.awaitAll()
            assertTrue(results.all { it is ApiResult.Ok }, results.toString())
            assertEquals(1, refreshes.get())
            assertEquals(1, core.session.refreshCount)
            val usedTokens = requests.filter { it.url.encodedPath == "/api/v1/me" }.map { it.headers["Authorization"] }.toSet()
            assertEquals(1, usedTokens.size, "every call used the one refreshed token")
        }

    @Test
    fun `parallel calls refused with token_revoked share one refresh and retry once each`() =
        runBlocking<Unit> {
            // The stored token is fresh by its exp but revoked by the server.
            accepted = { token -> isFresh(token) }
            refreshAnswer = {
                MockResponse
                    .Builder()
                    .code(200)
                    .bodyDelay(100, TimeUnit.MILLISECONDS)
                    .body(TestJwt.pairJson(TestJwt.access(now + 3600, id = "fresh"), "refresh-2"))
                    .build()
            }
            val core = graph(StoredSession(TestJwt.access(now + 1800, id = "old"), "refresh-1", now + 1800))
            val results = (1..8).map { async(kotlinx.coroutines.Dispatchers.IO) { core.api.get<Me>("/api/v1/me") } }.awaitAll()
            assertTrue(results.all { it is ApiResult.Ok }, results.toString())
            assertEquals(1, refreshes.get())
            // Each call was sent at most twice: with the revoked token, then once with the refreshed one.
            val sent = requests.filter { it.url.encodedPath == "/api/v1/me" }
            assertTrue(sent.size in 9..16, "sent ${sent.size}")
            assertEquals(8, sent.count { isFresh(it.headers["Authorization"]!!.removePrefix("Bearer ")) })
        }

    private fun isFresh(token: String): Boolean = AccessClaims.parse(token)?.expiresAt == now + 3600

    @Test
    fun `a reused refresh token signs out once with the reason and never loops`() =
        runBlocking<Unit> {
            refreshAnswer = {
                MockResponse
                    .Builder()
                    .code(401)
                    .body("""{"error":{"code":"refresh_token_reused","message":"Reused."}}""")
                    .build()
            }
            val core = graph(expiring(-5))
            val event = async { withTimeout(5_000) { core.session.events.first { it is SessionEvent.SignedOut } } }
            kotlinx.coroutines.yield()
            val results = (1..5).map { async(kotlinx.coroutines.Dispatchers.IO) { core.api.get<Me>("/api/v1/me") } }.awaitAll()
            results.forEach { assertEquals(SignOutReason.SessionReused, assertIs<ApiError.SignedOut>(assertIs<ApiResult.Err>(it).error).reason) }
            assertEquals(1, refreshes.get())
            assertEquals(0, requests.count { it.url.encodedPath == "/api/v1/me" })
            assertNull(core.tokenStore.load())
            assertEquals(SessionEvent.SignedOut(SignOutReason.SessionReused), event.await())
            assertEquals(SessionState.SignedOut(SignOutReason.SessionReused), core.session.state.value)
            // A later call does not touch the network again.
            assertIs<ApiError.SignedOut>(assertIs<ApiResult.Err>(core.api.get<Me>("/api/v1/me")).error)
            assertEquals(1, refreshes.get())
        }

    @Test
    fun `a refresh refused after a revoked token ends the session as expired`() =
        runBlocking<Unit> {
            accepted = { false }
            refreshAnswer = {
                MockResponse
                    .Builder()
                    .code(401)
                    .body("""{"error":{"code":"refresh_token_invalid","message":"Ended."}}""")
                    .build()
            }
            val core = graph(expiring(3600))
            val error = assertIs<ApiResult.Err>(core.api.get<Me>("/api/v1/me")).error
            assertEquals(SignOutReason.SessionExpired, assertIs<ApiError.SignedOut>(error).reason)
            assertEquals(1, requests.count { it.url.encodedPath == "/api/v1/me" })
            assertNull(core.tokenStore.load())
        }

    @Test
    fun `a refresh that gets no answer keeps the session`() =
        runBlocking<Unit> {
            refreshAnswer = {
                MockResponse
                    .Builder()
                    .code(502)
                    .body("bad gateway")
                    .build()
            }
            val core = graph(expiring(-5))
            assertIs<ApiError.Server>(assertIs<ApiResult.Err>(core.api.get<Me>("/api/v1/me")).error)
            assertEquals("refresh-1", core.tokenStore.load()!!.refresh)
            assertIs<SessionState.SignedIn>(core.session.state.value)
        }

    @Test
    fun `no stored session answers SignedOut without a request`() =
        runBlocking<Unit> {
            val core = graph(null)
            assertIs<ApiError.SignedOut>(assertIs<ApiResult.Err>(core.api.get<Me>("/api/v1/me")).error)
            assertEquals(0, server.requestCount)
        }
}
