package app.pocdex.android.security

/**
 * The layout of an encrypted blob on disk: a version byte, the length of the GCM nonce, the nonce,
 * then the ciphertext with its tag. Plain Kotlin, so its parsing is tested on the JVM.
 */
class SealedBox(
    val nonce: ByteArray,
    val ciphertext: ByteArray,
) {
    fun toBytes(): ByteArray {
        require(nonce.size in 1..MAX_NONCE) { "nonce of ${nonce.size} bytes" }
        return byteArrayOf(VERSION, nonce.size.toByte()) + nonce + ciphertext
    }

    companion object {
        const val VERSION: Byte = 1
        private const val MAX_NONCE = 32

        /** The box in [bytes], or null when they are not one (another version, truncated). */
        fun parse(bytes: ByteArray): SealedBox? {
            if (bytes.size < 2 || bytes[0] != VERSION) return null
            val nonceSize = bytes[1].toInt() and 0xff
            if (nonceSize !in 1..MAX_NONCE) return null
            val start = 2 + nonceSize
            // GCM's 16-byte tag at least follows the nonce.
            if (bytes.size < start + TAG_BYTES) return null
            return SealedBox(bytes.copyOfRange(2, start), bytes.copyOfRange(start, bytes.size))
        }

        private const val TAG_BYTES = 16
    }
}
