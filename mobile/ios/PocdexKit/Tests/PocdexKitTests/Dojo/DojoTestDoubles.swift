import Foundation
import Testing
@testable import PocdexKit

/// A scripted transport: the test plays the server (frames in, frames out, drops, closes).
final class ScriptedTransport: DojoTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: AsyncStream<String>.Continuation?
    private var _sent: [String] = []
    private var _closeCode: Int?
    private var _closedByClient: Int?
    private(set) var url: URL?
    let failConnect: Bool

    init(failConnect: Bool = false) { self.failConnect = failConnect }

    func connect(to url: URL) async throws -> AsyncStream<String> {
        if failConnect { throw DojoTransportError.handshakeFailed("refused") }
        let (stream, continuation) = AsyncStream<String>.makeStream()
        lock.withLock {
            self.url = url
            self.continuation = continuation
        }
        return stream
    }

    func send(_ text: String) async throws {
        try lock.withLock {
            guard continuation != nil else { throw DojoTransportError.notConnected }
            _sent.append(text)
        }
    }

    func close(code: Int) async {
        let c = lock.withLock { () -> AsyncStream<String>.Continuation? in
            _closedByClient = code
            let c = continuation
            continuation = nil
            return c
        }
        c?.finish()
    }

    var closeCode: Int? { get async { lock.withLock { _closeCode } } }

    // the server's side
    var sent: [WireJSON] { lock.withLock { _sent }.compactMap { try? WireJSON.parse($0) } }
    var closedByClient: Int? { lock.withLock { _closedByClient } }
    var isOpen: Bool { lock.withLock { continuation != nil } }

    func deliver(_ frame: WireJSON) { deliver(frame.jsonText) }

    func deliver(_ text: String) {
        _ = lock.withLock { continuation }?.yield(text)
    }

    /// The connection drops (no close frame).
    func drop() {
        let c = lock.withLock { () -> AsyncStream<String>.Continuation? in
            let c = continuation
            continuation = nil
            return c
        }
        c?.finish()
    }

    /// The server closes with `code`.
    func serverClose(code: Int) {
        lock.withLock { _closeCode = code }
        drop()
    }

    func sentFrames(ofType type: String) -> [WireJSON] { sent.filter { $0["type"]?.stringValue == type } }
}

/// Hands out scripted transports and counts tickets.
final class ScriptedServer: @unchecked Sendable {
    private let lock = NSLock()
    private var _transports: [ScriptedTransport] = []
    private var _tickets = 0
    var ticketError: (any Error)?

    var transports: [ScriptedTransport] { lock.withLock { _transports } }
    var tickets: Int { lock.withLock { _tickets } }
    var current: ScriptedTransport? { transports.last }

    var ticketProvider: DojoTicketProvider {
        { [self] in
            try lock.withLock {
                if let ticketError { throw ticketError }
                _tickets += 1
                return URL(string: "ws://127.0.0.1:8000/ws/dojos/d1?ticket=t\(_tickets)")!
            }
        }
    }

    var factory: DojoTransportFactory {
        { [self] in
            let t = ScriptedTransport()
            lock.withLock { _transports.append(t) }
            return t
        }
    }
}

/// A clock the test moves by hand: sleepers wake when `advance` passes their deadline.
final class ManualClock: DojoClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [(id: UUID, deadline: Date, seconds: Double, continuation: CheckedContinuation<Void, Error>)] = []

    init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = now }

    func now() -> Date { lock.withLock { current } }

    var sleeperCount: Int { lock.withLock { sleepers.count } }

    /// Whether a task is sleeping for exactly `seconds` (a backoff, a keepalive, a throttle).
    func hasSleeper(for seconds: Double) -> Bool { lock.withLock { sleepers.contains { $0.seconds == seconds } } }

    func sleep(seconds: Double) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let resumeNow = lock.withLock { () -> Bool in
                    if Task.isCancelled { return true }
                    sleepers.append((id, current.addingTimeInterval(seconds), seconds, continuation))
                    return false
                }
                if resumeNow { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let c = lock.withLock { () -> CheckedContinuation<Void, Error>? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index).continuation
            }
            c?.resume(throwing: CancellationError())
        }
    }

    func advance(by seconds: Double) {
        let due = lock.withLock { () -> [CheckedContinuation<Void, Error>] in
            current = current.addingTimeInterval(seconds)
            let due = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return due.map(\.continuation)
        }
        for c in due { c.resume() }
    }
}

