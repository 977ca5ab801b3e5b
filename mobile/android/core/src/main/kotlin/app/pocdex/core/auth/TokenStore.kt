package app.pocdex.core.auth

import app.pocdex.core.network.PocdexJson
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** What the app keeps of a session: the token pair, when the access token expires, and who logged in. */
@Serializable
data class StoredSession(
    val access: String,
    val refresh: String,
    @SerialName("access_expires_at") val accessExpiresAtEpochSeconds: Long,
    val organization: String = "",
    val email: String = "",
)

/**
 * Where tokens live at rest. The Android app implements it over the Keystore; the JVM build has an
 * in-memory store and an AES-GCM encrypted file.
 */
interface TokenStore {
    suspend fun load(): StoredSession?

    suspend fun save(session: StoredSession)

    suspend fun clear()
}

class InMemoryTokenStore(
    initial: StoredSession? = null,
) : TokenStore {
    private val mutex = Mutex()
    private var session: StoredSession? = initial

    override suspend fun load(): StoredSession? = mutex.withLock { session }

    override suspend fun save(session: StoredSession) = mutex.withLock { this.session = session }

    override suspend fun clear() = mutex.withLock { session = null }
}

/**
 * A file holding the session encrypted with AES-256-GCM: a random 12-byte nonce followed by the
 * ciphertext and its tag. A file that does not decrypt (another key, tampering) reads as no session.
 */
class EncryptedFileTokenStore(
    private val file: Path,
    private val key: SecretKey,
    private val random: SecureRandom = SecureRandom(),
) : TokenStore {
    private val mutex = Mutex()

    override suspend fun load(): StoredSession? =
        mutex.withLock {
            withContext(Dispatchers.IO) {
                if (!Files.exists(file)) return@withContext null
                try {
                    val bytes = Files.readAllBytes(file)
                    if (bytes.size <= NONCE_BYTES) return@withContext null
                    val cipher = Cipher.getInstance(TRANSFORMATION)
                    cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES))
                    val plain = cipher.doFinal(bytes, NONCE_BYTES, bytes.size - NONCE_BYTES)
                    PocdexJson.decodeFromString(StoredSession.serializer(), plain.decodeToString())
                } catch (_: Exception) {
                    null
                }
            }
        }

    override suspend fun save(session: StoredSession) =
        mutex.withLock {
            withContext(Dispatchers.IO) {
                val nonce = ByteArray(NONCE_BYTES).also(random::nextBytes)
                val cipher = Cipher.getInstance(TRANSFORMATION)
                cipher.init(Cipher.ENCRYPT_MODE, key, GCMParameterSpec(TAG_BITS, nonce))
                val plain = PocdexJson.encodeToString(StoredSession.serializer(), session).encodeToByteArray()
                val sealed = nonce + cipher.doFinal(plain)
                Files.createDirectories(file.toAbsolutePath().parent)
                val tmp = file.resolveSibling(file.fileName.toString() + ".tmp")
                Files.write(tmp, sealed)
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE)
            }
            Unit
        }

    override suspend fun clear() =
        mutex.withLock {
            withContext(Dispatchers.IO) { Files.deleteIfExists(file) }
            Unit
        }

    private companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val NONCE_BYTES = 12
        const val TAG_BITS = 128
    }
}
