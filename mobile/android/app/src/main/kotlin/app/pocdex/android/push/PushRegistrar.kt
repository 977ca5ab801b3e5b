package app.pocdex.android.push

import android.content.Context
import android.util.Log
import app.pocdex.core.state.PushRegistrationStateHolder
import com.google.android.gms.tasks.Task
import com.google.firebase.FirebaseApp
import com.google.firebase.messaging.FirebaseMessaging
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException

/** Whether this build can receive pushes (a Firebase configuration was packaged with it). */
enum class PushAvailability { Available, NotConfigured }

/**
 * Hands this install's FCM token to core's [PushRegistrationStateHolder], which registers it with
 * the platform (POST /api/v1/devices, platform "fcm", idempotent): after login, at start with a
 * stored session, and whenever Firebase rotates the token. Before logout the holder deletes the
 * device (best effort). [scope] is the application's main-thread scope: the holder is driven from
 * one thread. The last token is cached in the "push" preferences (excluded from backups).
 */
class PushRegistrar(
    context: Context,
    private val scope: CoroutineScope,
    private val holder: PushRegistrationStateHolder,
    private val isSignedIn: () -> Boolean,
) {
    private val appContext = context.applicationContext
    private val prefs = appContext.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    val availability: PushAvailability
        get() = if (FirebaseApp.getApps(appContext).isEmpty()) PushAvailability.NotConfigured else PushAvailability.Available

    /** Firebase gave this install a new token (the messaging service's thread). */
    fun onNewToken(token: String) {
        prefs.edit().putString(KEY_TOKEN, token).apply()
        scope.launch { if (isSignedIn()) holder.onToken(token) }
    }

    /** After login, signup or an accepted invitation, at start with a stored session, after a language change. */
    fun onSignedIn() {
        if (availability != PushAvailability.Available) return
        scope.launch { currentToken()?.let(holder::onToken) }
    }

    /** Before the tokens are cleared: the platform forgets this device. */
    suspend fun onSigningOut() {
        holder.unregister()
    }

    private suspend fun currentToken(): String? =
        try {
            FirebaseMessaging
                .getInstance()
                .token
                .awaitResult()
                .also { prefs.edit().putString(KEY_TOKEN, it).apply() }
        } catch (e: Exception) {
            // No Play services or no network: the cached token if any, else the next start or rotation.
            Log.w(TAG, "No FCM token: ${e.javaClass.simpleName}")
            prefs.getString(KEY_TOKEN, null)
        }

    private suspend fun <T> Task<T>.awaitResult(): T =
        suspendCancellableCoroutine { continuation ->
            addOnCompleteListener { task ->
                if (task.isSuccessful) {
                    continuation.resume(task.result)
                } else {
                    continuation.resumeWithException(task.exception ?: IllegalStateException("FCM token task failed"))
                }
            }
        }

    private companion object {
        const val TAG = "PocdexPush"
        const val PREFS = "push"
        const val KEY_TOKEN = "fcm_token"
    }
}