struct PollTimeout: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` on the main actor until it holds, failing after `seconds`.
@MainActor
func eventually(_ what: String, within seconds: Double = 10, _ condition: @MainActor () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { throw PollTimeout(description: "timed out waiting for: \(what)") }
        try await Task.sleep(nanoseconds: 1_000_000)
    }
}

/// Server frames for the scripted tests.
enum Frames {
    static let ana = DojoActor(id: "u-ana", name: "Ana")
    static let bia = DojoActor(id: "u-bia", name: "Bia")

    static func actor(_ a: DojoActor) -> WireJSON { .object(["id": .string(a.id), "name": .string(a.name)]) }

    static func state(seq: Int, revision: Int, document: String, piloto: String? = "u-ana", copiloto: String? = "u-bia",
                      queue: [String] = [], status: String = "live", copilotoMayEdit: Bool = false,
                      timer: WireJSON = timerRunning(deadline: "2027-01-15T08:05:00Z", serverTime: "2027-01-15T08:00:00Z")) -> WireJSON {
        .object([
            "dojo": .string("d1"), "status": .string(status), "seq": .integer(seq), "revision": .integer(revision),
            "document": .string(document),
            "roles": .object(["piloto": piloto.map(WireJSON.string) ?? .null, "copiloto": copiloto.map(WireJSON.string) ?? .null,
                              "queue": .array(queue.map(WireJSON.string))]),
            "timer": timer, "test_status": .string("red"), "copiloto_may_edit": .bool(copilotoMayEdit),
            "participants": .array([actor(ana), actor(bia)]), "connected": .array([.string("u-ana"), .string("u-bia")]),
        ])
    }

    static func timerRunning(deadline: String, serverTime: String) -> WireJSON {
        .object(["state": .string("running"), "deadline": .string(deadline), "remaining_ms": .integer(300_000),
                 "rotation_ms": .integer(300_000), "server_time": .string(serverTime)])
    }

    static func welcome(you: DojoActor = ana, state: WireJSON) -> WireJSON {
        .object(["type": .string("welcome"), "protocol": .integer(1), "you": actor(you), "resumed": .bool(false), "state": state])
    }

    static func resumedWelcome(you: DojoActor = ana, lastSeq: Int, seq: Int) -> WireJSON {
        .object(["type": .string("welcome"), "protocol": .integer(1), "you": actor(you), "resumed": .bool(true),
                 "last_seq": .integer(lastSeq), "seq": .integer(seq)])
    }

    static func op(seq: Int, revision: Int, _ wire: String, id: String, by: DojoActor) -> WireJSON {
        .object(["type": .string("op"), "seq": .integer(seq), "at": .string("2027-01-15T08:00:01.5Z"),
                 "actor": actor(by), "revision": .integer(revision), "op": try! WireJSON.parse(wire), "id": .string(id)])
    }

    static func event(_ type: String, seq: Int, by: DojoActor? = nil, _ fields: [String: WireJSON]) -> WireJSON {
        var members = fields
        members["type"] = .string(type)
        members["seq"] = .integer(seq)
        members["at"] = .string("2027-01-15T08:00:02Z")
        if let by { members["actor"] = actor(by) }
        return .object(members)
    }

    static func error(_ code: String, ref: String? = nil, fatal: Bool = false) -> WireJSON {
        var members: [String: WireJSON] = ["type": .string("error"), "code": .string(code), "message": .string("msg \(code)")]
        if let ref { members["ref"] = .string(ref) }
        if fatal { members["fatal"] = .bool(true) }
        return .object(members)
    }
}

/// A JSON literal of the test (crashes on a typo in the test itself).
func json(_ text: String) -> WireJSON { try! WireJSON.parse(text) }
func operation(_ text: String) -> TextOperation { try! TextOperation(wireText: text) }
