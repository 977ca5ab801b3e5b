package app.pocdex.android.security

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import android.util.AtomicFile
import android.util.Log
import androidx.annotation.RequiresApi
import app.pocdex.core.auth.StoredSession
import app.pocdex.core.auth.TokenStore
import app.pocdex.core.network.PocdexJson
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import java.io.File
import java.io.FileNotFoundException
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The session at rest: the token pair serialized by core, encrypted with AES-256-GCM under a key
 * generated inside the Android Keystore (StrongBox when the device has one). The key never leaves
 * the secure hardware; the ciphertext is in files/session/tokens.bin, excluded from backups.
 *
 * When the key is gone or unusable (KeyPermanentlyInvalidatedException, a restore from another
 * device, a Keystore reset) the blob cannot be read: the key and the file are deleted, [load]
 * returns null and [invalidated] is set, so the app signs the person out with a clear message
 * instead of failing on every start.
 */
class KeystoreTokenStore(
    context: Context,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) : TokenStore {
    private val appContext = context.applicationContext
    private val file = AtomicFile(File(File(appContext.filesDir, "session"), "tokens.bin"))
    private val mutex = Mutex()

    /** Set when a stored session existed but could no longer be decrypted. */
    @Volatile
    var invalidated: Boolean = false
        private set

    override suspend fun load(): StoredSession? =
        mutex.withLock {
            withContext(io) {
                val bytes =
                    try {
                        file.readFully()
                    } catch (_: FileNotFoundException) {
                        return@withContext null
                    }
                val box = SealedBox.parse(bytes)
                if (box == null) {
                    discard("unreadable session file")
                    return@withContext null
                }
                try {
                    val key = existingKey() ?: throw KeyPermanentlyInvalidatedException("no key")
                    val cipher = Cipher.getInstance(TRANSFORMATION)
                    cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, box.nonce))
                    val plain = cipher.doFinal(box.ciphertext)
                    PocdexJson.decodeFromString(StoredSession.serializer(), plain.decodeToString())
                } catch (e: GeneralSecurityException) {
                    // KeyPermanentlyInvalidatedException, AEADBadTagException, UnrecoverableKeyException...
                    discard(e.javaClass.simpleName)
                    null
                } catch (e: IllegalArgumentException) {
                    // Decrypted but not a session (kotlinx.serialization's SerializationException).
                    discard(e.javaClass.simpleName)
                    null
                }
            }
        }

    override suspend fun save(session: StoredSession) {
        mutex.withLock {
            withContext(io) {
                val plain = PocdexJson.encodeToString(StoredSession.serializer(), session).encodeToByteArray()
                val box =
                    try {
                        seal(keyForWriting(), plain)
                    } catch (_: GeneralSecurityException) {
                        // An invalidated or broken key: a new key for a new blob (the old one is overwritten).
                        deleteKey()
                        seal(keyForWriting(), plain)
                    }
                file.baseFile.parentFile?.mkdirs()
                val out = file.startWrite()
                try {
                    out.write(box.toBytes())
                    file.finishWrite(out)
                } catch (e: java.io.IOException) {
                    file.failWrite(out)
                    throw e
                }
            }
        }
    }

    override suspend fun clear() {
        mutex.withLock { withContext(io) { file.delete() } }
    }

    /** Acknowledges [invalidated] once the app has signed the person out. */
    fun acknowledgeInvalidation() {
        invalidated = false
    }

    private fun seal(
        key: SecretKey,
        plain: ByteArray,
    ): SealedBox {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The Keystore picks a fresh random nonce for every encryption (randomized encryption).
        cipher.init(Cipher.ENCRYPT_MODE, key)
        val ciphertext = cipher.doFinal(plain)
        return SealedBox(cipher.iv, ciphertext)
    }

    private fun discard(why: String) {
        Log.w(TAG, "Stored session discarded: $why")
        invalidated = true
        file.delete()
        deleteKey()
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    private fun existingKey(): SecretKey? = (keyStore().getEntry(KEY_ALIAS, null) as? KeyStore.SecretKeyEntry)?.secretKey

    private fun deleteKey() {
        try {
            keyStore().deleteEntry(KEY_ALIAS)
        } catch (e: GeneralSecurityException) {
            Log.w(TAG, "Could not delete the session key", e)
        }
    }

    private fun keyForWriting(): SecretKey = existingKey() ?: generateKey()

    private fun generateKey(): SecretKey {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P &&
            appContext.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)
        ) {
            generateStrongBoxKey()?.let { return it }
        }
        return generateKey(specBuilder().build())
    }

    /** A key in the StrongBox secure element, or null when the device refuses one (busy, full). */
    @RequiresApi(Build.VERSION_CODES.P)
    private fun generateStrongBoxKey(): SecretKey? =
        try {
            generateKey(specBuilder().setIsStrongBoxBacked(true).build())
        } catch (_: StrongBoxUnavailableException) {
            null
        }

    private fun specBuilder(): KeyGenParameterSpec.Builder =
        KeyGenParameterSpec
            .Builder(KEY_ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(KEY_BITS)
            .setRandomizedEncryptionRequired(true)

    private fun generateKey(spec: KeyGenParameterSpec): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(spec)
        return generator.generateKey()
    }

    private companion object {
        const val TAG = "PocdexTokens"
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val KEY_ALIAS = "pocdex.session.v1"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
        const val KEY_BITS = 256
    }
}
