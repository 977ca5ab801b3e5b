import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import PocdexKit

/// The session rules against a fake server behind the real URLSession client.
@Suite struct SessionTests {
    struct Setup {
        let server: StubServer
        let store: InMemorySecureStore
        let session: SessionManager
        let api: URLSessionAPIClient
        let sleeps: Locked<[TimeInterval]>
    }

    static func setup(_ handler: @escaping StubServer.Handler, maxAttempts: Int = 12) -> Setup {
        let server = StubServer(handler)
        let store = InMemorySecureStore()
        let sleeps = Locked<[TimeInterval]>([])
        let retry = RetryPolicy(maxAttempts: maxAttempts, maxDelay: 2, maxTotalWait: 20) { seconds in
            sleeps.withLock { $0.append(seconds) }
        }
        let raw = URLSessionAPIClient(baseURL: server.baseURL, session: server.session(), retry: retry, language: { "pt-BR" })
        let session = SessionManager(store: store, client: raw)
        return Setup(server: server, store: store, session: session, api: raw.authenticated(by: session), sleeps: sleeps)
    }

    static let soon = Date().addingTimeInterval(10)      // inside the refresh margin
    static let later = Date().addingTimeInterval(600)

    static func tokens(exp: Date, refresh: String) -> TokenPair {
        TokenPair(access: TestJWT.make(exp: exp), refresh: refresh, expiresIn: 600)
    }

    @Test func concurrentRequestsWithAnExpiringTokenShareOneRefresh() async throws {
        let refreshes = Locked(0)
        let setup = Self.setup { request in
            if request.path == "/api/v1/auth/refresh" {
                refreshes.withLock { $0 += 1 }
                #expect(request.json["refresh"] == .string("r1"))
                Thread.sleep(forTimeInterval: 0.05)  // keep it in flight while others arrive
                return .json(200, TestJWT.pair(exp: Self.later, refresh: "r2"))
            }
            return .json(200, Fixture.me)
        }
        await setup.session.establish(Self.tokens(exp: Self.soon, refresh: "r1"), organizationSlug: "lab")

        try await withThrowingTaskGroup(of: Me.self) { group in
            for _ in 0..<20 { group.addTask { try await setup.api.send(Endpoints.me()) } }
            var count = 0
            for try await me in group {
                #expect(me.email == "ana@example.com")
                count += 1
            }
            #expect(count == 20)
        }
        #expect(refreshes.current == 1)
        #expect(setup.server.requests(to: "/api/v1/auth/refresh").count == 1)
        let current = await setup.session.current
        #expect(current?.refresh == "r2")
        // Every /me carried the refreshed token.
        let fresh = "Bearer \(current?.access ?? "")"
        #expect(setup.server.requests(to: "/api/v1/me").allSatisfy { $0.headers["Authorization"] == fresh })
        // And the new tokens are in the secure store.
        let stored = try #require(try setup.store.read(SessionManager.storeKey))
        #expect(String(decoding: stored, as: UTF8.self).contains("r2"))
    }

    @Test func a401IsRenewedOnceAndRetriedOnce() async throws {
        let oldToken = TestJWT.make(exp: Self.later)
        let setup = Self.setup { request in
            switch request.path {
            case "/api/v1/auth/refresh":
                return .json(200, TestJWT.pair(exp: Self.later, refresh: "r2"))
            default:
                if request.headers["Authorization"] == "Bearer \(oldToken)" { return .error(401, "token_revoked") }
                return .json(200, Fixture.me)
            }
        }
        await setup.session.establish(TokenPair(access: oldToken, refresh: "r1", expiresIn: 600), organizationSlug: "lab")
        let me = try await setup.api.send(Endpoints.me())
        #expect(me.name == "Ana")
        #expect(setup.server.requests(to: "/api/v1/me").count == 2)
        #expect(setup.server.requests(to: "/api/v1/auth/refresh").count == 1)
    }

