import Foundation

/// One WebSocket connection to the dojo service, text frames only
/// (docs/protocol/dojo-websocket.md). A transport object is used for one
/// connection; a session asks its factory for a new one on every (re)connection.
///
/// On Apple platforms `URLSessionWebSocketTransport` implements it; the Linux tests
/// use their own minimal RFC 6455 client behind this protocol.
public protocol DojoTransport: AnyObject, Sendable {
    /// Opens the socket. The stream yields every text message in order and
    /// finishes when the socket closes or drops.
    func connect(to url: URL) async throws -> AsyncStream<String>
    /// Sends one text message; throws when the socket is not open.
    func send(_ text: String) async throws
    /// Closes the socket with a close code (1000 normal, 4000–4999 application).
    func close(code: Int) async
    /// The close code the server sent, once the stream has finished
    /// (nil when the connection dropped without a close frame).
    var closeCode: Int? { get async }
}

public typealias DojoTransportFactory = @Sendable () -> any DojoTransport

public enum DojoTransportError: Error, Sendable, Equatable {
    case notConnected
    case handshakeFailed(String)
    case closed
}

/// Time for the session: the countdown's "now", backoff and keepalive sleeps.
/// Tests inject a manual clock.
public protocol DojoClock: Sendable {
    func now() -> Date
    /// Sleeps `seconds`; throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Double) async throws
}

public struct SystemDojoClock: DojoClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }
}

#if canImport(Darwin)
/// The dojo transport on Apple platforms: `URLSessionWebSocketTask`.
///
/// Only compiled for Apple platforms (Foundation's WebSocket task on Linux splits
/// messages into chunks and cannot carry the protocol; see ADR 0031).
public final class URLSessionWebSocketTransport: NSObject, DojoTransport, URLSessionWebSocketDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionWebSocketTask?
    private var session: URLSession?
    private var receivedCloseCode: Int?
    private var continuation: AsyncStream<String>.Continuation?
    private var openContinuation: CheckedContinuation<Void, Error>?
    private let configuration: URLSessionConfiguration

    public init(configuration: URLSessionConfiguration = .default) {
        self.configuration = configuration
        super.init()
    }

    public func connect(to url: URL) async throws -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        let task = session.webSocketTask(with: url)
        task.maximumMessageSize = 4 << 20
        lock.withLock {
            self.session = session
            self.task = task
            self.continuation = continuation
        }
        try await withCheckedThrowingContinuation { (open: CheckedContinuation<Void, Error>) in
            lock.withLock { openContinuation = open }
            task.resume()
        }
        receiveLoop(task)
        return stream
    }

    /// Reads messages in order until the socket fails or closes.
    private func receiveLoop(_ task: URLSessionWebSocketTask) {
        Task { [weak self] in
            while true {
                let message: URLSessionWebSocketTask.Message
                do {
                    message = try await task.receive()
                } catch {
                    self?.finish(closeCode: task.closeCode == .invalid ? nil : task.closeCode.rawValue)
                    return
                }
                guard let self else { return }
                let continuation = self.lock.withLock { self.continuation }
                switch message {
                case .string(let text):
                    continuation?.yield(text)
                case .data(let data):
                    // The protocol is text only; a binary frame is read as UTF-8 text.
                    continuation?.yield(String(decoding: data, as: UTF8.self))
                @unknown default:
                    break
                }
            }
        }
    }

    private func finish(closeCode: Int?) {
        let (continuation, open) = lock.withLock { () -> (AsyncStream<String>.Continuation?, CheckedContinuation<Void, Error>?) in
            if receivedCloseCode == nil { receivedCloseCode = closeCode }
            let c = self.continuation
            let o = self.openContinuation
            self.continuation = nil
            self.openContinuation = nil
            return (c, o)
        }
        open?.resume(throwing: DojoTransportError.handshakeFailed("the socket closed before opening"))
        continuation?.finish()
        lock.withLock { self.session }?.finishTasksAndInvalidate()
    }

    public func send(_ text: String) async throws {
        guard let task = lock.withLock({ self.task }) else { throw DojoTransportError.notConnected }
        try await task.send(.string(text))
    }

    public func close(code: Int) async {
        let task = lock.withLock { self.task }
        task?.cancel(with: URLSessionWebSocketTask.CloseCode(rawValue: code) ?? .normalClosure, reason: nil)
        finish(closeCode: code)
    }

    public var closeCode: Int? {
        get async { lock.withLock { receivedCloseCode } }
    }

    public func urlSession(_ session: URLSession, webSocketTask: URLSessionWebSocketTask,
                           didOpenWithProtocol protocol: String?) {
        lock.withLock { () -> CheckedContinuation<Void, Error>? in
            let open = openContinuation
            openContinuation = nil
            return open
        }?.resume()
    }

    public func urlSession(_ session: URLSession, webSocketTask: URLSessionWebSocketTask,
                           didCloseWith closeCode: URLSessionWebSocketTask.CloseCode, reason: Data?) {
        finish(closeCode: closeCode.rawValue)
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        finish(closeCode: nil)
    }
}
#endif
