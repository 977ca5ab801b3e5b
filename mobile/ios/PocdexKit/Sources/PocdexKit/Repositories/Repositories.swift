import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What signup gives: a session, or a mail to an address that already has an account.
public enum SignupResult: Sendable, Hashable {
    case signedIn(SessionInfo)
    case mailSent
}

/// Login, signup, invitations, password reset, email verification, logout.
public struct AuthRepository: Sendable {
    public let api: any APIClient
    public let session: SessionManager
    public let cache: OfflineCache?

    public init(api: any APIClient, session: SessionManager, cache: OfflineCache? = nil) {
        self.api = api
        self.session = session
        self.cache = cache
    }

    /// Logs in; throws `APIError` with code `otp_required` when a second factor is needed (call
    /// again with `otp`), `otp_invalid`, `invalid_credentials`, `throttled` ...
    @discardableResult
    public func login(organization: String, email: String, password: String, otp: String? = nil) async throws -> SessionInfo {
        let slug = organization.trimmingCharacters(in: .whitespaces).lowercased()
        let tokens = try await api.send(Endpoints.login(LoginRequest(
            organization: slug, email: email.trimmingCharacters(in: .whitespaces), password: password,
            otp: otp?.isEmpty == false ? otp : nil)))
        return await session.establish(tokens, organizationSlug: slug)
    }

    /// Starts two-factor enrollment for a member of an organization that requires it and who has
    /// not turned it on (login answered 403 `two_factor_required`), with the login's credentials:
    /// the secret and its otpauth:// URI. Throws `two_factor_enrollment_not_needed` (409) for
    /// anyone else, `invalid_credentials`, `throttled`, `tenant_suspended` ... as a login does.
    public func startTwoFactorEnrollment(organization: String, email: String, password: String) async throws -> TOTPSetup {
        try await api.send(Endpoints.startTOTPEnrollment(enrollmentRequest(organization, email, password, code: nil)))
    }

    /// Confirms the enrollment with a first code from the authenticator app; returns the recovery
    /// codes (the platform shows them only now). A wrong code throws `otp_invalid`. The code is
    /// spent: the login after it needs a later one.
    public func confirmTwoFactorEnrollment(organization: String, email: String, password: String,
                                           code: String) async throws -> [String] {
        try await api.send(Endpoints.confirmTOTPEnrollment(enrollmentRequest(
            organization, email, password, code: code.filter { !$0.isWhitespace }))).recoveryCodes
    }

    private func enrollmentRequest(_ organization: String, _ email: String, _ password: String,
                                   code: String?) -> TOTPEnrollmentRequest {
        TOTPEnrollmentRequest(organization: organization.trimmingCharacters(in: .whitespaces).lowercased(),
                              email: email.trimmingCharacters(in: .whitespaces), password: password, code: code)
    }

    public func signup(_ request: SignupRequest) async throws -> SignupResult {
        switch try await api.send(Endpoints.signup(request)) {
        case .created(let grant):
            return .signedIn(await session.establish(grant.tokens, organizationSlug: grant.organization.slug))
        case .mailSent:
            return .mailSent
        }
    }

    /// A signed-in person creates another organization and switches to it.
    @discardableResult
    public func createOrganization(name: String, slug: String, locale: String? = nil) async throws -> SessionInfo {
        let grant = try await api.send(Endpoints.createOrganization(CreateOrganizationRequest(
            organizationName: name, organizationSlug: slug, locale: locale)))
        return await session.establish(grant.tokens, organizationSlug: grant.organization.slug)
    }

    @discardableResult
    public func acceptInvitation(_ request: AcceptInvitationRequest) async throws -> SessionInfo {
        let grant = try await api.send(Endpoints.acceptInvitation(request))
        return await session.establish(grant.tokens, organizationSlug: grant.organization.slug)
    }

    public func forgotPassword(email: String) async throws {
        _ = try await api.send(Endpoints.forgotPassword(email: email.trimmingCharacters(in: .whitespaces)))
    }

    public func resetPassword(token: String, newPassword: String) async throws {
        _ = try await api.send(Endpoints.resetPassword(token: token.trimmingCharacters(in: .whitespaces),
                                                       newPassword: newPassword))
    }