    @Test func aSecond401IsFinalNotALoop() async throws {
        let setup = Self.setup { request in
            if request.path == "/api/v1/auth/refresh" { return .json(200, TestJWT.pair(exp: Self.later, refresh: "r\(UUID())")) }
            return .error(401, "token_expired", "expired")
        }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        await #expect(throws: APIError.unauthorized(code: "token_expired", message: "expired")) {
            try await setup.api.send(Endpoints.me())
        }
        #expect(setup.server.requests(to: "/api/v1/me").count == 2)
        #expect(setup.server.requests(to: "/api/v1/auth/refresh").count == 1)
        #expect(await setup.session.isSignedIn)
    }

    @Test func aReusedRefreshTokenEndsTheSessionWithItsReason() async throws {
        let setup = Self.setup { request in
            if request.path == "/api/v1/auth/refresh" {
                return .error(401, "refresh_token_reused", "This session was used from somewhere else")
            }
            return .error(401, "token_revoked")
        }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        let events = await setup.session.events()
        await #expect(throws: APIError.signedOut(.sessionRevoked)) {
            try await setup.api.send(Endpoints.me())
        }
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == .signedOut(.sessionRevoked))
        #expect(try setup.store.read(SessionManager.storeKey) == nil)
        #expect(await setup.session.isSignedIn == false)
        // Later calls fail at once, without touching the network again.
        let before = setup.server.requests.count
        await #expect(throws: APIError.signedOut(.loggedOut)) { try await setup.api.send(Endpoints.me()) }
        #expect(setup.server.requests.count == before)
        #expect(setup.server.requests(to: "/api/v1/auth/refresh").count == 1)
    }

    @Test func aRemovedMemberIsToldSo() async throws {
        let setup = Self.setup { request in
            if request.path == "/api/v1/auth/refresh" { return .error(401, "refresh_token_invalid") }
            return .error(401, "membership_revoked")
        }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        await #expect(throws: APIError.signedOut(.membershipRevoked)) { try await setup.api.send(Endpoints.me()) }
    }

    @Test func aRevokedFamilySaysRevokedNotExpired() async throws {
        // After a reuse elsewhere the access token is on the deny list and the newest refresh
        // token is refused as invalid.
        let setup = Self.setup { request in
            if request.path == "/api/v1/auth/refresh" { return .error(401, "refresh_token_invalid") }
            return .error(401, "token_revoked")
        }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        await #expect(throws: APIError.signedOut(.sessionRevoked)) { try await setup.api.send(Endpoints.me()) }
    }

    @Test func anEndedSessionSaysExpired() async throws {
        let setup = Self.setup { _ in .error(401, "refresh_token_invalid") }
        await setup.session.establish(Self.tokens(exp: Self.soon, refresh: "r1"), organizationSlug: "lab")
        await #expect(throws: APIError.signedOut(.sessionExpired)) { try await setup.api.send(Endpoints.me()) }
    }

    @Test func aSuspendedOrganizationEndsTheSession() async throws {
        let setup = Self.setup { _ in .error(403, "tenant_suspended") }
        await setup.session.establish(Self.tokens(exp: Self.soon, refresh: "r1"), organizationSlug: "lab")
        await #expect(throws: APIError.signedOut(.organizationSuspended)) { try await setup.api.send(Endpoints.me()) }
    }

    @Test func aRefreshThatCannotReachThePlatformKeepsTheTokens() async throws {
        let setup = Self.setup { _ in throw URLError(.notConnectedToInternet) }
        await setup.session.establish(Self.tokens(exp: Self.soon, refresh: "r1"), organizationSlug: "lab")
        do {
            _ = try await setup.api.send(Endpoints.me())
            Issue.record("expected an offline error")
        } catch let error as APIError {
            #expect(error.isOffline)
        }
        #expect(await setup.session.current?.refresh == "r1")
    }

    @Test func tenantNotReadyIsWaitedOutHonoringRetryAfter() async throws {
        let attempts = Locked(0)
        let setup = Self.setup { _ in
            let attempt = attempts.withLock { count -> Int in
                count += 1
                return count
            }
            if attempt < 3 { return .error(503, "tenant_not_ready", headers: ["Retry-After": "1"]) }
            return .json(200, Fixture.page([Fixture.poc("p1")]))
        }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        let page = try await setup.api.send(Endpoints.pocs())
        #expect(page.results.map(\.id) == ["p1"])
        #expect(attempts.current == 3)
        #expect(setup.sleeps.current == [1, 1])
    }

    @Test func tenantNotReadyGivesUpWithinItsBound() async throws {
        let setup = Self.setup({ _ in .error(503, "tenant_not_ready", headers: ["Retry-After": "5"]) }, maxAttempts: 4)
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        await #expect(throws: APIError.tenantNotReady(retryAfter: 5)) { try await setup.api.send(Endpoints.pocs()) }
        #expect(setup.server.requests.count == 4)
        #expect(setup.sleeps.current == [2, 2, 2])  // capped at maxDelay
    }

    @Test func requestsCarryLanguageJSONAndEncodedQueries() async throws {
        let setup = Self.setup { _ in .json(200, Fixture.searchPage([])) }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        _ = try await setup.api.send(Endpoints.search("c++ & go", filters: SearchFilters(languages: ["c++", "go"], status: .done)))
        let request = try #require(setup.server.requests.first)
        #expect(request.headers["Accept-Language"] == "pt-BR")
        #expect(request.headers["Accept"] == "application/json")
        #expect(request.query["q"] == ["c++ & go"])
        #expect(request.query["language"] == ["c++", "go"])
        #expect(request.query["status"] == ["done"])
    }

    @Test func unauthenticatedCallsSendNoToken() async throws {
        let setup = Self.setup { _ in .json(200, TestJWT.pair(exp: Self.later, refresh: "r9")) }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        _ = try await setup.api.send(Endpoints.login(LoginRequest(organization: "lab", email: "a@b.co", password: "x")))
        #expect(setup.server.requests.first?.headers["Authorization"] == nil)
    }

    @Test func logoutRevokesOnTheServerAndClears() async throws {
        let setup = Self.setup { _ in .noContent }
        await setup.session.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        await setup.session.logout()
        #expect(setup.server.requests(to: "/api/v1/auth/logout").first?.json["refresh"] == .string("r1"))
        #expect(await setup.session.isSignedIn == false)
        #expect(try setup.store.read(SessionManager.storeKey) == nil)
    }

    @Test func aStoredSessionIsRestoredAtLaunch() async throws {
        let store = InMemorySecureStore()
        let client = FakeAPI()
        let first = SessionManager(store: store, client: client)
        await first.establish(Self.tokens(exp: Self.later, refresh: "r1"), organizationSlug: "lab")
        let second = SessionManager(store: store, client: client)
        let info = await second.restore()
        #expect(info?.organizationSlug == "lab")
        #expect(info?.role == .owner)
        #expect(info?.name == "Ana")
    }

    @Test func fileStoreKeepsItsFilesPrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pocdex-store-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FileSecureStore(directory: directory)
        try store.write(Data("secret".utf8), for: "pocdex.session")
        #expect(try store.read("pocdex.session") == Data("secret".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("pocdex.session").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        try store.delete("pocdex.session")
        #expect(try store.read("pocdex.session") == nil)
    }
}

