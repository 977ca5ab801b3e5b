package app.pocdex.core.dojo

import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonArray
import kotlinx.serialization.json.putJsonObject
import org.junit.jupiter.api.Test
import java.io.IOException
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

@OptIn(ExperimentalCoroutinesApi::class)
class ReplayStateHolderTest {
    private fun ev(text: String): JsonObject = DojoFrames.json.parseToJsonElement(text).jsonObject

    private fun op(
        seq: Long,
        revision: Int,
        op: String,
    ) = ev(
        """{"type":"op","seq":$seq,"at":"2026-12-06T12:00:0${seq % 10}Z","actor":{"id":"a","name":"Ana"},""" +
            """"revision":$revision,"op":$op,"id":"x$seq"}""",
    )

    private val events =
        listOf(
            ev(
                """{"type":"dojo_started","seq":1,"at":"t1","actor":{"id":"a","name":"Ana"},""" +
                    """"roles":{"piloto":"a","copiloto":"b","queue":[]},"timer":{"state":"running"}}""",
            ),
            op(2, 1, """["def f():\n"]"""),
            ev("""{"type":"chat","seq":3,"at":"t3","actor":{"id":"b","name":"Bia"},"text":"e o teste?"}"""),
            op(4, 2, """[9, "  return 1\n"]"""),
            ev("""{"type":"test_status","seq":5,"at":"t5","actor":{"id":"a","name":"Ana"},"status":"green"}"""),
            buildJsonObject {
                put("type", "roles")
                put("seq", 6)
                put("at", "t6")
                put("reason", "rotation")
                put("piloto", "b")
                put("copiloto", "a")
                putJsonArray("queue") {}
                putJsonObject("timer") { put("state", "running") }
            },
            op(7, 3, """["def g", -5, 15]"""),
            ev("""{"type":"dojo_ended","seq":8,"at":"t8","revision":3,"document_length":20}"""),
        )

    private val finalDocument = "def g():\n  return 1\n"

    /** Two pages of events and a snapshot at revision 2 (the document there). */
    private val source =
        ReplaySource { after ->
            val page = if (after == 0L) events.take(4) else events.drop(4)
            ReplayPage(
                title = "Boliche",
                seq = 8,
                revision = 3,
                document = finalDocument,
                snapshots = listOf(ReplaySnapshot(2, 4, "t4", "def f():\n  return 1\n")),
                events = page,
                nextAfterSeq = if (after == 0L) 4 else null,
            )
        }

    @Test
    fun `loads every page and steps and seeks through the session`() =
        runTest {
            val holder = ReplayStateHolder(backgroundScope, "d1", source)
            runCurrent()
            val loaded = holder.uiState.value
            assertFalse(loaded.loading)
            assertNull(loaded.error)
            assertEquals("Boliche", loaded.title)
            assertEquals(8, loaded.totalEvents)
            assertTrue(loaded.atStart)
            assertEquals("", loaded.document)
            assertEquals(listOf(1, 6), loaded.rotationMarks)

            holder.stepForward()
            holder.stepForward()
            assertEquals("def f():\n", holder.uiState.value.document)
            assertEquals("Ana", holder.uiState.value.pilotoName)
            holder.stepForward()
            assertEquals(
                listOf("e o teste?"),
                holder.uiState.value.chat
                    .map { it.text },
            )
            assertEquals(
                "chat",
                holder.uiState.value.current
                    ?.type,
            )

            holder.seekTo(7) // from the snapshot at seq 4, then the op at seq 7
            val late = holder.uiState.value
            assertEquals(finalDocument, late.document)
            assertEquals(3, late.revision)
            assertEquals("Bia", late.pilotoName)
            assertEquals(TestStatus.GREEN, late.testStatus)

            holder.stepBack()
            holder.stepBack()
            holder.stepBack()
            assertEquals("def f():\n  return 1\n", holder.uiState.value.document)
            assertNull(holder.uiState.value.testStatus)
            holder.seekTo(-5)
            assertTrue(holder.uiState.value.atStart)
            holder.seekTo(99)
            assertTrue(holder.uiState.value.atEnd)
            assertEquals(
                "dojo_ended",
                holder.uiState.value.current
                    ?.type,
            )
        }

    @Test
    fun `plays at its pace until the end and pauses`() =
        runTest {
            val holder = ReplayStateHolder(backgroundScope, "d1", source, playIntervalMs = 100)
            runCurrent()
            holder.play()
            runCurrent()
            assertTrue(holder.uiState.value.playing)
            advanceTimeBy(350)
            runCurrent()
            assertEquals(3, holder.uiState.value.position)
            holder.pause()
            advanceTimeBy(1_000)
            runCurrent()
            assertEquals(3, holder.uiState.value.position)
            assertFalse(holder.uiState.value.playing)
            holder.play()
            advanceTimeBy(10_000)
            runCurrent()
            assertTrue(holder.uiState.value.atEnd)
            assertFalse(holder.uiState.value.playing)
            assertEquals(finalDocument, holder.uiState.value.document)
        }

    @Test
    fun `a failed load is an error state that a retry clears`() =
        runTest {
            var fail = true
            val flaky =
                ReplaySource { after ->
                    if (fail) throw IOException("offline")
                    source.page(after)
                }
            val holder = ReplayStateHolder(backgroundScope, "d1", flaky)
            runCurrent()
            assertEquals("network", holder.uiState.value.error)
            assertFalse(holder.uiState.value.loading)
            fail = false
            holder.load()
            runCurrent()
            assertNull(holder.uiState.value.error)
            assertEquals(8, holder.uiState.value.totalEvents)
        }

    @Test
    fun `an empty replay says so`() =
        runTest {
            val holder =
                ReplayStateHolder(backgroundScope, "d1", { ReplayPage("Vazio", 0, 0, "", emptyList(), emptyList(), null) })
            runCurrent()
            assertTrue(holder.uiState.value.isEmpty)
        }
}
