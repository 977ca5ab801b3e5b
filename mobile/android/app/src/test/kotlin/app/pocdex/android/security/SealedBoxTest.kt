package app.pocdex.android.security

import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Test

class SealedBoxTest {
    private val nonce = ByteArray(12) { (it + 1).toByte() }
    private val ciphertext = ByteArray(40) { (100 + it).toByte() }

    @Test
    fun `a box reads back as the nonce and ciphertext it was written with`() {
        val bytes = SealedBox(nonce, ciphertext).toBytes()

        assertEquals(2 + 12 + 40, bytes.size)
        assertEquals(SealedBox.VERSION, bytes[0])
        val parsed = SealedBox.parse(bytes)
        assertNotNull(parsed)
        assertArrayEquals(nonce, parsed!!.nonce)
        assertArrayEquals(ciphertext, parsed.ciphertext)
    }

    @Test
    fun `another version is not read`() {
        val bytes = SealedBox(nonce, ciphertext).toBytes()
        bytes[0] = 2

        assertNull(SealedBox.parse(bytes))
    }

    @Test
    fun `a truncated file is not read`() {
        val bytes = SealedBox(nonce, ciphertext).toBytes()

        assertNull(SealedBox.parse(bytes.copyOf(2 + 12 + 15)))
        assertNull(SealedBox.parse(bytes.copyOf(1)))
        assertNull(SealedBox.parse(ByteArray(0)))
    }

    @Test
    fun `a nonce length of zero or beyond the limit is refused`() {
        assertNull(SealedBox.parse(byteArrayOf(SealedBox.VERSION, 0) + ciphertext))
        assertNull(SealedBox.parse(byteArrayOf(SealedBox.VERSION, 33) + ByteArray(33) + ciphertext))
    }

    @Test(expected = IllegalArgumentException::class)
    fun `an empty nonce cannot be written`() {
        SealedBox(ByteArray(0), ciphertext).toBytes()
    }
}
