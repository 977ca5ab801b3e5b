package app.pocdex.core.auth

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Files
import java.nio.file.Path
import javax.crypto.KeyGenerator
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class TokenStoreTest {
    private fun key() = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()

    private val session = StoredSession("header.payload.sig", "refresh-secret-token", 1_800_000_000, "acme", "ana@example.com")

    @Test
    fun `the encrypted file round-trips and holds no token in clear`(
        @TempDir dir: Path,
    ) = runBlocking<Unit> {
        val file = dir.resolve("session.bin")
        val key = key()
        EncryptedFileTokenStore(file, key).save(session)
        val bytes = Files.readAllBytes(file)
        assertFalse(String(bytes, Charsets.ISO_8859_1).contains("refresh-secret-token"))
        assertEquals(session, EncryptedFileTokenStore(file, key).load())
    }

    @Test
    fun `another key or a tampered file reads as no session`(
        @TempDir dir: Path,
    ) = runBlocking<Unit> {
        val file = dir.resolve("session.bin")
        val key = key()
        EncryptedFileTokenStore(file, key).save(session)
        assertNull(EncryptedFileTokenStore(file, key()).load())
        val bytes = Files.readAllBytes(file)
        bytes[bytes.size - 1] = (bytes[bytes.size - 1].toInt() xor 1).toByte()
        Files.write(file, bytes)
        assertNull(EncryptedFileTokenStore(file, key).load())
    }

    @Test
    fun `two saves use different nonces and clear removes the file`(
        @TempDir dir: Path,
    ) = runBlocking<Unit> {
        val file = dir.resolve("session.bin")
        val store = EncryptedFileTokenStore(file, key())
        store.save(session)
        val first = Files.readAllBytes(file)
        store.save(session)
        assertFalse(first.contentEquals(Files.readAllBytes(file)))
        store.clear()
        assertFalse(Files.exists(file))
        assertNull(store.load())
    }

    @Test
    fun `the in-memory store keeps and clears`() =
        runBlocking<Unit> {
            val store = InMemoryTokenStore()
            assertNull(store.load())
            store.save(session)
            assertEquals(session, store.load())
            store.clear()
            assertNull(store.load())
        }

    @Test
    fun `claims are read from the access token`() {
        val token =
            app.pocdex.core.testing.TestJwt
                .access(1_800_000_600, role = "admin", name = "Bia")
        val claims = AccessClaims.parse(token)!!
        assertEquals(1_800_000_600, claims.expiresAt)
        assertEquals("admin", claims.role)
        assertEquals("Bia", claims.name)
        assertTrue(claims.canManageMembers)
        assertFalse(claims.isOwner)
        assertNull(AccessClaims.parse("not-a-jwt"))
    }
}
