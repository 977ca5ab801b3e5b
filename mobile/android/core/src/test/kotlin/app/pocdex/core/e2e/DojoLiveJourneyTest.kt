package app.pocdex.core.e2e

import app.pocdex.core.dojo.Backoff
import app.pocdex.core.dojo.ConnectionState
import app.pocdex.core.dojo.DojoPhase
import app.pocdex.core.dojo.DojoRole
import app.pocdex.core.dojo.EndReason
import app.pocdex.core.dojo.LiveDojoStateHolder
import app.pocdex.core.dojo.LiveDojoUiState
import app.pocdex.core.dojo.OkHttpDojoTransport
import app.pocdex.core.dojo.ReplayStateHolder
import app.pocdex.core.dojo.TestStatus
import app.pocdex.core.ot.CodePoints
import app.pocdex.core.ot.TextOperation
import app.pocdex.core.ot.TextOperationBuilder
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.io.File
import java.time.Instant
import kotlin.random.Random
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The live dojo through the running gateway with the real session, OT client and OkHttp
 * transport: two members of one organization edit concurrently, lose their sockets mid-edits,
 * reconnect and converge on the server's replay; another organization gets no ticket; and the
 * edit-to-remote latency benchmark.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DojoLiveJourneyTest {
    private val gateway = DojoTestGateway()
    private lateinit var organization: DojoTestGateway.Organization
    private lateinit var bia: DojoTestGateway.Member
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val transport = OkHttpDojoTransport(gateway.http)

    @BeforeAll
    fun organizationWithTwoMembers() {
        organization = gateway.signup(language = "pt-BR")
        bia = gateway.inviteMember(organization, "Bia Backend")
    }

    @AfterAll
    fun stop() = scope.cancel()

    /** Tickets taken per holder: one per (re)connection. */
    private val tickets = java.util.concurrent.ConcurrentHashMap<LiveDojoStateHolder, java.util.concurrent.atomic.AtomicInteger>()

    private fun client(
        member: DojoTestGateway.Member,
        dojoId: String,
        language: String,
    ): LiveDojoStateHolder {
        val count =
            java.util.concurrent.atomic
                .AtomicInteger()
        val holder = holder(member, dojoId, language, count)
        tickets[holder] = count
        return holder
    }

    private fun holder(
        member: DojoTestGateway.Member,
        dojoId: String,
        language: String,
        count: java.util.concurrent.atomic.AtomicInteger,
    ) = LiveDojoStateHolder(
        scope = scope,
        dojoId = dojoId,
        gatewayUrl = gateway.base,
        ticketUrl = {
            count.incrementAndGet()
            gateway.ticketUrl(member, dojoId, language)
        },
        transport = transport,
        backoff = Backoff(initialMs = 50, maxMs = 1_000),
    )

    private suspend fun StateFlow<LiveDojoUiState>.until(
        what: String,
        timeoutMs: Long = 60_000,
        condition: (LiveDojoUiState) -> Boolean,
    ): LiveDojoUiState =
        try {
            withTimeout(timeoutMs) { first(condition) }
        } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
            throw AssertionError("timed out waiting for $what; state: $value", e)
        }

    /** Both clients live, nothing pending, same revision (past [after]) and document. */
    private suspend fun converged(
        a: LiveDojoStateHolder,
        b: LiveDojoStateHolder,
        after: Int = -1,
    ): Pair<LiveDojoUiState, LiveDojoUiState> {
        val both =
            try {
                withTimeout(90_000) {
                    combine(a.uiState, b.uiState) { x, y -> x to y }.first { (x, y) ->
                        x.isLive && y.isLive && !x.hasPendingEdits && !y.hasPendingEdits &&
                            x.revision == y.revision && x.revision > after && x.document == y.document
                    }
                }
            } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
                throw AssertionError("no convergence: A=${a.uiState.value} B=${b.uiState.value}", e)
            }
        return both
    }

    /** Pace the load: wait (bounded) until [condition] holds for the two clients' states. */
    private suspend fun either(
        a: LiveDojoStateHolder,
        b: LiveDojoStateHolder,
        condition: (LiveDojoUiState, LiveDojoUiState) -> Boolean,
    ) {
        try {
            withTimeout(60_000) { combine(a.uiState, b.uiState) { x, y -> condition(x, y) }.first { it } }
        } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
            throw AssertionError("stuck: A=${a.uiState.value} B=${b.uiState.value}", e)
        }
    }

    private suspend fun startedPair(title: String): Triple<String, LiveDojoStateHolder, LiveDojoStateHolder> {
        val dojoId = gateway.createDojo(organization.owner.access, title)
        val a = client(organization.owner, dojoId, "pt-BR")
        a.uiState.until("A live") { it.isLive }
        val b = client(bia, dojoId, "en")
        b.uiState.until("B live") { it.isLive }
        gateway.startDojo(organization.owner.access, dojoId)
        a.uiState.until("A may edit") { it.phase == DojoPhase.LIVE && it.canEdit }
        b.uiState.until("B may edit") { it.phase == DojoPhase.LIVE && it.canEdit }
        return Triple(dojoId, a, b)
    }

    private val alphabet = listOf("a", "b", "z", "ç", "ã", "😀", "e\u0301", "\n", "🇧🇷", " ", "\r\n", "{}")

    /** A random insert or delete at a random place of [document] (code points). */
    private fun randomEdit(
        random: Random,
        document: String,
    ): TextOperation {
        val length = CodePoints.length(document)
        val position = random.nextInt(length + 1)
        return if (length > 0 && position < length && random.nextDouble() < 0.35) {
            val count = random.nextInt(1, minOf(4, length - position) + 1)
            TextOperationBuilder()
                .retain(position)
                .delete(count)
                .retain(length - position - count)
                .build()
        } else {
            val text = (1..random.nextInt(1, 4)).joinToString("") { alphabet[random.nextInt(alphabet.size)] }
            TextOperationBuilder()
                .retain(position)
                .insert(text)
                .retain(length - position)
                .build()
        }
    }

    /** Insert [marker] at a random boundary between markers (never inside one) of [document]. */
    private fun markerEdit(
        random: Random,
        document: String,
        marker: String,
    ): TextOperation {
        val points = CodePoints.of(document)
        val boundaries = listOf(0) + points.indices.filter { points[it] == '»'.code }.map { it + 1 }
        val position = boundaries[random.nextInt(boundaries.size)]
        return TextOperationBuilder()
            .retain(position)
            .insert(marker)
            .retain(points.size - position)
            .build()
    }

    @Test
    fun `two members edit concurrently, lose their sockets mid-edits, reconnect and converge on the replay`() =
        runBlocking {
            val seed = System.getProperty("pocdex.dojo.seed")?.toLongOrNull() ?: System.nanoTime()
            val random = Random(seed)
            val (dojoId, a, b) = startedPair("Concorrência")
            assertEquals(setOf(DojoRole.PILOTO, DojoRole.COPILOTO), setOf(a.uiState.value.myRole, b.uiState.value.myRole))

            // 1. Random inserts and deletes at random places, both sides at once.
            // Even rounds wait until both are synchronized (two operations in flight at once, made
            // on the same revision); odd rounds do not (edits pile up in the buffers and compose).
            repeat(80) { round ->
                val before = maxOf(a.uiState.value.revision, b.uiState.value.revision)
                a.onEdit { randomEdit(random, it) }
                b.onEdit { randomEdit(random, it) }
                if (round % 2 == 0) converged(a, b, after = before)
            }
            val (afterRandom, _) = converged(a, b)
            assertTrue(afterRandom.revision >= 40, "seed $seed: the edits were sequenced (revision ${afterRandom.revision})")

            // 2. Unique markers (inserts only) while each client's socket is killed mid-edits.
            val markers = ArrayList<String>()
            for (round in 1..40) {
                val ma = "«A$round»"
                val mb = "«B$round»"
                markers += ma
                markers += mb
                a.onEdit { markerEdit(random, it, ma) }
                b.onEdit { markerEdit(random, it, mb) }
                if (round == 10) {
                    a.session.dropConnection() // A's edits continue while it is away
                    a.uiState.until("A notices the drop") { it.connection is ConnectionState.Reconnecting }
                }
                if (round == 25) {
                    b.session.dropConnection()
                    b.uiState.until("B notices the drop") { it.connection is ConnectionState.Reconnecting }
                }
                if (round == 12) a.uiState.until("A reconnects") { it.isLive }
                either(a, b) { x, y -> !x.hasPendingEdits || !y.hasPendingEdits || !x.isLive || !y.isLive }
            }
            val (finalA, finalB) = converged(a, b)

            assertEquals(2, tickets.getValue(a).get(), "A reconnected once, with a fresh ticket")
            assertEquals(2, tickets.getValue(b).get(), "B reconnected once, with a fresh ticket")
            // Every marker exactly once: nothing acknowledged lost, nothing applied twice.
            for (marker in markers) {
                val count = finalA.document.windowed(marker.length).count { it == marker }
                assertEquals(1, count, "seed $seed: $marker once in ${finalA.document}")
            }
            // The server's replay, applied from the empty document, is what both clients show.
            val (page, events) = gateway.allEvents(organization.owner.access, dojoId)
            var replayed = ""
            val ids = ArrayList<Pair<String, String>>()
            for (event in events.filter { it.type() == "op" }) {
                replayed = TextOperation.fromJson(event.getValue("op")).apply(replayed)
                ids += event
                    .getValue("actor")
                    .jsonObject
                    .getValue("id")
                    .jsonPrimitive.content to event.getValue("id").jsonPrimitive.content
            }
            assertEquals(page.document, replayed, "seed $seed: the replay reproduces the server's document")
            assertEquals(page.document, finalA.document)
            assertEquals(page.document, finalB.document)
            assertEquals(page.revision, finalA.revision)
            assertEquals(ids.size, ids.toSet().size, "no operation id was sequenced twice")

            // Chat and test status travel too, in both languages' sessions.
            val piloto = if (finalA.myRole == DojoRole.PILOTO) a else b
            b.onSendChat("Vamos para o verde?")
            piloto.onTestStatus(TestStatus.GREEN)
            a.uiState.until("chat and green at A") { s ->
                s.chat.any { it.text == "Vamos para o verde?" } && s.testStatus == TestStatus.GREEN
            }

            // The replay holder steps through the same events to the same code.
            val replay = ReplayStateHolder(scope, dojoId, { after -> gateway.replayPage(organization.owner.access, dojoId, after) })
            val loaded = withTimeout(30_000) { replay.uiState.first { !it.loading } }
            assertEquals(null, loaded.error)
            replay.seekTo(loaded.totalEvents)
            val end = withTimeout(10_000) { replay.uiState.first { it.atEnd && it.totalEvents > 0 } }
            assertEquals(page.document, end.document)
            assertEquals(TestStatus.GREEN, end.testStatus)

            a.onLeave()
            b.onLeave()
            assertIs<ConnectionState.Ended>(a.uiState.until("A left") { it.isEnded }.connection)
            b.uiState.until("B left") { it.isEnded }
            Unit
        }

    @Test
    fun `a member of another organization gets no ticket and cannot read the dojo`() {
        val dojoId = gateway.createDojo(organization.owner.access, "Só nossa")
        val outsider = gateway.signup()
        assertEquals(404, gateway.call("POST", "/api/v1/dojos/$dojoId/ticket", token = outsider.owner.access).status)
        assertEquals(404, gateway.call("GET", "/api/v1/dojos/$dojoId", token = outsider.owner.access).status)
        assertEquals(404, gateway.call("GET", "/api/v1/dojos/$dojoId/replay", token = outsider.owner.access).status)
        // The session ends with NOT_FOUND instead of retrying.
        val session = client(outsider.owner, dojoId, "en")
        runBlocking {
            val ended = session.uiState.until("the outsider's session ends") { it.isEnded }
            assertEquals(ConnectionState.Ended(EndReason.NOT_FOUND, null), ended.connection)
        }
        // A member's ticket works.
        assertEquals(201, gateway.call("POST", "/api/v1/dojos/$dojoId/ticket", token = bia.access).status)
    }

    @Test
    fun `a member removed from the organization while connected is told so and does not reconnect`() =
        runBlocking {
            val caio = gateway.inviteMember(organization, "Caio Cliente")
            val dojoId = gateway.createDojo(organization.owner.access, "Remoção")
            val session = client(caio, dojoId, "pt-BR")
            session.uiState.until("Caio live") { it.isLive }
            gateway.removeMember(organization, caio.email)
            val ended = assertIs<ConnectionState.Ended>(session.uiState.until("Caio's session ends") { it.isEnded }.connection)
            // The removal ends the person's tokens too, and which close reaches the socket first
            // is the server's race: membership_revoked (4410) ends the session at once; token_revoked
            // makes it renew the token for one new ticket, the renewal is refused (a removed member
            // cannot refresh) and the person is sent to log in again. Never a reconnection loop.
            assertTrue(
                ended.reason == EndReason.ACCESS_REMOVED || ended.reason == EndReason.SIGNED_OUT,
                "ended with ${ended.reason}",
            )
            assertTrue(tickets.getValue(session).get() <= 2, "at most one retry: ${tickets.getValue(session).get()} tickets")
            // And the removed member gets no ticket any more.
            assertTrue(gateway.call("POST", "/api/v1/dojos/$dojoId/ticket", token = caio.access).status in setOf(401, 403))
            assertFalse(session.uiState.value.canEdit)
        }

    @Test
    fun `benchmark - an edit in one client appears in the other (200 edits through the gateway)`() =
        runBlocking {
            val (_, a, b) = startedPair("Latência")
            val writer = if (a.uiState.value.myRole == DojoRole.PILOTO) a else b
            val reader = if (writer === a) b else a
            val samples = ArrayList<Double>()
            repeat(220) { i ->
                val target = writer.uiState.value.revision + 1
                val started = System.nanoTime()
                writer.onEdit { doc -> TextOperationBuilder().retain(CodePoints.length(doc)).insert("x$i\n").build() }
                reader.uiState.until("edit $i at the reader", 30_000) { it.revision >= target }
                val elapsed = (System.nanoTime() - started) / 1_000_000.0
                writer.uiState.until("edit $i acknowledged", 30_000) { !it.hasPendingEdits && it.revision >= target }
                if (i >= 20) samples += elapsed // the first 20 warm up connections and code paths
                // Pacing, not waiting: at most 40 edits a second keeps the writer under the
                // server's 50 frames/s per socket (a refused frame would end the run).
                val spentMs = (System.nanoTime() - started) / 1_000_000
                if (spentMs < 25) delay(25 - spentMs)
            }
            assertEquals(200, samples.size)
            assertEquals(writer.uiState.value.document, reader.uiState.value.document)
            writeBenchmark(samples)
            a.onLeave()
            b.onLeave()
        }

    private fun writeBenchmark(samples: List<Double>) {
        val sorted = samples.sorted()

        fun percentile(p: Double) = sorted[((p / 100.0) * (sorted.size - 1)).let { Math.round(it).toInt() }]
        val dir = File(System.getProperty("pocdex.bench.dir")?.takeIf { !it.startsWith("\${") } ?: "target/bench")
        dir.mkdirs()
        val round = { v: Double -> Math.round(v * 100) / 100.0 }
        File(dir, "android-dojo-latency.json").writeText(
            """
            {
              "benchmark": "dojo edit in client A until it appears in client B (Kotlin DojoSession, OkHttp WebSocket, through the gateway)",
              "gateway": "${gateway.base}",
              "n": ${samples.size},
              "p50_ms": ${round(percentile(50.0))},
              "p95_ms": ${round(percentile(95.0))},
              "p99_ms": ${round(percentile(99.0))},
              "max_ms": ${round(sorted.last())},
              "load_average_1m": ${File("/proc/loadavg").takeIf { it.canRead() }?.readText()?.substringBefore(' ') ?: "null"},
              "goal_p95_ms": 30,
              "measured_at": "${Instant.now()}"
            }
            """.trimIndent() + "\n",
        )
    }

    private fun JsonObject.type() = (this["type"] as? JsonPrimitive)?.content
}
