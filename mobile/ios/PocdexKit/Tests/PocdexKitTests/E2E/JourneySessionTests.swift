import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import PocdexKit

/// The session rules against the real accounts service: a second refresh with the same
/// refresh token would revoke the whole family there, so these prove the single flight and
/// the sign-out on a reuse for real.
@Suite("Session against the platform", .serialized)
@MainActor
struct JourneySessionTests {
    /// A signed-up organization whose app believes `offset` seconds have passed.
    static func signedUp(_ platform: JourneyPlatform, offset: Locked<TimeInterval>) async throws -> (PocdexServices, SignupViewModel) {
        let configuration = URLSessionConfiguration.ephemeral
        let raw = URLSessionAPIClient(baseURL: platform.baseURL, session: URLSession(configuration: configuration),
                                      language: { "en" })
        let session = SessionManager(store: InMemorySecureStore(), client: raw) {
            Date().addingTimeInterval(offset.current)
        }
        let services = PocdexServices(baseURL: platform.baseURL, session: session, api: raw.authenticated(by: session),
                                      cache: OfflineCache(storage: MemoryCacheStorage()))
        let suffix = JourneyPlatform.suffix()
        let signup = SignupViewModel(auth: services.auth, language: .english)
        signup.organizationName = "iOS Session \(suffix)"
        signup.ownerName = "Sam"
        signup.email = "sam-ios-\(suffix)@example.com"
        signup.password = "ios-senha-bem-longa-2026"
        await signup.submit()
        guard case .signedIn = signup.outcome else { throw JourneyTimeout(what: "signup \(String(describing: signup.error))", seconds: 0) }
        return (services, signup)
    }

    @Test("twenty concurrent calls with an access token about to expire share one refresh; the platform keeps the session")
    func concurrentCallsRefreshOnce() async throws {
        let platform = JourneyPlatform()
        let offset = Locked<TimeInterval>(0)
        let (services, _) = try await Self.signedUp(platform, offset: offset)
        let profile = ProfileViewModel(repository: services.account)
        try await platform.eventually("the organization is active", within: 30) {
            await profile.load()
            return profile.me?.organization.isActive == true
        }
        let before = try #require(await services.session.current)
        offset.withLock { $0 = 570 }  // 30 s left on a 10-minute token: inside the refresh margin
        let account = services.account
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await account.me().id } }
            var ids: Set<String> = []
            for try await id in group { ids.insert(id) }
            #expect(ids.count == 1)
        }
        let after = try #require(await services.session.current)
        #expect(after.refresh != before.refresh)
        #expect(after.access != before.access)
        // Had two refreshes gone out with one token, the family would be revoked: it is not.
        offset.withLock { $0 = 0 }
        let me = try await services.account.me()
        #expect(me.organization.isActive)
        try await services.session.refreshOnce()  // the rotated token still refreshes
        #expect(await services.session.isSignedIn)
    }

    @Test("a refresh token used twice revokes the family: the app signs out with the revoked reason and the login shows it")
    func reuseSignsOut() async throws {
        let platform = JourneyPlatform()
        let offset = Locked<TimeInterval>(0)
        let (services, signup) = try await Self.signedUp(platform, offset: offset)
        let app = AppViewModel(services: services)
        await app.start()
        #expect(app.session != nil)
        let stolen = try #require(await services.session.current?.refresh)
        try await services.session.refreshOnce()  // the app rotates its token...
        // ...and someone replays the old one: the platform revokes the whole family.
        let raw = URLSessionAPIClient(baseURL: platform.baseURL, session: URLSession(configuration: .ephemeral))
        do {
            _ = try await raw.send(Endpoints.refresh(stolen))
            Issue.record("the platform accepted a used refresh token")
        } catch let error as APIError {
            #expect(error.code == "refresh_token_reused")
        }
        // The app's next call: its access token is refused, the renewal is refused, the session
        // ends. Each accounts process may remember a person's revocations for a second
        // (docs/tokens.md, "The window"), so a call right after may still pass.
        try await platform.eventually("the revoked session is refused", within: 15) {
            do {
                _ = try await services.account.me()
                return false
            } catch let error as APIError {
                #expect(error == .signedOut(.sessionRevoked))
                return true
            }
        }
        #expect(await services.session.isSignedIn == false)
        #expect(await poll { app.phase == .signedOut(reason: .sessionRevoked) })
        let login = LoginViewModel(auth: services.auth, signedOutReason: .sessionRevoked,
                                   organization: signup.organizationSlug, email: signup.email)
        #expect(login.signedOutReason == .sessionRevoked)
        // Logging in again works and clears the reason.
        login.password = signup.password
        await login.submit()
        #expect(login.signedIn != nil, "login: \(String(describing: login.error))")
        #expect(login.signedOutReason == nil)
        #expect(await poll { app.session != nil })
        app.stop()
    }
}