    public func verifyEmail(token: String) async throws {
        _ = try await api.send(Endpoints.verifyEmail(token: token.trimmingCharacters(in: .whitespaces)))
    }

    public func resendVerification() async throws {
        _ = try await api.send(Endpoints.resendVerification())
    }

    /// Revokes the session on the server (best effort) and forgets the tokens and the offline cache.
    public func logout() async {
        await session.logout()
        cache?.clear()
    }
}

/// Profile, members, invitations, two-factor, push devices.
public struct AccountRepository: Sendable {
    public let api: any APIClient
    public init(api: any APIClient) { self.api = api }

    public func me() async throws -> Me { try await api.send(Endpoints.me()) }
    public func updateProfile(name: String? = nil, locale: String? = nil) async throws -> Me {
        try await api.send(Endpoints.updateMe(ProfileUpdate(name: name, locale: locale)))
    }
    public func members() async throws -> [Member] { try await api.send(Endpoints.members()).results }
    public func changeRole(memberID: String, to role: Role) async throws -> Member {
        try await api.send(Endpoints.updateMember(id: memberID, role: role))
    }
    public func removeMember(id: String) async throws { _ = try await api.send(Endpoints.removeMember(id: id)) }
    public func invitations() async throws -> [Invitation] { try await api.send(Endpoints.invitations()).results }
    public func invite(email: String, role: Role) async throws -> Invitation {
        try await api.send(Endpoints.invite(InvitationRequest(email: email.trimmingCharacters(in: .whitespaces), role: role)))
    }
    public func revokeInvitation(id: String) async throws { _ = try await api.send(Endpoints.revokeInvitation(id: id)) }
    public func startTwoFactor() async throws -> TOTPSetup { try await api.send(Endpoints.startTOTP()) }
    public func confirmTwoFactor(code: String) async throws -> [String] {
        try await api.send(Endpoints.confirmTOTP(code: code.filter { !$0.isWhitespace })).recoveryCodes
    }
    public func disableTwoFactor(password: String, code: String) async throws {
        _ = try await api.send(Endpoints.disableTOTP(password: password, code: code.trimmingCharacters(in: .whitespaces)))
    }
    public func registerDevice(_ registration: DeviceRegistration) async throws -> Device {
        try await api.send(Endpoints.registerDevice(registration))
    }
    public func devices() async throws -> [Device] { try await api.send(Endpoints.devices()).results }
    public func deleteDevice(id: String) async throws { _ = try await api.send(Endpoints.deleteDevice(id: id)) }
}

/// What an attachment upload reports.
public enum AttachmentUploadEvent: Sendable, Hashable {
    case created(Attachment)
    case progress(UploadProgress)
    case completed(Attachment)
}

/// POCs: list (cached first page), detail (cached), create, edit, delete/restore, attachments.
public struct PocRepository: Sendable {
    public let api: any APIClient
    public let cache: OfflineCache
    /// The cache scope: organization and person (`SessionInfo`), so accounts never share entries.
    public let scope: @Sendable () async -> String

    public init(api: any APIClient, cache: OfflineCache, scope: @escaping @Sendable () async -> String) {
        self.api = api
        self.cache = cache
        self.scope = scope
    }

    /// A page of POCs; the first page is cached, and served from the cache (stale) when offline.
    public func page(cursor: String? = nil, limit: Int = 20, filters: SearchFilters = SearchFilters()) async throws -> Loaded<Page<Poc>> {
        let scope = await scope()
        do {
            let page = try await api.send(Endpoints.pocs(cursor: cursor, limit: limit, filters: filters))
            if cursor == nil && filters.isEmpty { cache.savePocList(page.results, scope: scope) }
            return Loaded(value: page, source: .network)
        } catch let error as APIError where error.isOffline && cursor == nil && filters.isEmpty {
            guard let cached = cache.pocList(scope: scope) else { throw error }
            return Loaded(value: Page(results: cached.value, next: nil), source: .cache(savedAt: cached.savedAt))
        }
    }

