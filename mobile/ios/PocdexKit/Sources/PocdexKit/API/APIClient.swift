import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Upload progress, from 0 to 1.
public struct UploadProgress: Sendable, Hashable {
    public var sentBytes: Int64
    public var totalBytes: Int64
    public var fraction: Double { totalBytes > 0 ? min(1, Double(sentBytes) / Double(totalBytes)) : 1 }
    public init(sentBytes: Int64, totalBytes: Int64) {
        self.sentBytes = sentBytes
        self.totalBytes = totalBytes
    }
}

/// The platform's API as the app sees it.
public protocol APIClient: Sendable {
    /// Sends a request to the gateway and decodes its answer; errors are `APIError`.
    func send<Response: Sendable>(_ request: APIRequest<Response>) async throws -> Response
    /// PUTs bytes to a presigned URL (the storage, not the API), reporting progress; the stream
    /// ends after the last byte was accepted, or throws.
    func upload(_ data: Data, to target: PresignedRequest) -> AsyncThrowingStream<UploadProgress, Error>
    /// GETs a presigned download URL (a report file, an attachment).
    func download(from url: URL) async throws -> Data
}

/// Gives the client its access token and renews it after a rejection (the `SessionManager`).
public protocol Authenticator: Sendable {
    /// A token valid for a while yet (refreshing first when it is about to expire).
    func validAccessToken() async throws -> String
    /// The server refused `rejected` (401): a new token, refreshing at most once for all callers
    /// that saw the same token refused.
    /// `code` is the server's reason for the refusal (`token_expired`, `membership_revoked` ...).
    func renewAccessToken(rejected: String, code: String?) async throws -> String
}

/// How long and how often to wait out `503 tenant_not_ready` (a new organization is being
/// provisioned in a service): the server's Retry-After, capped, for a bounded total.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var maxDelay: TimeInterval
    public var maxTotalWait: TimeInterval
    public var sleep: @Sendable (TimeInterval) async throws -> Void

    public init(maxAttempts: Int = 12, maxDelay: TimeInterval = 2, maxTotalWait: TimeInterval = 20,
                sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { seconds in
                    try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
                }) {
        self.maxAttempts = maxAttempts
        self.maxDelay = maxDelay
        self.maxTotalWait = maxTotalWait
        self.sleep = sleep
    }
}

/// `APIClient` over URLSession (async/await). Sends `Accept-Language`, attaches the access
/// token of authenticated requests, renews it once after a 401 and retries the request once,
/// and waits out `tenant_not_ready` within the retry policy.
public final class URLSessionAPIClient: APIClient, @unchecked Sendable {
    public let baseURL: URL
    private let session: URLSession
    private let authenticator: (any Authenticator)?
    private let retry: RetryPolicy
    private let language: @Sendable () -> String

    public init(baseURL: URL, session: URLSession = .shared, authenticator: (any Authenticator)? = nil,
                retry: RetryPolicy = RetryPolicy(), language: @escaping @Sendable () -> String = { "en" }) {
        self.baseURL = baseURL
        self.session = session
        self.authenticator = authenticator
        self.retry = retry
        self.language = language
    }

    /// The same client with an authenticator (the session manager needs a client without one).
    public func authenticated(by authenticator: any Authenticator) -> URLSessionAPIClient {
        URLSessionAPIClient(baseURL: baseURL, session: session, authenticator: authenticator, retry: retry,
                            language: language)
    }

    public func send<Response: Sendable>(_ request: APIRequest<Response>) async throws -> Response {
        var token: String?
        if request.authenticated {
            guard let authenticator else { throw APIError.signedOut(.loggedOut) }
            token = try await authenticator.validAccessToken()
        }
        do {
            return try await sendWaitingOutProvisioning(request, token: token)
        } catch let error as APIError {
            // One renewal and one retry; a second 401 is final (never a loop).
            guard let rejected = token, let authenticator, Self.isRenewable(error) else { throw error }
            let fresh = try await authenticator.renewAccessToken(rejected: rejected, code: error.code)
            return try await sendWaitingOutProvisioning(request, token: fresh)
        }
    }

    /// A 401 a new access token may cure: expired, revoked, or any other token refusal. A refresh
    /// that fails in turn ends the session (the session manager decides why).
    static func isRenewable(_ error: APIError) -> Bool {
        switch error {
        case .tokenRevoked, .unauthorized: return true
        default: return false
        }
    }

