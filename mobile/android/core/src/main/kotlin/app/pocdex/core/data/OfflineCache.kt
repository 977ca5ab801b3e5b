package app.pocdex.core.data

import app.pocdex.core.model.Poc
import app.pocdex.core.network.PocdexJson
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.builtins.ListSerializer
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption

/** Something read from the offline cache, with the moment it was saved. */
data class Cached<T>(
    val value: T,
    val savedAtMillis: Long,
)

/**
 * The read cache that lets the app show the last POC list and the POCs already opened without network.
 * Entries are kept per organization so that switching organizations never shows another one's data.
 */
interface OfflineCache {
    suspend fun saveList(
        organization: String,
        pocs: List<Poc>,
    )

    suspend fun loadList(organization: String): Cached<List<Poc>>?

    suspend fun savePoc(
        organization: String,
        poc: Poc,
    )

    suspend fun loadPoc(
        organization: String,
        id: String,
    ): Cached<Poc>?

    suspend fun removePoc(
        organization: String,
        id: String,
    )

    /** Forgets everything (logout). */
    suspend fun clear()
}

class InMemoryOfflineCache(
    private val clock: () -> Long = System::currentTimeMillis,
) : OfflineCache {
    private val mutex = Mutex()
    private val lists = mutableMapOf<String, Cached<List<Poc>>>()
    private val pocs = mutableMapOf<Pair<String, String>, Cached<Poc>>()

    override suspend fun saveList(
        organization: String,
        pocs: List<Poc>,
    ) = mutex.withLock { lists[organization] = Cached(pocs, clock()) }

    override suspend fun loadList(organization: String) = mutex.withLock { lists[organization] }

    override suspend fun savePoc(
        organization: String,
        poc: Poc,
    ) = mutex.withLock { pocs[organization to poc.id] = Cached(poc, clock()) }

    override suspend fun loadPoc(
        organization: String,
        id: String,
    ) = mutex.withLock { pocs[organization to id] }

    override suspend fun removePoc(
        organization: String,
        id: String,
    ) = mutex.withLock {
        pocs.remove(organization to id)
        lists[organization]?.let { cached -> lists[organization] = cached.copy(value = cached.value.filterNot { it.id == id }) }
        Unit
    }

    override suspend fun clear() =
        mutex.withLock {
            lists.clear()
            pocs.clear()
        }
}

@Serializable
private data class Envelope<T>(
    @SerialName("saved_at") val savedAt: Long,
    val value: T,
)

/**
 * The cache as JSON files under [directory]: `<organization>/list.json` and `<organization>/poc-<id>.json`,
 * written atomically. Unreadable files read as a miss.
 */
class FileOfflineCache(
    private val directory: Path,
    private val clock: () -> Long = System::currentTimeMillis,
) : OfflineCache {
    private val mutex = Mutex()

    override suspend fun saveList(
        organization: String,
        pocs: List<Poc>,
    ) = write(dir(organization).resolve("list.json"), PocdexJson.encodeToString(listEnvelope, Envelope(clock(), pocs)))

    override suspend fun loadList(organization: String): Cached<List<Poc>>? =
        read(dir(organization).resolve("list.json"))?.let { text ->
            runCatching { PocdexJson.decodeFromString(listEnvelope, text) }.getOrNull()?.let { Cached(it.value, it.savedAt) }
        }

    override suspend fun savePoc(
        organization: String,
        poc: Poc,
    ) = write(pocFile(organization, poc.id), PocdexJson.encodeToString(pocEnvelope, Envelope(clock(), poc)))

    override suspend fun loadPoc(
        organization: String,
        id: String,
    ): Cached<Poc>? =
        read(pocFile(organization, id))?.let { text ->
            runCatching { PocdexJson.decodeFromString(pocEnvelope, text) }.getOrNull()?.let { Cached(it.value, it.savedAt) }
        }

    override suspend fun removePoc(
        organization: String,
        id: String,
    ) {
        mutex.withLock { withContext(Dispatchers.IO) { Files.deleteIfExists(pocFile(organization, id)) } }
        loadList(organization)?.let { cached -> saveList(organization, cached.value.filterNot { it.id == id }) }
    }

    override suspend fun clear() =
        mutex.withLock {
            withContext(Dispatchers.IO) {
                if (Files.exists(directory)) {
                    Files.walk(directory).use { paths -> paths.sorted(Comparator.reverseOrder()).forEach { Files.deleteIfExists(it) } }
                }
            }
            Unit
        }

    private fun dir(organization: String): Path = directory.resolve(safe(organization.ifEmpty { "default" }))

    private fun pocFile(
        organization: String,
        id: String,
    ): Path = dir(organization).resolve("poc-${safe(id)}.json")

    private fun safe(name: String): String = name.replace(Regex("[^A-Za-z0-9._-]"), "_")

    private suspend fun write(
        file: Path,
        text: String,
    ) = mutex.withLock {
        withContext(Dispatchers.IO) {
            Files.createDirectories(file.parent)
            val tmp = file.resolveSibling(file.fileName.toString() + ".tmp")
            Files.write(tmp, text.toByteArray(Charsets.UTF_8))
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)
        }
        Unit
    }

    private suspend fun read(file: Path): String? =
        mutex.withLock {
            withContext(Dispatchers.IO) { if (Files.exists(file)) runCatching { String(Files.readAllBytes(file), Charsets.UTF_8) }.getOrNull() else null }
        }

    private companion object {
        val listEnvelope = Envelope.serializer(ListSerializer(Poc.serializer()))
        val pocEnvelope = Envelope.serializer(Poc.serializer())
    }
}
