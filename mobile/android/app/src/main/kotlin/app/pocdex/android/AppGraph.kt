package app.pocdex.android

import android.content.Context
import app.pocdex.android.platform.AppLanguage
import app.pocdex.android.push.PushRegistrar
import app.pocdex.android.security.KeystoreTokenStore
import app.pocdex.core.CoreGraph
import app.pocdex.core.auth.SessionEvent
import app.pocdex.core.auth.SessionManager
import app.pocdex.core.auth.SessionState
import app.pocdex.core.data.FileOfflineCache
import app.pocdex.core.dojo.OkHttpDojoTransport
import app.pocdex.core.model.PushPlatforms
import app.pocdex.core.network.SignOutReason
import app.pocdex.core.state.PushRegistrationStateHolder
import io.ktor.client.engine.okhttp.OkHttp
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import okhttp3.OkHttpClient
import java.util.concurrent.TimeUnit

/**
 * The app's object graph, built by hand once per process (PocdexApplication): one OkHttp client
 * shared by the REST client (Ktor's OkHttp engine) and the dojo WebSocket, core's graph over the
 * Keystore-backed session, and push registration. Screens get core's state holders through
 * [rememberHolder], scoped to their navigation entry.
 */
class AppGraph(
    context: Context,
    val baseUrl: String = BuildConfig.API_BASE_URL,
) {
    private val appContext = context.applicationContext

    /** Lives as long as the process; main thread (state holders are driven from one thread). */
    val appScope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)

    val tokenStore = KeystoreTokenStore(appContext)

    val okHttp: OkHttpClient =
        OkHttpClient
            .Builder()
            .connectTimeout(15, TimeUnit.SECONDS)
            .readTimeout(30, TimeUnit.SECONDS)
            .writeTimeout(60, TimeUnit.SECONDS)
            .build()

    /**
     * Core wired together: the REST client on Ktor's OkHttp engine over [okHttp], the session over
     * the Keystore store, a repository per area, the offline cache in the cache directory.
     */
    val core =
        CoreGraph(
            baseUrl = baseUrl,
            engine = OkHttp.create { preconfigured = okHttp },
            tokenStore = tokenStore,
            cache = FileOfflineCache(appContext.cacheDir.toPath().resolve("offline")),
            language = AppLanguage::current,
        )

    val session: SessionManager get() = core.session

    /** The dojo WebSocket rides the same connection pool (a per-connection ping is set by the transport). */
    fun dojoTransport() = OkHttpDojoTransport(okHttp)

    val pushRegistration =
        PushRegistrationStateHolder(
            scope = appScope,
            devices = core.devices,
            platform = PushPlatforms.FCM,
            locale = AppLanguage::current,
            appVersion = BuildConfig.VERSION_NAME,
        )

    val push = PushRegistrar(appContext, appScope, pushRegistration, isSignedIn = { session.state.value is SessionState.SignedIn })

    /**
     * The language saved in the profile: applied to the app (its activities are recreated in it)
     * and the device registered again in it, since pushes are sent in the registered language.
     */
    fun applyLanguage(tag: String) {
        AppLanguage.set(tag)
        pushRegistration.retry()
    }

    /**
     * Reads the stored session at start. A session the Keystore can no longer decrypt ends with a
     * message on the login screen (as an expired one does), not with a crash or a silent logout.
     */
    fun start() {
        appScope.launch {
            session.events.collect { event ->
                when (event) {
                    // Every new session (login, signup, accepted invitation) registers this device.
                    is SessionEvent.SignedIn -> push.onSignedIn()

                    // However it ended (logout, revoked family, removed member), nothing of the
                    // organization stays readable offline.
                    is SessionEvent.SignedOut -> core.cache.clear()

                    SessionEvent.Refreshed -> Unit
                }
            }
        }
        appScope.launch {
            val state = session.restore()
            if (tokenStore.invalidated) {
                tokenStore.acknowledgeInvalidation()
                session.signOut(SignOutReason.SessionExpired)
            } else if (state is SessionState.SignedIn) {
                push.onSignedIn()
            }
        }
    }
}
