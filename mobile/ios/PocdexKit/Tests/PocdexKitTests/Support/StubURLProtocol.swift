import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import PocdexKit

/// A recorded request the stub answered.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: [String: [String]]
    var headers: [String: String]
    var body: Data

    var json: [String: JSONValue] {
        (try? JSONDecoder().decode([String: JSONValue].self, from: body)) ?? [:]
    }
}

struct StubResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> StubResponse {
        StubResponse(status: status, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                     body: Data(text.utf8))
    }

    static func error(_ status: Int, _ code: String, _ message: String = "refused", headers: [String: String] = [:]) -> StubResponse {
        .json(status, #"{"error":{"code":"\#(code)","message":"\#(message)"}}"#, headers: headers)
    }

    static let noContent = StubResponse(status: 204, headers: [:], body: Data())
}

/// A fake server behind URLSession: URLProtocol answers every request of a session whose base
/// URL names this server's unique host. Handlers are synchronous: they run on the URL task's
/// own queue, where Foundation expects its protocol's answers (a handler that sleeps holds
/// that session's other requests back meanwhile).
final class StubServer: @unchecked Sendable {
    typealias Handler = @Sendable (RecordedRequest) throws -> StubResponse

    let host = "stub-\(UUID().uuidString.lowercased()).test"
    var baseURL: URL { URL(string: "http://\(host)")! }
    private let state = Locked<(handler: Handler?, requests: [RecordedRequest])>((nil, []))

    init(_ handler: Handler? = nil) {
        state.withLock { $0.handler = handler }
        StubURLProtocol.servers.withLock { $0[host] = self }
    }

    deinit { StubURLProtocol.servers.withLock { $0[host] = nil } }

    func handle(_ handler: @escaping Handler) { state.withLock { $0.handler = handler } }

    var requests: [RecordedRequest] { state.current.requests }

    func requests(to path: String) -> [RecordedRequest] { requests.filter { $0.path == path } }

    func session() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [StubURLProtocol.self]
        return URLSession(configuration: configuration)
    }

    func answer(_ request: RecordedRequest) throws -> StubResponse {
        let handler = state.withLock { state -> Handler? in
            state.requests.append(request)
            return state.handler
        }
        guard let handler else { return .error(500, "no_handler") }
        return try handler(request)
    }
}

final class StubURLProtocol: URLProtocol, @unchecked Sendable {
    static let servers = Locked<[String: StubServer]>([:])

    override class func canInit(with request: URLRequest) -> Bool {
        guard let host = request.url?.host else { return false }
        return servers.withLock { $0[host] != nil }
    }

    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    override func startLoading() {
        let request = self.request
        guard let url = request.url, let host = url.host,
              let server = Self.servers.withLock({ $0[host] }) else {
            client?.urlProtocol(self, didFailWithError: URLError(.cannotConnectToHost))
            return
        }
        var body = request.httpBody ?? Data()
        if body.isEmpty, let stream = request.httpBodyStream {
            stream.open()
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = stream.read(&buffer, maxLength: buffer.count)
                if count <= 0 { break }
                body.append(buffer, count: count)
            }
            stream.close()
        }
        var query: [String: [String]] = [:]
        for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] {
            query[item.name, default: []].append(item.value ?? "")
        }
        let recorded = RecordedRequest(method: request.httpMethod ?? "GET", path: url.path, query: query,
                                       headers: request.allHTTPHeaderFields ?? [:], body: body)
        // Answered here, on the thread Foundation started loading on (the task's work queue):
        // answers sent from other threads raced Foundation's own bookkeeping of the session's
        // tasks on Linux (a crash in FoundationNetworking), and waiting here for an async
        // handler deadlocked callers that create tasks on the same queue.
        do {
            let response = try server.answer(recorded)
            let http = HTTPURLResponse(url: url, statusCode: response.status, httpVersion: "HTTP/1.1",
                                       headerFields: response.headers)!
            client?.urlProtocol(self, didReceive: http, cacheStoragePolicy: .notAllowed)
            client?.urlProtocol(self, didLoad: response.body)
            client?.urlProtocolDidFinishLoading(self)
        } catch {
            client?.urlProtocol(self, didFailWithError: error)
        }
    }

    override func stopLoading() {}
}

/// JWTs for tests: unsigned (the app never verifies signatures), with the claims the app reads.
enum TestJWT {
    static func make(exp: Date, sub: String = "user-1", tid: String = "org-1", role: String = "owner",
                     name: String = "Ana", jti: String = UUID().uuidString) -> String {
        func encode(_ object: [String: Any]) -> String {
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let header = encode(["alg": "RS256", "typ": "at+jwt", "kid": "k1"])
        let payload = encode(["sub": sub, "tid": tid, "role": role, "name": name, "typ": "access",
                              "exp": Int(exp.timeIntervalSince1970), "iat": Int(exp.timeIntervalSince1970) - 600,
                              "jti": jti])
        return "\(header).\(payload).c2lnbmF0dXJl"
    }

    static func pair(exp: Date, refresh: String) -> String {
        #"{"access":"\#(make(exp: exp))","refresh":"\#(refresh)","token_type":"Bearer","expires_in":600,"refresh_expires_at":"2099-01-01T00:00:00Z"}"#
    }
}