    /// A POC; cached when opened, served from the cache (stale) when offline.
    public func poc(id: String) async throws -> Loaded<Poc> {
        let scope = await scope()
        do {
            let poc = try await api.send(Endpoints.poc(id: id))
            cache.savePoc(poc, scope: scope)
            return Loaded(value: poc, source: .network)
        } catch let error as APIError {
            if error.isNotFound { cache.removePoc(id: id, scope: scope) }
            guard error.isOffline, let cached = cache.poc(id: id, scope: scope) else { throw error }
            return Loaded(value: cached.value, source: .cache(savedAt: cached.savedAt))
        }
    }

    public func create(_ draft: PocDraft) async throws -> Poc {
        let poc = try await api.send(Endpoints.createPoc(draft))
        cache.savePoc(poc, scope: await scope())
        return poc
    }

    public func update(id: String, _ draft: PocDraft) async throws -> Poc {
        let poc = try await api.send(Endpoints.updatePoc(id: id, draft))
        cache.savePoc(poc, scope: await scope())
        return poc
    }

    /// Deletes (soft: restorable for a while, see `restore`).
    public func delete(id: String) async throws {
        _ = try await api.send(Endpoints.deletePoc(id: id))
        cache.removePoc(id: id, scope: await scope())
    }

    public func restore(id: String) async throws -> Poc {
        let poc = try await api.send(Endpoints.restorePoc(id: id))
        cache.savePoc(poc, scope: await scope())
        return poc
    }

    public func deleted() async throws -> [Poc] { try await api.send(Endpoints.deletedPocs()).results }

    public func attachments(pocID: String) async throws -> [Attachment] {
        try await api.send(Endpoints.attachments(pocID: pocID)).results
    }

    /// Creates the attachment, PUTs the bytes to the presigned URL (with progress), completes it.
    public func uploadAttachment(pocID: String, filename: String, contentType: String,
                                 data: Data) -> AsyncThrowingStream<AttachmentUploadEvent, Error> {
        let api = self.api
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let created = try await api.send(Endpoints.createAttachment(
                        pocID: pocID, NewAttachment(filename: filename, contentType: contentType, size: data.count)))
                    continuation.yield(.created(created))
                    guard let target = created.upload else { throw APIError.decoding("no upload URL in the attachment") }
                    for try await progress in api.upload(data, to: target) {
                        continuation.yield(.progress(progress))
                    }
                    let completed = try await api.send(Endpoints.completeAttachment(pocID: pocID, id: created.id))
                    continuation.yield(.completed(completed))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: APIError.from(transport: error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func attachmentDownload(pocID: String, id: String) async throws -> URL {
        let attachment = try await api.send(Endpoints.attachment(pocID: pocID, id: id))
        guard let link = attachment.download?.url, let url = URL(string: link) else {
            throw APIError.http(status: 409, code: "attachment_not_ready", message: "", fields: [:])
        }
        return url
    }

    public func deleteAttachment(pocID: String, id: String) async throws {
        _ = try await api.send(Endpoints.deleteAttachment(pocID: pocID, id: id))
    }

    public func languages(prefix: String = "") async throws -> [CatalogEntry] {
        try await api.send(Endpoints.languages(prefix: prefix)).results
    }

    public func tags(prefix: String = "") async throws -> [CatalogEntry] {
        try await api.send(Endpoints.tags(prefix: prefix)).results
    }
}

public struct SearchRepository: Sendable {
    public let api: any APIClient
    public init(api: any APIClient) { self.api = api }

    public func search(_ text: String, filters: SearchFilters = SearchFilters(), cursor: String? = nil,
                       limit: Int = 20) async throws -> SearchPage {
        try await api.send(Endpoints.search(text, filters: filters, cursor: cursor, limit: limit))
    }

    public func suggest(_ text: String) async throws -> Suggestions {
        try await api.send(Endpoints.suggest(text))
    }
}

public struct DojoRepository: Sendable {
    public let api: any APIClient
    public let baseURL: URL
    public init(api: any APIClient, baseURL: URL) {
        self.api = api
        self.baseURL = baseURL
    }

    public func dojos(_ state: DojoListState) async throws -> [Dojo] { try await api.send(Endpoints.dojos(state: state)).results }
    public func dojo(id: String) async throws -> Dojo { try await api.send(Endpoints.dojo(id: id)) }
    public func schedule(_ draft: DojoDraft) async throws -> Dojo { try await api.send(Endpoints.createDojo(draft)) }
    public func start(id: String) async throws -> Dojo { try await api.send(Endpoints.startDojo(id: id)) }
    public func end(id: String) async throws -> Dojo { try await api.send(Endpoints.endDojo(id: id)) }
    public func join(id: String) async throws -> DojoParticipant { try await api.send(Endpoints.joinDojo(id: id)) }
    public func replay(id: String, afterSeq: Int? = nil) async throws -> DojoReplay {
        try await api.send(Endpoints.replay(id: id, afterSeq: afterSeq))
    }

    /// A one-time ticket and the full WebSocket URL to open with it (ws:// or wss:// on the
    /// gateway's host): the live dojo session's ticket provider.
    public func ticketURL(dojoID: String) async throws -> URL {
        let ticket = try await api.send(Endpoints.dojoTicket(id: dojoID))
        return try Self.webSocketURL(baseURL: baseURL, path: ticket.url)
    }

    public static func webSocketURL(baseURL: URL, path: String) throws -> URL {
        if let absolute = URL(string: path), let scheme = absolute.scheme, scheme.hasPrefix("ws") { return absolute }
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw APIError.decoding("bad base URL")
        }
        components.scheme = components.scheme == "https" ? "wss" : "ws"
        let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
        components.path = parts[0]
        components.percentEncodedQuery = parts.count > 1 ? parts[1] : nil
        guard let url = components.url else { throw APIError.decoding("bad ticket URL \(path)") }
        return url
    }
}

public struct MediaRepository: Sendable {
    public let api: any APIClient
    public init(api: any APIClient) { self.api = api }

