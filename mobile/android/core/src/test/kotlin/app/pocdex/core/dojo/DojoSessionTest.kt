package app.pocdex.core.dojo

import app.pocdex.core.ot.Selection
import app.pocdex.core.ot.SelectionRange
import app.pocdex.core.ot.TextOperation
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray
import kotlinx.serialization.json.putJsonObject
import org.junit.jupiter.api.Test
import kotlin.random.Random
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The session state machine against a scripted server (a fake transport; everything else is real). */
@OptIn(ExperimentalCoroutinesApi::class)
class DojoSessionTest {
    private val ana = "a0000000-0000-0000-0000-000000000001"
    private val bia = "b0000000-0000-0000-0000-000000000002"
    private val caio = "c0000000-0000-0000-0000-000000000003"

    private class Harness(
        val scope: TestScope,
        val transport: FakeDojoTransport,
        val session: DojoSession,
        val tickets: MutableList<Int>,
        var now: Long,
    ) {
        val state get() = session.state.value
        val conn get() = transport.last

        fun settle() = scope.runCurrent()
    }

    private fun TestScope.harness(
        background: CoroutineScope,
        ticket: suspend (Int) -> String = { "/ws/dojos/d1?ticket=t$it" },
    ): Harness {
        val transport = FakeDojoTransport()
        val tickets = mutableListOf<Int>()
        lateinit var harness: Harness
        val session =
            DojoSession(
                dojoId = "d1",
                gatewayUrl = "http://gateway:8000",
                ticketUrl = {
                    tickets.add(tickets.size + 1)
                    ticket(tickets.size)
                },
                transport = transport,
                scope = background,
                clock = { harness.now },
                backoff = Backoff(initialMs = 100, maxMs = 1_000, jitter = 0.0),
                random = Random(7),
            )
        harness = Harness(this, transport, session, tickets, 1_000_000)
        session.start()
        runCurrent()
        return harness
    }

    // ------------------------------------------------------------------ frames the server sends

    private fun state(
        document: String,
        revision: Int,
        seq: Long,
        piloto: String? = ana,
        copiloto: String? = bia,
        queue: List<String> = emptyList(),
        status: String = "live",
        timer: JsonObject = timer("running", remainingMs = 300_000),
        copilotoMayEdit: Boolean = false,
    ) = buildJsonObject {
        put("dojo", "d1")
        put("status", status)
        put("seq", seq)
        put("revision", revision)
        put("document", document)
        putJsonObject("roles") {
            put("piloto", piloto)
            put("copiloto", copiloto)
            putJsonArray("queue") { queue.forEach { add(JsonPrimitive(it)) } }
        }
        put("timer", timer)
        put("test_status", "red")
        put("copiloto_may_edit", copilotoMayEdit)
        putJsonArray("participants") {
            add(person(ana, "Ana"))
            add(person(bia, "Bia"))
            add(person(caio, "Caio"))
        }
        putJsonArray("connected") {
            add(JsonPrimitive(ana))
            add(JsonPrimitive(bia))
        }
    }

    private fun person(
        id: String,
        name: String,
    ) = buildJsonObject {
        put("id", id)
        put("name", name)
    }

    private fun timer(
        state: String,
        remainingMs: Long? = null,
        deadline: String? = null,
        serverTime: String = "2026-12-06T12:00:00Z",
    ) = buildJsonObject {
        put("state", state)
        put("deadline", deadline)
        put("remaining_ms", remainingMs)
        put("rotation_ms", 300_000)
        put("server_time", serverTime)
    }

    private fun welcome(
        me: String,
        state: JsonObject,
    ) = buildJsonObject {
        put("type", "welcome")
        put("protocol", 1)
        put("you", person(me, if (me == ana) "Ana" else "Bia"))
        put("resumed", false)
        put("state", state)
    }.toString()

    private fun resumedWelcome(
        me: String,
        lastSeq: Long,
        seq: Long,
    ) = buildJsonObject {
        put("type", "welcome")
        put("protocol", 1)
        put("you", person(me, "Ana"))
        put("resumed", true)
        put("last_seq", lastSeq)
        put("seq", seq)
    }.toString()

