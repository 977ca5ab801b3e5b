import Foundation

/// The tokens of the signed-in session, as kept in the secure store.
public struct StoredSession: Codable, Sendable, Hashable {
    public var access: String
    public var refresh: String
    public var accessExpiresAt: Date
    public var refreshExpiresAt: Date?
    public var organizationSlug: String
    public var claims: AccessClaims?

    public init(tokens: TokenPair, organizationSlug: String, now: Date) {
        let claims = AccessClaims.decode(tokens.access)
        access = tokens.access
        refresh = tokens.refresh
        accessExpiresAt = claims?.expiresAt ?? now.addingTimeInterval(TimeInterval(tokens.expiresIn))
        refreshExpiresAt = tokens.refreshExpiresAt
        self.organizationSlug = organizationSlug
        self.claims = claims
    }
}

/// Who is signed in, for the UI.
public struct SessionInfo: Sendable, Hashable {
    public var userID: String
    public var name: String
    public var organizationID: String
    public var organizationSlug: String
    public var role: Role

    public init(userID: String, name: String, organizationID: String, organizationSlug: String, role: Role) {
        self.userID = userID
        self.name = name
        self.organizationID = organizationID
        self.organizationSlug = organizationSlug
        self.role = role
    }

    init(_ session: StoredSession) {
        self.init(userID: session.claims?.subject ?? "", name: session.claims?.name ?? "",
                  organizationID: session.claims?.tenant ?? "", organizationSlug: session.organizationSlug,
                  role: session.claims?.role ?? .member)
    }
}

public enum SessionEvent: Sendable, Hashable {
    case signedIn(SessionInfo)
    /// New tokens (the role may have changed).
    case refreshed(SessionInfo)
    case signedOut(SignOutReason)
}

