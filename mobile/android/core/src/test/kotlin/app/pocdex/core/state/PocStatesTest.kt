package app.pocdex.core.state

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
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

@OptIn(ExperimentalCoroutinesApi::class)
class PocStatesTest {
    private fun TestScope.backend() = FakeBackend(StandardTestDispatcher(testScheduler))

    @Test
    fun `the list loads, pages with the cursor and refreshes`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/pocs") { req ->
                when (req.query["cursor"]?.single()) {
                    null -> Answer(200, Fixtures.page(listOf("a", "b"), next = "c2"))
                    "c2" -> Answer(200, Fixtures.page(listOf("c"), next = null))
                    else -> Answer(400, "{}")
                }
            }
            val list = PocListStateHolder(holderScope, core.pocs)
            assertTrue(list.state.value.loading)
            advanceUntilIdle()
            assertEquals(
                listOf("a", "b"),
                list.state.value.items
                    .map { it.id },
            )
            assertTrue(list.state.value.canLoadMore)
            list.loadMore()
            assertTrue(list.state.value.loadingMore)
            advanceUntilIdle()
            assertEquals(
                listOf("a", "b", "c"),
                list.state.value.items
                    .map { it.id },
            )
            assertFalse(list.state.value.canLoadMore)
            list.refresh()
            assertTrue(list.state.value.refreshing)
            assertEquals(3, list.state.value.items.size, "items stay visible while refreshing")
            advanceUntilIdle()
            assertFalse(list.state.value.refreshing)
            assertEquals(
                listOf("a", "b"),
                list.state.value.items
                    .map { it.id },
            )
            assertEquals("20", backend.last("GET /api/v1/pocs")!!.query["limit"]!!.single())
        }

    @Test
    fun `offline the list shows the cached copy marked stale, and an empty list is empty`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/pocs", Answer(200, Fixtures.page(listOf("a"), next = "more")))
            val list = PocListStateHolder(holderScope, core.pocs)
            advanceUntilIdle()
            backend.offline = true
            list.refresh()
            advanceUntilIdle()
            val offline = list.state.value
            assertTrue(offline.offline)
            assertEquals(listOf("a"), offline.items.map { it.id })
            assertEquals(1_800_000_000_000L, offline.savedAtMillis)
            assertFalse(offline.canLoadMore)
            assertNull(offline.error)
            backend.offline = false
            backend.on("GET /api/v1/pocs", Answer(200, Fixtures.page(emptyList(), next = null)))
            list.refresh()
            advanceUntilIdle()
            assertFalse(list.state.value.offline)
            assertTrue(list.state.value.isEmpty)
        }

    @Test
    fun `offline with nothing cached is a network error`() =
        runTest {
            val backend = backend()
            backend.offline = true
            val list = PocListStateHolder(holderScope, backend.graph().pocs)
            advanceUntilIdle()
            assertEquals(
                ErrorKind.Network,
                list.state.value.error!!
                    .kind,
            )
            assertFalse(list.state.value.isEmpty)
        }

    @Test
    fun `detail shows the cached POC offline and delete offers undo inside the window`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/pocs/p1", Answer(200, Fixtures.poc("p1", "Cache me")))
            backend.on("GET /api/v1/pocs/p1/attachments", Answer(200, "[]"))
            backend.on("DELETE /api/v1/pocs/p1", Answer(204, ""))
            backend.on("POST /api/v1/pocs/p1/restore", Answer(200, Fixtures.poc("p1", "Cache me")))
            val detail = PocDetailStateHolder(holderScope, "p1", core.pocs, core.attachments, clock = { 1_000L }, undoWindowMillis = 5_000)
            advanceUntilIdle()
            assertEquals(
                "Cache me",
                detail.state.value.poc!!
                    .name,
            )
            assertTrue(detail.state.value.canEdit)
            detail.delete()
            runCurrent()
            assertEquals(DeletionState.Undoable(6_000L), detail.state.value.deletion)
            advanceTimeBy(2_000)
            detail.undoDelete()
            advanceUntilIdle()
            assertEquals(DeletionState.None, detail.state.value.deletion)
            assertEquals(1, backend.count("POST /api/v1/pocs/p1/restore"))
            detail.delete()
            advanceTimeBy(5_001)
            assertEquals(DeletionState.Deleted, detail.state.value.deletion)
            detail.undoDelete()
            advanceUntilIdle()
            assertEquals(1, backend.count("POST /api/v1/pocs/p1/restore"), "no undo after the window")

            val cachedView = PocDetailStateHolder(holderScope, "p2", core.pocs, core.attachments)
            backend.on("GET /api/v1/pocs/p2", Answer(200, Fixtures.poc("p2", "Seen before")))
            backend.on("GET /api/v1/pocs/p2/attachments", Answer(200, "[]"))
            advanceUntilIdle()
            backend.offline = true
            val offline = PocDetailStateHolder(holderScope, "p2", core.pocs, core.attachments)
            advanceUntilIdle()
            assertTrue(offline.state.value.offline)
            assertEquals(
                "Seen before",
                offline.state.value.poc!!
                    .name,
            )
            assertFalse(offline.state.value.canEdit)
            assertEquals(cachedView.state.value.poc, offline.state.value.poc)
        }

    @Test
    fun `a failed delete keeps the POC and says why`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/pocs/p1", Answer(200, Fixtures.poc("p1")))
            backend.on("GET /api/v1/pocs/p1/attachments", Answer(200, "[]"))
            backend.on("DELETE /api/v1/pocs/p1", FakeBackend.error(403, "permission_denied", "Only the author."))
            val detail = PocDetailStateHolder(holderScope, "p1", core.pocs, core.attachments)
            advanceUntilIdle()
            detail.delete()
            advanceUntilIdle()
            assertEquals(DeletionState.None, detail.state.value.deletion)
            assertEquals(
                ErrorKind.Forbidden,
                detail.state.value.actionError!!
                    .kind,
            )
        }

    @Test
    fun `an attachment upload goes create, presigned PUT, complete, and lands in the list`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/pocs/p1", Answer(200, Fixtures.poc("p1")))
            backend.on("GET /api/v1/pocs/p1/attachments", Answer(200, "[]"))
            val attachment =
                """{"id":"at1","filename":"diagram.png","content_type":"image/png","state":"pending","uploaded_by":"u1",""" +
                    """"created_at":"2026-12-06T10:00:00Z","size":100000"""
            backend.on(
                "POST /api/v1/pocs/p1/attachments",
                Answer(
                    201,
                    "$attachment,\"upload\":{\"method\":\"PUT\",\"url\":\"http://storage.test/bucket/at1?sig=1\",\"headers\":{\"Content-Type\":\"image/png\"},\"expires_at\":\"2026-12-06T11:00:00Z\"}}",
                ),
            )
            backend.on("PUT /bucket/at1", Answer(200, ""))
            backend.on("POST /api/v1/pocs/p1/attachments/at1/complete", Answer(200, attachment.replace("pending", "ready") + "}"))
            val detail = PocDetailStateHolder(holderScope, "p1", core.pocs, core.attachments)
            advanceUntilIdle()
            val bytes = ByteArray(100_000) { 7 }
            detail.upload("diagram.png", "image/png", bytes.size.toLong()) { bytes.inputStream() }
            assertEquals(
                UploadPhase.Creating,
                detail.state.value.uploads
                    .single()
                    .phase,
            )
            advanceUntilIdle()
            val upload =
                detail.state.value.uploads
                    .single()
            assertEquals(UploadPhase.Done, upload.phase, "upload: ${upload.error}")
            assertEquals(1f, upload.fraction)
            assertEquals(
                "ready",
                detail.state.value.attachments
                    .single()
                    .state,
            )
            assertEquals("""{"filename":"diagram.png","content_type":"image/png","size":100000}""", backend.last("POST /api/v1/pocs/p1/attachments")!!.body)
            val put = backend.last("PUT /bucket/at1")!!
            assertEquals("<100000 bytes>", put.body)
            assertNull(put.authorization, "the presigned URL carries its own signature")
            assertEquals(1, backend.count("POST /api/v1/pocs/p1/attachments/at1/complete"))
        }

    @Test
    fun `an upload the storage refuses is marked failed and not completed`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            backend.on("GET /api/v1/pocs/p1", Answer(200, Fixtures.poc("p1")))
            backend.on("GET /api/v1/pocs/p1/attachments", Answer(200, "[]"))
            backend.on(
                "POST /api/v1/pocs/p1/attachments",
                Answer(
                    201,
                    """{"id":"at1","filename":"a.txt","content_type":"text/plain","size":3,"uploaded_by":"u1","upload":{"method":"PUT","url":"http://storage.test/b/at1","headers":{}}}""",
                ),
            )
            backend.on("PUT /b/at1", Answer(403, "<Error/>"))
            val detail = PocDetailStateHolder(holderScope, "p1", core.pocs, core.attachments)
            advanceUntilIdle()
            detail.upload("a.txt", "text/plain", 3) { "abc".byteInputStream() }
            advanceUntilIdle()
            assertEquals(
                UploadPhase.Failed,
                detail.state.value.uploads
                    .single()
                    .phase,
            )
            assertEquals(0, backend.count("POST /api/v1/pocs/p1/attachments/at1/complete"))
        }

    @Test
    fun `the editor checks locally, maps server field errors and sends only changes on edit`() =
        runTest {
            val backend = backend()
            val core = backend.graph()
            val editor = PocEditorStateHolder(holderScope, core.pocs)
            editor.edit { it.copy(repositoryUrl = "not a url", startedOn = "2026-12-10", finishedOn = "2026-12-01") }
            editor.save()
            val local = editor.state.value.fieldErrors
            assertEquals(FieldCodes.REQUIRED, local[PocFields.NAME]!!.code)
            assertEquals(FieldCodes.INVALID_URL, local[PocFields.REPOSITORY_URL]!!.code)
            assertEquals(FieldCodes.INVALID_RANGE, local[PocFields.FINISHED_ON]!!.code)
            assertEquals(0, backend.requests.size)
            editor.edit { it.copy(name = "New POC", repositoryUrl = "", startedOn = "", finishedOn = "") }
            assertTrue(
                editor.state.value.fieldErrors
                    .isEmpty(),
            )
            editor.addTag("mobile")
            editor.addLanguage("kotlin")
            backend.on(
                "POST /api/v1/pocs",
                FakeBackend.error(
                    400,
                    "validation_error",
                    "Invalid.",
                    """{"languages.0":[{"code":"unknown_language","message":"Unknown language."}],"name":[{"code":"duplicate","message":"Taken."}]}""",
                ),
            )
            editor.save()
            advanceUntilIdle()
            val server = editor.state.value.fieldErrors
            assertEquals("unknown_language", server[PocFields.LANGUAGES]!!.code)
            assertEquals("Taken.", server[PocFields.NAME]!!.message)
            assertEquals(
                ErrorKind.Validation,
                editor.state.value.error!!
                    .kind,
            )
            backend.on("POST /api/v1/pocs", Answer(201, Fixtures.poc("new", "New POC")))
            editor.save()
            advanceUntilIdle()
            assertEquals(
                "new",
                editor.state.value.saved!!
                    .id,
            )

            backend.on("GET /api/v1/pocs/p1", Answer(200, Fixtures.poc("p1", "Old name")))
            backend.on("PATCH /api/v1/pocs/p1", Answer(200, Fixtures.poc("p1", "Renamed")))
            val edit = PocEditorStateHolder(holderScope, core.pocs, "p1")
            assertTrue(edit.state.value.loading)
            advanceUntilIdle()
            assertEquals("Old name", edit.state.value.form.name)
            edit.edit { it.copy(name = "Renamed") }
            edit.save()
            advanceUntilIdle()
            assertEquals("""{"name":"Renamed"}""", backend.last("PATCH /api/v1/pocs/p1")!!.body)
            assertEquals(
                "Renamed",
                edit.state.value.saved!!
                    .name,
            )
        }
}