    private fun opEvent(
        seq: Long,
        revision: Int,
        op: JsonArray,
        id: String,
        actor: String,
    ) = buildJsonObject {
        put("type", "op")
        put("seq", seq)
        put("at", "2026-12-06T12:00:01Z")
        put("actor", person(actor, if (actor == ana) "Ana" else "Bia"))
        put("revision", revision)
        put("op", op)
        put("id", id)
    }.toString()

    private fun ops(vararg components: Any): JsonArray =
        buildJsonArray {
            components.forEach {
                when (it) {
                    is Int -> add(JsonPrimitive(it))
                    is String -> add(JsonPrimitive(it))
                    else -> error("component $it")
                }
            }
        }

    private fun event(
        type: String,
        seq: Long,
        actor: String? = null,
        fields: kotlinx.serialization.json.JsonObjectBuilder.() -> Unit = {},
    ) = buildJsonObject {
        put("type", type)
        put("seq", seq)
        put("at", "2026-12-06T12:00:02Z")
        if (actor != null) put("actor", person(actor, if (actor == ana) "Ana" else "Bia"))
        fields()
    }.toString()

    private fun error(
        code: String,
        ref: String? = null,
        fatal: Boolean = false,
    ) = buildJsonObject {
        put("type", "error")
        put("code", code)
        put("message", "mensagem do servidor")
        if (ref != null) put("ref", ref)
        if (fatal) put("fatal", true)
        put("after_seq", 0)
    }.toString()

    private fun op(vararg components: Any) = TextOperation.fromJson(ops(*components))

    private fun JsonObject.str(key: String) = getValue(key).jsonPrimitive.content

    // ------------------------------------------------------------------ tests

    @Test
    fun `an absolute ticket url (sockets on a host of their own) is opened as given`() =
        runTest {
            val h = harness(backgroundScope) { "wss://ws.pocdex.example/ws/dojos/d1?ticket=t$it" }
            assertEquals(listOf("wss://ws.pocdex.example/ws/dojos/d1?ticket=t1"), h.transport.urls)
        }

    @Test
    fun `the welcome gives the document, seats, presence, test status and the editor to the piloto`() =
        runTest {
            val h = harness(backgroundScope)
            assertEquals(ConnectionState.Connecting, h.state.connection)
            assertEquals(listOf("ws://gateway:8000/ws/dojos/d1?ticket=t1"), h.transport.urls)
            h.conn.push(welcome(ana, state("def score():\n", revision = 3, seq = 10, queue = listOf(caio))))
            h.settle()
            val s = h.state
            assertEquals(ConnectionState.Live, s.connection)
            assertEquals(DojoPhase.LIVE, s.phase)
            assertEquals("def score():\n", s.document)
            assertEquals(3, s.revision)
            assertEquals(ana, s.myId)
            assertEquals(DojoRole.PILOTO, s.myRole)
            assertTrue(s.canEdit)
            assertEquals(TestStatus.RED, s.testStatus)
            assertEquals(listOf(ana, bia, caio), s.participants.map { it.id })
            assertEquals(listOf(DojoRole.PILOTO, DojoRole.COPILOTO, DojoRole.PLATEIA), s.participants.map { it.role })
            assertEquals(listOf(true, true, false), s.participants.map { it.present })
            assertEquals(1, s.participants.single { it.id == caio }.queuePosition)
            assertTrue(s.participants.single { it.id == ana }.isMe)
        }