/// Presigned uploads: the bytes really go out, and progress ends at 100 %.
@Suite struct UploadTests {
    @Test func uploadSendsTheBytesWithTheSignedHeadersAndEndsAtOne() async throws {
        let server = StubServer { _ in StubResponse(status: 200, headers: [:], body: Data()) }
        let api = URLSessionAPIClient(baseURL: server.baseURL, session: server.session())
        let data = Data((0..<200_000).map { UInt8($0 % 251) })
        var seen: [UploadProgress] = []
        for try await progress in api.upload(data, to: PresignedRequest(
            method: "PUT", url: server.baseURL.appendingPathComponent("bucket/key").absoluteString,
            headers: ["Content-Type": "application/pdf", "x-amz-meta-x": "1"])) {
            seen.append(progress)
        }
        #expect(seen.first?.fraction == 0)
        #expect(seen.last?.fraction == 1)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.sentBytes <= $1.sentBytes })
        let request = try #require(server.requests.first)
        #expect(request.method == "PUT")
        #expect(request.path == "/bucket/key")
        #expect(request.body == data)
        #expect(request.headers.first { $0.key.lowercased() == "x-amz-meta-x" }?.value == "1")
    }

    @Test func aRefusedUploadFails() async throws {
        let server = StubServer { _ in StubResponse(status: 403, headers: [:], body: Data("<Error>SignatureDoesNotMatch</Error>".utf8)) }
        let api = URLSessionAPIClient(baseURL: server.baseURL, session: server.session())
        await #expect(throws: APIError.self) {
            for try await _ in api.upload(Data("x".utf8), to: PresignedRequest(method: "PUT", url: server.baseURL.absoluteString + "/k")) {}
        }
    }
}