/// Owns the session's tokens: keeps them in the secure store, refreshes the access token a
/// little before it expires with at most ONE refresh in flight (every concurrent caller awaits
/// the same task: two refreshes with one refresh token would revoke the family), renews it once
/// after a 401, and ends the session (tokens cleared, a `signedOut` event with the reason) when
/// the refresh is refused for good. Network failures keep the tokens.
public actor SessionManager: Authenticator {
    public static let storeKey = "pocdex.session"

    private let store: any SecureStore
    private let client: any APIClient
    private let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date
    private var session: StoredSession?
    private var loaded = false
    private var refreshing: Task<StoredSession, Error>?
    private var subscribers: [UUID: AsyncStream<SessionEvent>.Continuation] = [:]
    /// The code of the last 401 that made us renew (to tell a removed member from a revoked session).
    private var lastRejection: String?

    /// - Parameters:
    ///   - client: an unauthenticated client (refresh and logout carry no access token).
    ///   - refreshMargin: refresh when the access token expires within this many seconds.
    public init(store: any SecureStore, client: any APIClient, refreshMargin: TimeInterval = 60,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.client = client
        self.refreshMargin = refreshMargin
        self.now = now
    }

    // MARK: state

    /// The stored session, read once from the secure store (app launch).
    public func restore() -> SessionInfo? {
        loadIfNeeded()
        return session.map(SessionInfo.init)
    }

    public var info: SessionInfo? {
        loadIfNeeded()
        return session.map(SessionInfo.init)
    }

    public var isSignedIn: Bool {
        loadIfNeeded()
        return session != nil
    }

    /// The refresh token (for logout) and the current tokens, for tests and diagnostics.
    public var current: StoredSession? {
        loadIfNeeded()
        return session
    }

    private func loadIfNeeded() {
        guard !loaded else { return }
        loaded = true
        if let data = try? store.read(Self.storeKey) {
            session = try? PocdexJSON.decoder().decode(StoredSession.self, from: data)
        }
    }

    private func save(_ new: StoredSession?) {
        session = new
        loaded = true
        if let new, let data = try? PocdexJSON.encoder().encode(new) {
            try? store.write(data, for: Self.storeKey)
        } else {
            try? store.delete(Self.storeKey)
        }
    }

    // MARK: events

    /// A stream of session events (sign in, refresh, sign out) for one listener.
    public func events() -> AsyncStream<SessionEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<SessionEvent>.makeStream(bufferingPolicy: .bufferingNewest(16))
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    private func publish(_ event: SessionEvent) {
        for continuation in subscribers.values { continuation.yield(event) }
    }

    // MARK: sign in / out

    /// Starts a session with tokens from login, signup, organization creation or an accepted invitation.
    @discardableResult
    public func establish(_ tokens: TokenPair, organizationSlug: String) -> SessionInfo {
        refreshing?.cancel()
        refreshing = nil
        lastRejection = nil
        let stored = StoredSession(tokens: tokens, organizationSlug: organizationSlug, now: now())
        save(stored)
        let info = SessionInfo(stored)
        publish(.signedIn(info))
        return info
    }

    /// Ends the session here (tokens cleared) and tells the listeners why.
    public func signOut(_ reason: SignOutReason) {
        loadIfNeeded()
        guard session != nil else { return }
        save(nil)
        publish(.signedOut(reason))
    }

    /// Logs out: revokes the session on the server (best effort: offline, the tokens are
    /// dropped anyway) and clears it here.
    public func logout() async {
        loadIfNeeded()
        guard let refresh = session?.refresh else { return }
        signOut(.loggedOut)
        _ = try? await client.send(Endpoints.logout(refresh))
    }

    // MARK: Authenticator

    public func validAccessToken() async throws -> String {
        loadIfNeeded()
        guard let current = session else { throw APIError.signedOut(.loggedOut) }
        if let refreshExpiry = current.refreshExpiresAt, refreshExpiry <= now(), current.accessExpiresAt <= now() {
            signOut(.sessionExpired)
            throw APIError.signedOut(.sessionExpired)
        }
        if current.accessExpiresAt.timeIntervalSince(now()) > refreshMargin {
            return current.access
        }
        return try await refreshOnce().access
    }

    public func renewAccessToken(rejected: String, code: String?) async throws -> String {
        loadIfNeeded()
        if let code { lastRejection = code }
        guard let current = session else { throw APIError.signedOut(.loggedOut) }
        if current.access != rejected, refreshing == nil {
            return current.access  // another caller already renewed it
        }
        return try await refreshOnce().access
    }

    /// Refreshes now (joining the refresh in flight, if any).
    @discardableResult
    public func refreshOnce() async throws -> StoredSession {
        if let refreshing { return try await refreshing.value }
        guard let current = session else { throw APIError.signedOut(.loggedOut) }
        let client = self.client
        let task = Task<StoredSession, Error> {
            do {
                let pair = try await client.send(Endpoints.refresh(current.refresh))
                return try self.refreshed(pair, replacing: current)
            } catch {
                throw self.refreshFailed(error, replacing: current)
            }
        }
        refreshing = task
        defer { refreshing = nil }
        return try await task.value
    }

    private func refreshed(_ pair: TokenPair, replacing old: StoredSession) throws -> StoredSession {
        // A login while the refresh was in flight wins: its tokens are not overwritten.
        guard session?.refresh == old.refresh else {
            if let session { return session }
            throw APIError.signedOut(.loggedOut)
        }
        let stored = StoredSession(tokens: pair, organizationSlug: old.organizationSlug, now: now())
        save(stored)
        lastRejection = nil
        publish(.refreshed(SessionInfo(stored)))
        return stored
    }

    private func refreshFailed(_ error: Error, replacing old: StoredSession) -> Error {
        let apiError = APIError.from(transport: error)
        if let signedOut = error as? APIError, case .signedOut = signedOut { return signedOut }
        let reason: SignOutReason?
        switch apiError.code {
        case "refresh_token_reused": reason = .sessionRevoked
        case "refresh_token_invalid":
            // The server says only "ended"; the refusal that led here tells why.
            switch lastRejection {
            case "membership_revoked": reason = .membershipRevoked
            case "token_revoked": reason = .sessionRevoked  // the family was revoked (a reuse, a logout elsewhere)
            default: reason = .sessionExpired
            }
        case "tenant_suspended": reason = .organizationSuspended
        case "membership_revoked": reason = .membershipRevoked
        default: reason = apiError.status == 401 ? .sessionExpired : nil
        }
        guard let reason else { return apiError }  // offline, 5xx: keep the tokens, try again later
        guard session?.refresh == old.refresh else { return apiError }  // a newer session: leave it
        signOut(reason)
        return APIError.signedOut(reason)
    }
}