    @Test
    fun `a co-piloto without permission cannot edit`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(bia, state("abc", 0, 1)))
            h.settle()
            assertEquals(DojoRole.COPILOTO, h.state.myRole)
            assertFalse(h.state.canEdit)
            h.session.edit(op(3, "x"))
            h.settle()
            assertEquals("abc", h.state.document)
            assertTrue(h.conn.sentOfType("op").isEmpty())
            assertEquals("role_may_not_edit", h.state.notice?.code)
        }

    @Test
    fun `edits go one at a time and the second waits in the buffer until the first is acknowledged`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 5, 20)))
            h.settle()
            h.session.edit(op(3, "d"))
            h.session.edit(op(4, "e"))
            h.session.edit(op(5, "f"))
            h.settle()
            assertEquals("abcdef", h.state.document)
            assertTrue(h.state.hasPendingEdits)
            val first = h.conn.sentOfType("op").single()
            assertEquals(5, first.getValue("revision").jsonPrimitive.int)
            assertEquals(ops(3, "d"), first.getValue("op"))
            val firstId = first.str("id")

            h.conn.push(opEvent(21, 6, ops(3, "d"), firstId, ana))
            h.settle()
            val sent = h.conn.sentOfType("op")
            assertEquals(2, sent.size)
            assertEquals(6, sent[1].getValue("revision").jsonPrimitive.int)
            assertEquals(ops(4, "ef"), sent[1].getValue("op"), "the buffer, composed")
            assertTrue(sent[1].str("id") != firstId, "a new operation has a new id")
            assertEquals(6, h.state.revision)

            h.conn.push(opEvent(22, 7, ops(4, "ef"), sent[1].str("id"), ana))
            h.settle()
            assertFalse(h.state.hasPendingEdits)
            assertEquals(7, h.state.revision)
            assertEquals("abcdef", h.state.document)
        }

    @Test
    fun `a remote operation is transformed against the outstanding one and both sides converge`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("ab", 0, 1)))
            h.settle()
            h.session.edit(op(1, "X", 1)) // aXb, in flight
            h.settle()
            val id =
                h.conn
                    .sentOfType("op")
                    .single()
                    .str("id")
            // Bia's insert at the same place was sequenced first: the server rebased ours after it.
            h.conn.push(opEvent(2, 1, ops(1, "Y", 1), "bia-1", bia))
            h.settle()
            assertEquals("aXYb", h.state.document, "our unsequenced insert goes first at a tie")
            h.conn.push(opEvent(3, 2, ops(1, "X", 2), id, ana))
            h.settle()
            assertEquals("aXYb", h.state.document)
            assertEquals(2, h.state.revision)
            assertFalse(h.state.hasPendingEdits)
        }

    @Test
    fun `remote selections are moved through every operation applied, local ones included`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("hello 😀 world", 4, 9)))
            h.settle()
            h.conn.push(
                buildJsonObject {
                    put("type", "cursor")
                    put("after_seq", 9)
                    put("actor", person(bia, "Bia"))
                    put("revision", 4)
                    put("selection", Selection(listOf(SelectionRange(8, 13))).toJson())
                }.toString(),
            )
            h.settle()
            assertEquals(
                listOf(SelectionRange(8, 13)),
                h.state.remoteSelections
                    .single()
                    .ranges,
            )
            h.session.edit(op("> ", 13)) // local, not acknowledged yet
            h.settle()
            val selection = h.state.remoteSelections.single()
            assertEquals(listOf(SelectionRange(10, 15)), selection.ranges)
            assertEquals("Bia", selection.name)
            // UTF-16: the emoji before "world" counts twice.
            assertEquals(listOf(11..16), selection.utf16Ranges(h.state.document))
            assertEquals("world", h.state.document.substring(11, 16))
        }

    @Test
    fun `our own cursor is sent in the server's coordinates, without our unacknowledged edits`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 2, 3)))
            h.settle()
            h.session.edit(op("xy", 3)) // xyabc, unacknowledged
            h.session.select(Selection.caret(5)) // after "xyabc"'s "c"
            h.settle()
            val cursor = h.conn.sentOfType("cursor").single()
            assertEquals(2, cursor.getValue("revision").jsonPrimitive.int)
            assertEquals(Selection.caret(3).toJson(), cursor.getValue("selection"))
        }

    @Test
    fun `the countdown comes from the server's deadline and the injected clock`() =
        runTest {
            val h = harness(backgroundScope)
            val running = timer("running", remainingMs = 60_000, deadline = "2026-12-06T12:01:00Z")
            h.conn.push(welcome(ana, state("", 0, 1, timer = running)))
            h.settle()
            assertEquals(TimerState.RUNNING, h.state.timer.state)
            assertEquals(60_000, h.state.timer.remainingMs)
            h.now += 15_000
            h.session.refresh()
            h.settle()
            assertEquals(45_000, h.state.timer.remainingMs)
            h.conn.push(event("timer", 2, bia) { timer("paused", remainingMs = 44_000).forEach { (k, v) -> put(k, v) } })
            h.settle()
            h.now += 30_000
            h.session.refresh()
            h.settle()
            assertTrue(h.state.paused)
            assertEquals(44_000, h.state.timer.remainingMs, "paused time does not run")
        }

    @Test
    fun `rotation, chat and test status events update the screen in order`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("", 0, 1)))
            h.settle()
            h.conn.push(event("chat", 2, bia) { put("text", "E se for strike?") })
            h.conn.push(event("test_status", 3, ana) { put("status", "green") })
            h.conn.push(
                event("roles", 4, ana) {
                    put("reason", "pass")
                    put("piloto", bia)
                    put("copiloto", ana)
                    putJsonArray("queue") {}
                    put("timer", timer("running", remainingMs = 300_000))
                },
            )
            h.settle()
            val s = h.state
            assertEquals(listOf("E se for strike?"), s.chat.map { it.text })
            assertEquals("Bia", s.chat.single().authorName)
            assertFalse(s.chat.single().mine)
            assertEquals(TestStatus.GREEN, s.testStatus)
            assertEquals(DojoRole.COPILOTO, s.myRole)
            assertFalse(s.canEdit, "the navigator does not type")
            h.session.sendChat("   ")
            h.session.sendChat("Boa!")
            h.settle()
            assertEquals("empty_message", h.state.notice?.code)
            assertEquals(listOf("Boa!"), h.conn.sentOfType("chat").map { it.str("text") })
        }

    @Test
    fun `a gap in the sequence asks the server to resume from the last event handled`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("", 0, 5)))
            h.settle()
            h.conn.push(event("chat", 7, bia) { put("text", "later") })
            h.settle()
            val resume = h.conn.sentOfType("resume").single()
            assertEquals(5, resume.getValue("last_seq").jsonPrimitive.int)
            assertTrue(h.state.chat.isEmpty(), "nothing after a gap is applied out of order")
            h.conn.push(event("chat", 6, bia) { put("text", "first") })
            h.conn.push(event("chat", 7, bia) { put("text", "later") })
            h.conn.push(event("chat", 7, bia) { put("text", "later") })
            h.settle()
            assertEquals(listOf("first", "later"), h.state.chat.map { it.text }, "in order, once")
        }

    @Test
    fun `after a drop it reconnects with a fresh ticket and last_seq and a lost acknowledgement in the tail counts as the ack`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 3, 10)))
            h.settle()
            h.session.edit(op(3, "d"))
            h.settle()
            val firstId =
                h.conn
                    .sentOfType("op")
                    .single()
                    .str("id")
            h.session.edit(op(4, "e")) // buffered
            h.settle()

            h.session.dropConnection()
            h.settle()
            assertIs<ConnectionState.Reconnecting>(h.state.connection)
            assertEquals("abcde", h.state.document, "local edits stay while offline")
            h.session.edit(op(5, "f")) // typed while offline
            h.scope.advanceTimeBy(150)
            h.settle()
            assertEquals(2, h.transport.connections.size)
            assertEquals("ws://gateway:8000/ws/dojos/d1?ticket=t2&last_seq=10", h.transport.urls.last())

            val second = h.conn
            second.push(resumedWelcome(ana, lastSeq = 10, seq = 12))
            second.push(opEvent(11, 4, ops(3, "d"), firstId, ana)) // our op: sequenced before the drop
            h.settle()
            assertTrue(second.sentOfType("op").isNotEmpty(), "the buffer goes out once its predecessor is acknowledged")
            second.push(event("chat", 12, bia) { put("text", "voltou?") })
            h.settle()
            val sent = second.sentOfType("op")
            assertEquals(1, sent.size, "the acknowledged operation is never sent again")
            assertEquals(ops(4, "ef"), sent.single().getValue("op"))
            assertEquals(
                4,
                sent
                    .single()
                    .getValue("revision")
                    .jsonPrimitive.int,
            )
            assertEquals(ConnectionState.Live, h.state.connection)
            assertEquals("abcdef", h.state.document)
            assertEquals(listOf("voltou?"), h.state.chat.map { it.text })
        }

    @Test
    fun `after a drop an unacknowledged operation is sent again with the same id once the tail is in`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 3, 10)))
            h.settle()
            h.session.edit(op("X", 3))
            h.settle()
            val id =
                h.conn
                    .sentOfType("op")
                    .single()
                    .str("id")
            h.session.dropConnection()
            h.scope.advanceTimeBy(150)
            h.settle()
            val second = h.conn
            second.push(resumedWelcome(ana, lastSeq = 10, seq = 11))
            h.settle()
            assertTrue(second.sentOfType("op").isEmpty(), "not before the tail up to the welcome's seq")
            second.push(opEvent(11, 4, ops(3, "Y"), "bia-1", bia))
            h.settle()
            val resent = second.sentOfType("op").single()
            assertEquals(id, resent.str("id"))
            assertEquals(4, resent.getValue("revision").jsonPrimitive.int)
            assertEquals(ops("X", 4), resent.getValue("op"))
            assertEquals("XabcY", h.state.document)
            // The server had it already (its acknowledgement raced the drop): op_ack, then the event.
            second.push(
                buildJsonObject {
                    put("type", "op_ack")
                    put("duplicate", true)
                    put("seq", 12)
                    put("revision", 5)
                    put("op", ops("X", 4))
                    put("id", id)
                    put("actor", person(ana, "Ana"))
                }.toString(),
            )
            second.push(opEvent(12, 5, ops("X", 4), id, ana))
            h.settle()
            assertEquals("XabcY", h.state.document, "applied once")
            assertEquals(5, h.state.revision)
            assertFalse(h.state.hasPendingEdits)
        }

    @Test
    fun `a full state after a drop replaces the document and resends the outstanding operation as made`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 3, 10)))
            h.settle()
            h.session.edit(op(3, "!"))
            h.settle()
            val id =
                h.conn
                    .sentOfType("op")
                    .single()
                    .str("id")
            h.session.dropConnection()
            h.scope.advanceTimeBy(150)
            h.settle()
            // Too far behind: the server sends the whole state instead of the tail.
            h.conn.push(welcome(ana, state("zzabc", 900, 1500)))
            h.settle()
            assertEquals("zzabc", h.state.document)
            val resent = h.conn.sentOfType("op").single()
            assertEquals(id, resent.str("id"))
            assertEquals(3, resent.getValue("revision").jsonPrimitive.int, "the revision it was made against")
            h.conn.push(opEvent(1501, 901, ops(5, "!"), id, ana)) // sequenced now, rebased by the server
            h.settle()
            assertEquals("zzabc!", h.state.document)
            assertEquals(901, h.state.revision)
        }

    @Test
    fun `an operation the server refuses is rolled back to the server's document`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 1, 2)))
            h.settle()
            h.session.edit(op(3, "d"))
            h.session.edit(op(4, "e"))
            h.settle()
            val id =
                h.conn
                    .sentOfType("op")
                    .single()
                    .str("id")
            h.conn.push(opEvent(3, 2, ops("Z", 3), "bia-9", bia))
            h.conn.push(error("role_may_not_edit", ref = id))
            h.settle()
            assertEquals("Zabc", h.state.document)
            assertFalse(h.state.hasPendingEdits)
            assertTrue(h.state.editsDiscarded)
            assertEquals("role_may_not_edit", h.state.notice?.code)
            assertEquals("mensagem do servidor", h.state.notice?.message)
        }

    @Test
    fun `a person removed from the organization while connected ends the session and never reconnects`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 1, 2)))
            h.settle()
            h.conn.push(error("membership_revoked", fatal = true))
            h.conn.serverClose(DojoCloseCodes.ACCESS_ENDED)
            h.settle()
            h.scope.advanceTimeBy(60_000)
            h.settle()
            val ended = assertIs<ConnectionState.Ended>(h.state.connection)
            assertEquals(EndReason.ACCESS_REMOVED, ended.reason)
            assertEquals("mensagem do servidor", ended.serverMessage)
            assertEquals(1, h.tickets.size, "no new ticket")
            assertEquals(1, h.transport.connections.size)
            assertFalse(h.state.canEdit)
        }

    @Test
    fun `a revoked token reconnects with a fresh ticket`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 1, 2)))
            h.settle()
            h.conn.push(error("token_revoked", fatal = true))
            h.conn.serverClose(DojoCloseCodes.ACCESS_ENDED)
            h.scope.advanceTimeBy(150)
            h.settle()
            assertEquals(2, h.tickets.size)
            assertTrue(
                h.transport.urls
                    .last()
                    .endsWith("&last_seq=2"),
            )
        }

    @Test
    fun `a ticket refused for good ends the session and other ticket failures are retried with backoff`() =
        runTest {
            var calls = 0
            val h =
                harness(backgroundScope) {
                    calls++
                    when (calls) {
                        1 -> throw java.io.IOException("network down")
                        2 -> throw java.io.IOException("still down")
                        else -> throw TicketRefusedException(EndReason.NOT_FOUND)
                    }
                }
            assertEquals(ConnectionState.Reconnecting(1, "network down"), h.state.connection)
            h.scope.advanceTimeBy(99)
            h.settle()
            assertEquals(1, calls, "the first retry waits 100 ms")
            h.scope.advanceTimeBy(2)
            h.settle()
            assertEquals(2, calls)
            h.scope.advanceTimeBy(150)
            h.settle()
            assertEquals(2, calls, "the second waits 200 ms")
            h.scope.advanceTimeBy(60)
            h.settle()
            assertEquals(3, calls)
            assertEquals(EndReason.NOT_FOUND, assertIs<ConnectionState.Ended>(h.state.connection).reason)
            assertTrue(h.transport.connections.isEmpty())
        }

    @Test
    fun `the end of the dojo ends the session with the final document`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("fim", 1, 2)))
            h.settle()
            h.conn.push(
                event("dojo_ended", 3, ana) {
                    put("revision", 1)
                    put("document_length", 3)
                },
            )
            h.settle()
            assertEquals(EndReason.DOJO_ENDED, assertIs<ConnectionState.Ended>(h.state.connection).reason)
            assertEquals(DojoPhase.ENDED, h.state.phase)
            assertEquals("fim", h.state.document)
            assertEquals(DojoCloseCodes.NORMAL, h.conn.closedByClient)
        }

    @Test
    fun `leaving closes the socket normally`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("", 0, 1)))
            h.settle()
            h.session.leave()
            h.settle()
            assertEquals(EndReason.LEFT, assertIs<ConnectionState.Ended>(h.state.connection).reason)
            assertEquals(DojoCloseCodes.NORMAL, h.conn.closedByClient)
            assertNull(h.state.notice)
        }

    @Test
    fun `an expired ticket is retried a few times, then the session gives up`() =
        runTest {
            val h = harness(backgroundScope)
            repeat(3) {
                h.conn.push(error("ticket_invalid", fatal = true))
                h.conn.serverClose(DojoCloseCodes.UNAUTHORIZED)
                h.scope.advanceTimeBy(2_000)
                h.settle()
            }
            assertEquals(EndReason.ACCESS_DENIED, assertIs<ConnectionState.Ended>(h.state.connection).reason)
            assertEquals(3, h.transport.connections.size)
        }

    @Test
    fun `seat, timer and queue commands go out as the protocol writes them, and not while reconnecting`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("", 0, 1)))
            h.settle()
            h.session.pass()
            h.session.pause()
            h.session.resumeTimer()
            h.session.joinQueue(false)
            h.session.setTestStatus(TestStatus.GREEN)
            h.settle()
            val types = h.conn.sentFrames().map { it.str("type") }
            assertEquals(listOf("pass", "pause", "resume_timer", "queue", "test_status"), types)
            assertEquals(
                "false",
                h.conn
                    .sentOfType("queue")
                    .single()
                    .getValue("join")
                    .toString(),
            )
            assertEquals(
                "green",
                h.conn
                    .sentOfType("test_status")
                    .single()
                    .str("status"),
            )
            assertTrue(h.conn.sentFrames().all { it.str("id").isNotEmpty() }, "every frame has an id, so errors can name it")
            h.session.dropConnection()
            h.settle()
            h.session.sendChat("alguém aí?")
            h.settle()
            assertEquals("not_connected", h.state.notice?.code)
        }

    @Test
    fun `a person joining appears with their name and presence, and their cursor leaves with them`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("abc", 0, 1)))
            h.settle()
            val dani = "d0000000-0000-0000-0000-000000000004"
            h.conn.push(
                buildJsonObject {
                    put("type", "presence")
                    put("seq", 2)
                    put("at", "t")
                    put("actor", person(dani, "Dani"))
                    put("joined", dani)
                    putJsonArray("connected") {
                        add(JsonPrimitive(ana))
                        add(JsonPrimitive(bia))
                        add(JsonPrimitive(dani))
                    }
                }.toString(),
            )
            h.conn.push(
                buildJsonObject {
                    put("type", "cursor")
                    put("actor", person(dani, "Dani"))
                    put("revision", 0)
                    put("selection", Selection.caret(2).toJson())
                }.toString(),
            )
            h.settle()
            val joined = h.state.participants.single { it.id == dani }
            assertEquals("Dani", joined.name)
            assertTrue(joined.present)
            assertEquals(DojoRole.PLATEIA, joined.role)
            assertEquals(listOf("Dani"), h.state.remoteSelections.map { it.name })
            h.conn.push(
                buildJsonObject {
                    put("type", "presence")
                    put("seq", 3)
                    put("at", "t")
                    put("actor", person(dani, "Dani"))
                    put("left", dani)
                    putJsonArray("connected") { add(JsonPrimitive(ana)) }
                }.toString(),
            )
            h.settle()
            assertFalse(
                h.state.participants
                    .single { it.id == dani }
                    .present,
            )
            assertTrue(h.state.remoteSelections.isEmpty())
        }

    @Test
    fun `the editor's whole new text with an emoji is sent as a code point operation`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("a😀b", 7, 8)))
            h.settle()
            h.session.replaceText("a😀🇧🇷b")
            h.settle()
            val sent = h.conn.sentOfType("op").single()
            assertEquals(ops(2, "🇧🇷", 1), sent.getValue("op"))
            assertEquals("a😀🇧🇷b", h.state.document)
        }

    @Test
    fun `an edit larger than the server accepts is refused before it reaches the document`() =
        runTest {
            val h = harness(backgroundScope)
            h.conn.push(welcome(ana, state("ab", 0, 1)))
            h.settle()
            h.session.edit(op(2, "x".repeat(19_997))) // size 2 + 19,997 = 19,999: fits
            h.settle()
            assertEquals(1, h.conn.sentOfType("op").size)
            h.session.edit(op(19_999, "😀".repeat(20_000))) // in flight: would be the buffer, too large
            h.settle()
            assertEquals("operation_too_large", h.state.notice?.code)
            assertEquals(19_999, h.state.document.length, "the refused edit never reached the document")
            assertEquals(1, h.conn.sentOfType("op").size)
        }

    @Test
    fun `the editor's new text becomes a code point operation`() {
        assertEquals(TextOperation.fromJsonText("[2, \"😀\", 1]"), EditorDiff.operation("abc", "ab😀c"))
        assertEquals(TextOperation.fromJsonText("[1, -1, 1]"), EditorDiff.operation("a😀b", "ab"))
        assertEquals(TextOperation.fromJsonText("[\"x\", -1]"), EditorDiff.operation("😀", "x"))
        assertNull(EditorDiff.operation("same", "same"))
        val selection = DojoSession.selectionFromUtf16("😀ab", 2, 4)
        assertEquals(listOf(SelectionRange(1, 3)), selection.ranges)
    }

    @Test
    fun `frames round-trip as the protocol writes them`() {
        val frame = DojoFrames.decode(opEvent(4, 2, ops(1, "é"), "x-1", ana))
        val op = assertIs<SequencedEvent.Op>(frame)
        assertEquals(4, op.seq)
        assertEquals(ops(1, "é"), op.op)
        val sent = DojoFrames.json.parseToJsonElement(DojoFrames.op("x-2", 3, ops(2))).jsonObject
        assertEquals(setOf("type", "id", "revision", "op"), sent.keys)
        assertEquals("op", sent.str("type"))
        assertEquals(ops(2), sent.getValue("op").jsonArray)
        val unknown = assertIs<SequencedEvent.Unknown>(DojoFrames.decode("{\"type\":\"new_kind\",\"seq\":9,\"at\":\"\"}"))
        assertEquals(9, unknown.seq)
    }
}
