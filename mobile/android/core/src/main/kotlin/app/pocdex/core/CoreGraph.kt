package app.pocdex.core

import app.pocdex.core.auth.SessionManager
import app.pocdex.core.auth.TokenStore
import app.pocdex.core.data.AttachmentRepository
import app.pocdex.core.data.AuthRepository
import app.pocdex.core.data.DeviceRepository
import app.pocdex.core.data.DojoRepository
import app.pocdex.core.data.MediaRepository
import app.pocdex.core.data.OfflineCache
import app.pocdex.core.data.OrganizationRepository
import app.pocdex.core.data.PocRepository
import app.pocdex.core.data.ProfileRepository
import app.pocdex.core.data.SearchRepository
import app.pocdex.core.network.ApiClient
import io.ktor.client.engine.HttpClientEngine

/**
 * The core wired together: one HTTP client (engine injected), the session over [tokenStore], and a
 * repository per area. The Android app builds one with the OkHttp engine, the Keystore token store and
 * a file cache in its cache directory; tests build one with CIO or OkHttp and in-memory stores.
 */
class CoreGraph(
    baseUrl: String,
    engine: HttpClientEngine,
    val tokenStore: TokenStore,
    val cache: OfflineCache,
    /** The request language (Accept-Language): pt-BR or en. */
    language: () -> String = { "en" },
    clock: () -> Long = System::currentTimeMillis,
    notReadyRetries: Int = 8,
) {
    /** Calls that carry no token (login, refresh, signup …). */
    val publicApi: ApiClient = ApiClient(baseUrl, engine, language = language, notReadyRetries = notReadyRetries)

    val session: SessionManager = SessionManager(tokenStore, refresher = { refresh -> auth.refresh(refresh) }, clock = clock)

    /** Calls with the session's tokens. */
    val api: ApiClient = publicApi.withTokens(session)

    val auth: AuthRepository by lazy { AuthRepository(publicApi, api, session) }
    val pocs: PocRepository by lazy { PocRepository(api, cache) { session.claims?.tenant ?: "" } }
    val search: SearchRepository by lazy { SearchRepository(api) }
    val attachments: AttachmentRepository by lazy { AttachmentRepository(api) }
    val dojos: DojoRepository by lazy { DojoRepository(api) }
    val media: MediaRepository by lazy { MediaRepository(api) }
    val organization: OrganizationRepository by lazy { OrganizationRepository(api) }
    val profile: ProfileRepository by lazy { ProfileRepository(api) }
    val devices: DeviceRepository by lazy { DeviceRepository(api) }

    fun close() = publicApi.close()
}
