package app.pocdex.core.data

import app.pocdex.core.model.Poc
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertNull

class OfflineCacheTest {
    private val a = Poc(id = "a", name = "Alpha")
    private val b = Poc(id = "b", name = "Beta")

    @Test
    fun `the file cache keeps the list and details per organization`(
        @TempDir dir: Path,
    ) = runBlocking<Unit> {
        var now = 1_000L
        val cache = FileOfflineCache(dir) { now }
        cache.saveList("org-1", listOf(a, b))
        now = 2_000L
        cache.savePoc("org-1", a)
        val reopened = FileOfflineCache(dir)
        assertEquals(Cached(listOf(a, b), 1_000L), reopened.loadList("org-1"))
        assertEquals(Cached(a, 2_000L), reopened.loadPoc("org-1", "a"))
        assertNull(reopened.loadList("org-2"))
        assertNull(reopened.loadPoc("org-2", "a"))
    }

    @Test
    fun `removing a POC drops its detail and its list row and clear forgets everything`(
        @TempDir dir: Path,
    ) = runBlocking<Unit> {
        val cache = FileOfflineCache(dir.resolve("cache"))
        cache.saveList("org", listOf(a, b))
        cache.savePoc("org", a)
        cache.removePoc("org", "a")
        assertNull(cache.loadPoc("org", "a"))
        assertEquals(listOf(b), cache.loadList("org")!!.value)
        cache.clear()
        assertNull(cache.loadList("org"))
    }

    @Test
    fun `a corrupt file reads as a miss and odd ids stay inside the directory`(
        @TempDir dir: Path,
    ) = runBlocking<Unit> {
        val cache = FileOfflineCache(dir)
        cache.savePoc("../escape", Poc(id = "../../x", name = "X"))
        Files.walk(dir).use { paths -> paths.filter { Files.isRegularFile(it) }.forEach { kotlin.test.assertTrue(it.startsWith(dir)) } }
        Files.writeString(dir.resolve("org").also { Files.createDirectories(it) }.resolve("list.json"), "{broken")
        assertNull(cache.loadList("org"))
    }
}