    private func sendWaitingOutProvisioning<Response: Sendable>(_ request: APIRequest<Response>,
                                                               token: String?) async throws -> Response {
        var waited: TimeInterval = 0
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await sendOnce(request, token: token)
            } catch APIError.tenantNotReady(let retryAfter) {
                let delay = min(max(retryAfter, 0.05), retry.maxDelay)
                guard attempt < retry.maxAttempts, waited + delay <= retry.maxTotalWait else {
                    throw APIError.tenantNotReady(retryAfter: retryAfter)
                }
                waited += delay
                do { try await retry.sleep(delay) } catch { throw APIError.cancelled }
            }
        }
    }

    func urlRequest<Response>(_ request: APIRequest<Response>, token: String?) throws -> URLRequest {
        var components = URLComponents(url: baseURL.appendingPathComponent(request.path), resolvingAgainstBaseURL: false)
        if !request.query.isEmpty {
            components?.queryItems = request.query.map { URLQueryItem(name: $0.0, value: $0.1) }
            // `+` is a space to Django: encode it (a language such as "c++").
            let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            components?.percentEncodedQuery = encoded
        }
        guard let url = components?.url else { throw APIError.decoding("bad URL for \(request.path)") }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method.rawValue
        urlRequest.setValue("application/json", forHTTPHeaderField: "Accept")
        urlRequest.setValue(language(), forHTTPHeaderField: "Accept-Language")
        if let body = request.body {
            urlRequest.httpBody = body
            urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { urlRequest.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        urlRequest.timeoutInterval = 30
        return urlRequest
    }

    private func sendOnce<Response: Sendable>(_ request: APIRequest<Response>, token: String?) async throws -> Response {
        let urlRequest = try urlRequest(request, token: token)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch {
            throw APIError.from(transport: error)
        }
        guard let http = response as? HTTPURLResponse else { throw APIError.network(.other, description: "no HTTP answer") }
        guard (200..<300).contains(http.statusCode) else {
            var headers: [String: String] = [:]
            for (key, value) in http.allHeaderFields {
                if let key = key as? String, let value = value as? String { headers[key] = value }
            }
            throw APIError.from(status: http.statusCode, body: data, headers: headers)
        }
        do {
            return try request.decode(data)
        } catch {
            throw APIError.decoding("\(request.description): \(error)")
        }
    }

    public func download(from url: URL) async throws -> Data {
        do {
            let (data, response) = try await session.data(from: url)
            if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                throw APIError.http(status: http.statusCode, code: "download_failed",
                                    message: String(decoding: data.prefix(200), as: UTF8.self), fields: [:])
            }
            return data
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.from(transport: error)
        }
    }

    /// One session for every upload of this client, with one delegate that routes callbacks by
    /// task: a session made and invalidated per upload races its own teardown in Linux's
    /// Foundation (a crash in FoundationNetworking).
    private lazy var uploads: (session: URLSession, delegate: UploadDelegate) = {
        let delegate = UploadDelegate()
        return (URLSession(configuration: session.configuration, delegate: delegate, delegateQueue: nil), delegate)
    }()
    private let uploadsLock = NSLock()

    public func upload(_ data: Data, to target: PresignedRequest) -> AsyncThrowingStream<UploadProgress, Error> {
        AsyncThrowingStream { continuation in
            guard let url = URL(string: target.url) else {
                continuation.finish(throwing: APIError.decoding("bad upload URL"))
                return
            }
            var request = URLRequest(url: url)
            request.httpMethod = target.method
            for (key, value) in target.headers { request.setValue(value, forHTTPHeaderField: key) }
            // The body rides on the request (a data task): Foundation on Linux hands an upload
            // task's body to the network but not to URLProtocol stubs; both report progress.
            request.httpBody = data
            let total = Int64(data.count)
            continuation.yield(UploadProgress(sentBytes: 0, totalBytes: total))
            uploadsLock.lock()
            let (uploadSession, delegate) = uploads
            uploadsLock.unlock()
            let task = uploadSession.dataTask(with: request)
            delegate.track(task, total: total, continuation: continuation)
            continuation.onTermination = { termination in
                if case .cancelled = termination { task.cancel() }
            }
            task.resume()
        }
    }
}

/// Forwards URLSession's callbacks of each upload task to its progress stream: progress as the
/// bytes go out, then the full size once the storage answered 2xx (or the failure).
final class UploadDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Upload {
        var total: Int64
        var continuation: AsyncThrowingStream<UploadProgress, Error>.Continuation
        var body = Data()
        var lastSent: Int64 = 0
    }

    private let lock = NSLock()
    private var uploads: [Int: Upload] = [:]

    func track(_ task: URLSessionTask, total: Int64, continuation: AsyncThrowingStream<UploadProgress, Error>.Continuation) {
        lock.lock()
        uploads[task.taskIdentifier] = Upload(total: total, continuation: continuation)
        lock.unlock()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                    totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        lock.lock()
        var progress: (AsyncThrowingStream<UploadProgress, Error>.Continuation, UploadProgress)?
        if var upload = uploads[task.taskIdentifier], totalBytesSent > upload.lastSent, totalBytesSent < upload.total {
            upload.lastSent = totalBytesSent
            uploads[task.taskIdentifier] = upload
            progress = (upload.continuation, UploadProgress(sentBytes: totalBytesSent, totalBytes: upload.total))
        }
        lock.unlock()
        if let (continuation, value) = progress { continuation.yield(value) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        if var upload = uploads[dataTask.taskIdentifier], upload.body.count < 4096 {
            upload.body.append(data.prefix(4096 - upload.body.count))
            uploads[dataTask.taskIdentifier] = upload
        }
        lock.unlock()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        let upload = uploads.removeValue(forKey: task.taskIdentifier)
        lock.unlock()
        guard let upload else { return }
        if let error {
            upload.continuation.finish(throwing: APIError.from(transport: error))
            return
        }
        let status = (task.response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let text = String(decoding: upload.body, as: UTF8.self)
            upload.continuation.finish(throwing: APIError.http(status: status, code: "upload_failed", message: text, fields: [:]))
            return
        }
        upload.continuation.yield(UploadProgress(sentBytes: upload.total, totalBytes: upload.total))
        upload.continuation.finish()
    }
}
