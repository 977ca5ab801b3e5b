import Foundation
@testable import PocdexKit

/// An `APIClient` answering from a routing closure ("GET /api/v1/pocs" → JSON or an APIError);
/// records every call. View-model tests use it with the real repositories.
final class FakeAPI: APIClient, @unchecked Sendable {
    typealias Route = @Sendable (_ method: String, _ path: String, _ query: [(String, String)], _ body: Data?) async throws -> String

    private let state = Locked<(route: Route?, calls: [String], uploads: Int)>((nil, [], 0))

    init(_ route: Route? = nil) { state.withLock { $0.route = route } }

    func route(_ route: @escaping Route) { state.withLock { $0.route = route } }

    var calls: [String] { state.current.calls }

    func send<Response: Sendable>(_ request: APIRequest<Response>) async throws -> Response {
        let route = state.withLock { state -> Route? in
            state.calls.append(request.description)
            return state.route
        }
        guard let route else { throw APIError.network(.offline, description: "no route") }
        let text = try await route(request.method.rawValue, request.path, request.query, request.body)
        return try request.decode(Data(text.utf8))
    }

    func upload(_ data: Data, to target: PresignedRequest) -> AsyncThrowingStream<UploadProgress, Error> {
        state.withLock { $0.uploads += 1 }
        return AsyncThrowingStream { continuation in
            let total = Int64(data.count)
            var sent: Int64 = 0
            while sent < total {
                continuation.yield(UploadProgress(sentBytes: sent, totalBytes: total))
                sent += Swift.max(1, total / 4)
            }
            continuation.yield(UploadProgress(sentBytes: total, totalBytes: total))
            continuation.finish()
        }
    }

    func download(from url: URL) async throws -> Data { Data("file:\(url.lastPathComponent)".utf8) }
}

/// A sleeper the test releases by hand: debounce, polling and undo windows without real time.
final class ManualSleeper: @unchecked Sendable {
    private struct Waiter {
        var id: UUID
        var duration: Duration
        var continuation: CheckedContinuation<Void, Error>
    }
    private let waiters = Locked<[Waiter]>([])
    private let total = Locked<Int>(0)

    var sleeper: Sleeper {
        Sleeper { [self] duration in try await self.sleep(duration) }
    }

    /// How many sleeps were ever requested.
    var requested: Int { total.current }
    var pending: [Duration] { waiters.current.map(\.duration) }