    public func requestReport(_ request: ReportRequest) async throws -> MediaJob { try await api.send(Endpoints.requestReport(request)) }
    public func requestVideo(_ request: VideoRequest) async throws -> MediaJob { try await api.send(Endpoints.requestVideo(request)) }
    public func job(kind: JobKind, id: String) async throws -> MediaJob { try await api.send(Endpoints.job(kind: kind, id: id)) }
    public func jobs(kind: JobKind) async throws -> [MediaJob] { try await api.send(Endpoints.jobs(kind: kind)).results }
    public func download(_ file: JobFile) async throws -> Data {
        guard let url = URL(string: file.url) else { throw APIError.decoding("bad file URL") }
        return try await api.download(from: url)
    }
}

/// Everything the app needs, wired once (the app's composition root).
public final class PocdexServices: Sendable {
    public let baseURL: URL
    public let session: SessionManager
    public let api: any APIClient
    public let cache: OfflineCache
    public let auth: AuthRepository
    public let account: AccountRepository
    public let pocs: PocRepository
    public let search: SearchRepository
    public let dojos: DojoRepository
    public let media: MediaRepository

    public init(baseURL: URL, session: SessionManager, api: any APIClient, cache: OfflineCache) {
        self.baseURL = baseURL
        self.session = session
        self.api = api
        self.cache = cache
        auth = AuthRepository(api: api, session: session, cache: cache)
        account = AccountRepository(api: api)
        pocs = PocRepository(api: api, cache: cache) { [session] in
            let info = await session.info
            return "\(info?.organizationID ?? "none")-\(info?.userID ?? "none")"
        }
        search = SearchRepository(api: api)
        dojos = DojoRepository(api: api, baseURL: baseURL)
        media = MediaRepository(api: api)
    }

    /// The real thing: URLSession, the given secure store (the Keychain in the app), file cache.
    public static func live(baseURL: URL, store: any SecureStore, cacheStorage: any CacheStorage,
                            urlSession: URLSession = .shared,
                            language: @escaping @Sendable () -> String = { Locale.preferredLanguages.first ?? "en" }) -> PocdexServices {
        let raw = URLSessionAPIClient(baseURL: baseURL, session: urlSession, language: language)
        let session = SessionManager(store: store, client: raw)
        return PocdexServices(baseURL: baseURL, session: session, api: raw.authenticated(by: session),
                              cache: OfflineCache(storage: cacheStorage))
    }
}
