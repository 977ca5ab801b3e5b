package app.pocdex.core.auth

import app.pocdex.core.model.TokenPair
import app.pocdex.core.network.AccessTokenSource
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.SignOutReason
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/** Whether someone is signed in, as the navigation sees it. */
sealed interface SessionState {
    /** The stored session has not been read yet. */
    data object Unknown : SessionState

    data class SignedIn(
        val claims: AccessClaims,
        val organization: String,
        val email: String,
    ) : SessionState

    /** No session; [reason] is set when it ended by itself (the login screen explains it). */
    data class SignedOut(
        val reason: SignOutReason?,
    ) : SessionState
}

sealed interface SessionEvent {
    data class SignedIn(
        val claims: AccessClaims,
    ) : SessionEvent

    data object Refreshed : SessionEvent

    data class SignedOut(
        val reason: SignOutReason,
    ) : SessionEvent
}

/**
 * Owns the token pair. Refreshes the access token [refreshMarginSeconds] before its `exp`, with one
 * refresh in flight at a time (concurrent callers wait for it and use its result), and refreshes once
 * after a 401 `token_revoked`/`token_expired`. When the refresh token is refused (reused, expired,
 * revoked family, removed member, suspended organization) the tokens are cleared and
 * [SessionEvent.SignedOut] is emitted once; callers get [ApiError.SignedOut], never a retry loop.
 */
class SessionManager(
    private val store: TokenStore,
    private val refresher: suspend (refreshToken: String) -> ApiResult<TokenPair>,
    private val clock: () -> Long = { System.currentTimeMillis() },
    private val refreshMarginSeconds: Long = 60,
) : AccessTokenSource {
    private val mutex = Mutex()
    private var current: StoredSession? = null
    private var loaded = false

    private val _state = MutableStateFlow<SessionState>(SessionState.Unknown)
    val state: StateFlow<SessionState> = _state.asStateFlow()

    private val _events = MutableSharedFlow<SessionEvent>(extraBufferCapacity = 16)
    val events: SharedFlow<SessionEvent> = _events.asSharedFlow()

    /** How many refresh requests this manager sent (for diagnostics and tests). */
    @Volatile
    var refreshCount: Int = 0
        private set

    /** Reads the stored session (app start). */
    suspend fun restore(): SessionState =
        mutex.withLock {
            ensureLoaded()
            _state.value
        }

    /** Starts a session from a login, signup or invitation answer. */
    suspend fun start(
        pair: TokenPair,
        organization: String = "",
        email: String = "",
    ) {
        mutex.withLock {
            loaded = true
            val session = sessionOf(pair, organization, email)
            current = session
            store.save(session)
            publishSignedIn(session)
        }
        AccessClaims.parse(pair.access)?.let { _events.tryEmit(SessionEvent.SignedIn(it)) }
    }

    /** Ends the session locally (logout, or an ended session found elsewhere). */
    suspend fun signOut(reason: SignOutReason = SignOutReason.LoggedOut) {
        mutex.withLock { endLocked(reason) }
    }

    /** The refresh token of the current session (the logout call sends it). */
    suspend fun refreshToken(): String? =
        mutex.withLock {
            ensureLoaded()
            current?.refresh
        }

    val claims: AccessClaims?
        get() = (state.value as? SessionState.SignedIn)?.claims

    override suspend fun accessToken(): ApiResult<String> {
        val snapshot =
            mutex.withLock {
                ensureLoaded()
                current
            } ?: return ApiResult.Err(ApiError.SignedOut(signedOutReason()))
        if (isFresh(snapshot)) return ApiResult.Ok(snapshot.access)
        return refresh(snapshot.access)
    }

    override suspend fun refreshAfterRejection(
        rejected: String,
        error: ApiError,
    ): ApiResult<String> {
        if (error is ApiError.Unauthorized && error.code == "membership_revoked") {
            signOut(SignOutReason.MembershipRevoked)
            return ApiResult.Err(ApiError.SignedOut(SignOutReason.MembershipRevoked))
        }
        return refresh(rejected)
    }

    /** Refreshes unless another caller already replaced [stale]; one refresh at a time. */
    private suspend fun refresh(stale: String): ApiResult<String> =
        mutex.withLock {
            ensureLoaded()
            val session = current ?: return@withLock ApiResult.Err(ApiError.SignedOut(signedOutReason()))
            if (session.access != stale) return@withLock ApiResult.Ok(session.access)
            refreshCount++
            when (val answer = refresher(session.refresh)) {
                is ApiResult.Ok -> {
                    val renewed = sessionOf(answer.value, session.organization, session.email)
                    current = renewed
                    store.save(renewed)
                    publishSignedIn(renewed)
                    _events.tryEmit(SessionEvent.Refreshed)
                    ApiResult.Ok(renewed.access)
                }

                is ApiResult.Err -> {
                    val reason = signOutReasonFor(answer.error)
                    if (reason == null) {
                        // No answer or a server failure: keep the session, the call fails this time.
                        answer
                    } else {
                        endLocked(reason)
                        ApiResult.Err(ApiError.SignedOut(reason))
                    }
                }
            }
        }

    private suspend fun endLocked(reason: SignOutReason) {
        val hadSession = current != null || (_state.value is SessionState.SignedIn)
        current = null
        loaded = true
        store.clear()
        _state.value = SessionState.SignedOut(reason.takeIf { it != SignOutReason.LoggedOut })
        if (hadSession) _events.tryEmit(SessionEvent.SignedOut(reason))
    }

    private suspend fun ensureLoaded() {
        if (loaded) return
        loaded = true
        current = store.load()
        val session = current
        if (session == null) {
            _state.value = SessionState.SignedOut(null)
        } else {
            publishSignedIn(session)
        }
    }

    private fun publishSignedIn(session: StoredSession) {
        val claims = AccessClaims.parse(session.access)
        _state.value =
            if (claims != null) {
                SessionState.SignedIn(claims, session.organization, session.email)
            } else {
                SessionState.SignedOut(null)
            }
    }

    private fun signedOutReason(): SignOutReason = (state.value as? SessionState.SignedOut)?.reason ?: SignOutReason.LoggedOut

    private fun isFresh(session: StoredSession): Boolean = clock() / 1000 < session.accessExpiresAtEpochSeconds - refreshMarginSeconds

    private fun sessionOf(
        pair: TokenPair,
        organization: String,
        email: String,
    ): StoredSession {
        val exp = AccessClaims.parse(pair.access)?.expiresAt ?: (clock() / 1000 + pair.expiresIn)
        return StoredSession(pair.access, pair.refresh, exp, organization, email)
    }

    companion object {
        /** Which refusals of the refresh call end the session (null: keep it, e.g. no network). */
        fun signOutReasonFor(error: ApiError): SignOutReason? =
            when {
                error.code == "refresh_token_reused" -> SignOutReason.SessionReused
                error.code == "membership_revoked" -> SignOutReason.MembershipRevoked
                error.code == "tenant_suspended" -> SignOutReason.TenantSuspended
                error is ApiError.Unauthorized || error is ApiError.TokenRevoked -> SignOutReason.SessionExpired
                error is ApiError.Http && error.status in 400..499 && error.status != 429 -> SignOutReason.SessionExpired
                else -> null
            }
    }
}