    private func sleep(_ duration: Duration) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                waiters.withLock { $0.append(Waiter(id: id, duration: duration, continuation: continuation)) }
                total.withLock { $0 += 1 }
            }
        } onCancel: {
            let waiter = waiters.withLock { list -> Waiter? in
                guard let index = list.firstIndex(where: { $0.id == id }) else { return nil }
                return list.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Ends every pending sleep.
    func advance() {
        let ready = waiters.withLock { list -> [Waiter] in
            defer { list.removeAll() }
            return list
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Waits (yielding, bounded) until `count` sleeps are pending.
    func waitForSleepers(_ count: Int = 1) async -> Bool {
        for _ in 0..<10_000 {
            if waiters.current.count >= count { return true }
            await Task.yield()
            try? await Task.sleep(nanoseconds: 100_000)
        }
        return false
    }
}

/// JSON fixtures shaped like the platform's answers.
enum Fixture {
    static func poc(_ id: String, name: String = "POC", status: String = "idea", canEdit: Bool = true) -> String {
        #"""
        {"id":"\#(id)","name":"\#(name)","summary":"s","description":"","status":"\#(status)","hypothesis":"","outcome":"",
         "learnings":"","languages":[{"slug":"swift","name":"Swift","kind":"language"}],"tags":[{"slug":"ios","label":"iOS"}],
         "repository_url":"","repository_host":"","links":[],"started_on":null,"finished_on":null,"visibility":"team",
         "author":{"id":"user-1","name":"Ana"},"contributors":[],"contributor_refs":[],"can_edit":\#(canEdit),
         "created_at":"2026-12-01T10:00:00.123456Z","updated_at":"2026-12-02T10:00:00Z","brand_new_field":{"x":1}}
        """#
    }

    static func page(_ items: [String], next: String? = nil) -> String {
        #"{"results":[\#(items.joined(separator: ","))],"next":\#(next.map { "\"\($0)\"" } ?? "null")}"#
    }

    static func hit(_ id: String, name: String, highlight: String? = nil) -> String {
        let highlights = highlight.map { #"{"name":["\#($0)"]}"# } ?? "{}"
        return #"""
        {"id":"\#(id)","name":"\#(name)","summary":"sum","status":"done","outcome":"","visibility":"team","languages":["swift"],
         "tags":["ios"],"tag_labels":["iOS"],"author_id":"user-1","author_name":"Ana","started_on":null,"finished_on":null,
         "created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-01T10:00:00Z","highlights":\#(highlights)}
        """#
    }

    static func searchPage(_ hits: [String], total: Int? = nil, next: String? = nil) -> String {
        #"""
        {"results":[\#(hits.joined(separator: ","))],"next":\#(next.map { "\"\($0)\"" } ?? "null"),"total":\#(total ?? hits.count),
         "facets":{"languages":[{"value":"swift","count":\#(hits.count)}],"tags":[{"value":"ios","count":1}],
                   "status":[{"value":"done","count":1}],"authors":[{"value":"user-1","label":"Ana","count":1}]}}
        """#
    }

    static func member(_ id: String, userID: String, role: String) -> String {
        #"{"id":"\#(id)","user":{"id":"\#(userID)","name":"N \#(id)","email":"\#(id)@example.com"},"role":"\#(role)","created_at":"2026-01-01T00:00:00Z"}"#
    }

    static func job(_ id: String, kind: String = "report", status: String, progress: Int, files: Bool = false) -> String {
        let list = files ? #"[{"format":"pdf","content_type":"application/pdf","size":10,"filename":"r.pdf","url":"http://s3.test/r.pdf","expires_at":"2026-12-07T00:00:00Z"}]"# : "[]"
        return #"""
        {"id":"\#(id)","kind":"\#(kind)","status":"\#(status)","progress":\#(progress),"scope":"me","language":"en",
         "parameters":{},"error":null,"warnings":[],"files":\#(list),"details":{},"created_at":"2026-12-06T10:00:00Z",
         "started_at":null,"finished_at":null}
        """#
    }

    static func dojo(_ id: String, title: String = "Kata", status: String = "scheduled") -> String {
        #"""
        {"id":"\#(id)","title":"\#(title)","kata":"","language":"Python","rotation_minutes":5,"scheduled_at":"2030-01-01T19:00:00Z",
         "poc_id":null,"visibility":"team","invitees":[],"copiloto_may_edit":false,"facilitator":{"id":"user-1","name":"Ana"},
         "status":"\#(status)","started_at":null,"ended_at":null,"created_at":"2026-12-01T00:00:00Z","updated_at":"2026-12-01T00:00:00Z",
         "retrospective":{},"can_run":true}
        """#
    }

    static let me = #"""
    {"id":"user-1","email":"ana@example.com","name":"Ana","locale":"en","email_verified":false,"totp_enabled":false,
     "organization":{"id":"org-1","slug":"lab","name":"Lab","status":"active","plan":"free"},"role":"owner",
     "memberships":[{"organization":{"id":"org-1","slug":"lab","name":"Lab","status":"active","plan":"free"},"role":"owner"}]}
    """#
}

func apiError(_ status: Int, _ code: String, fields: [String: [String]] = [:]) -> APIError {
    .http(status: status, code: code, message: "msg \(code)", fields: fields)
}

let offline = APIError.network(.offline, description: "offline")

/// Repositories over a fake API, with an in-memory cache scoped to one account.
@MainActor
struct Harness {
    let api: FakeAPI
    let cache: OfflineCache
    let session: SessionManager
    let pocs: PocRepository
    let search: SearchRepository
    let account: AccountRepository
    let auth: AuthRepository
    let dojos: DojoRepository
    let media: MediaRepository

    init(_ route: FakeAPI.Route? = nil) {
        api = FakeAPI(route)
        cache = OfflineCache(storage: MemoryCacheStorage())
        session = SessionManager(store: InMemorySecureStore(), client: api)
        pocs = PocRepository(api: api, cache: cache) { "org-1-user-1" }
        search = SearchRepository(api: api)
        account = AccountRepository(api: api)
        auth = AuthRepository(api: api, session: session, cache: cache)
        dojos = DojoRepository(api: api, baseURL: URL(string: "http://127.0.0.1:8000")!)
        media = MediaRepository(api: api)
    }
}
