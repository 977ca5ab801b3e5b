import Foundation
import Testing
@testable import PocdexKit

/// An in-memory dojo server for randomized session tests: the OT server model, the event
/// log, welcome with the full state or the tail after `last_seq`, and the duplicate check
/// by operation id, as docs/protocol/dojo-websocket.md describes them. Connections are
/// loopback transports the test can drop at any moment.
final class FakeDojoServer: @unchecked Sendable {
    private let lock = NSLock()
    private var document = try! OTServerDocument()
    private var log: [WireJSON] = []  // log[k] has seq k + 1
    private var operations: [(revision: Int, id: String, actor: String, event: WireJSON)] = []
    private var connections: [ObjectIdentifier: LoopbackTransport] = [:]

    var text: String { lock.withLock { String(otScalars: document.text) } }
    var revision: Int { lock.withLock { document.revision } }
    var operationIDs: [String] { lock.withLock { operations.map(\.id) } }

    static func seats() -> WireJSON {
        .object(["piloto": .string(Frames.ana.id), "copiloto": .string(Frames.bia.id), "queue": .array([])])
    }

    func open(_ transport: LoopbackTransport, url: URL) {
        lock.withLock {
            connections[ObjectIdentifier(transport)] = transport
            let seq = log.count
            let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []
            if let raw = query.first(where: { $0.name == "last_seq" })?.value, let last = Int(raw), last <= seq {
                transport.push(.object(["type": .string("welcome"), "protocol": .integer(1), "you": Frames.actor(transport.actor),
                                        "resumed": .bool(true), "last_seq": .integer(last), "seq": .integer(seq)]))
                for event in log[last...] { transport.push(event) }
            } else {
                let state = Frames.state(seq: seq, revision: document.revision, document: String(otScalars: document.text),
                                         copilotoMayEdit: true)
                transport.push(Frames.welcome(you: transport.actor, state: state))
            }
        }
    }

    func close(_ transport: LoopbackTransport) {
        _ = lock.withLock { connections.removeValue(forKey: ObjectIdentifier(transport)) }
    }

    func receive(_ text: String, from transport: LoopbackTransport) {
        lock.withLock {
            guard connections[ObjectIdentifier(transport)] != nil, let frame = try? WireJSON.parse(text) else { return }
            switch frame["type"]?.stringValue {
            case "op":
                let id = frame["id"]?.stringValue ?? ""
                let revision = Int(frame["revision"]?.exactInteger ?? -1)
                if let original = operations.first(where: { $0.revision > revision && $0.id == id && $0.actor == transport.actor.id }) {
                    guard case .object(var members) = original.event else { return }
                    members["type"] = .string("op_ack")
                    members["duplicate"] = .bool(true)
                    transport.push(.object(members))
                    return
                }
                do {
                    let accepted = try document.receive(operation: frame["op"] ?? .null, revision: frame["revision"] ?? .null)
                    let event: WireJSON = .object([
                        "type": .string("op"), "seq": .integer(log.count + 1), "revision": .integer(accepted.revision),
                        "op": accepted.operation.wire, "id": .string(id), "actor": Frames.actor(transport.actor),
                    ])
                    log.append(event)
                    operations.append((accepted.revision, id, transport.actor.id, event))
                    for connection in connections.values { connection.push(event) }
                } catch let error as OTError {
                    transport.push(Frames.error(error.code.rawValue, ref: id))
                } catch {}
            case "ping":
                transport.push(.object(["type": .string("pong"), "after_seq": .integer(log.count)]))
            default:
                break
            }
        }
    }
}

/// One connection to the fake server; `drop()` loses it like a dead network: frames the
/// server sent that the session has not read yet are lost with it (the stream hands a
/// frame over only when the session asks for the next one), acknowledgements included.
final class LoopbackTransport: DojoTransport, @unchecked Sendable {
    let server: FakeDojoServer
    let actor: DojoActor
    private let lock = NSLock()
    private var queue: [String] = []
    private var open = false
    private var waiter: CheckedContinuation<String?, Never>?
    private(set) var lostFrames = 0

    init(server: FakeDojoServer, actor: DojoActor) {
        self.server = server
        self.actor = actor
    }

    func connect(to url: URL) async throws -> AsyncStream<String> {
        lock.withLock { open = true }
        server.open(self, url: url)
        return AsyncStream(unfolding: { [self] in await self.next() })
    }

    private func next() async -> String? {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let ready: String?? = lock.withLock {
                if !queue.isEmpty { return .some(queue.removeFirst()) }
                if !open { return .some(nil) }
                waiter = c
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    func push(_ frame: WireJSON) {
        let text = frame.jsonText
        let c = lock.withLock { () -> CheckedContinuation<String?, Never>? in
            guard open else { return nil }
            if let w = waiter {
                waiter = nil
                return w
            }
            queue.append(text)
            return nil
        }
        c?.resume(returning: text)
    }

    func send(_ text: String) async throws {
        guard lock.withLock({ open }) else { throw DojoTransportError.notConnected }
        server.receive(text, from: self)
    }

    func close(code: Int) async { drop() }

    func drop() {
        server.close(self)
        let c = lock.withLock { () -> CheckedContinuation<String?, Never>? in
            open = false
            lostFrames += queue.count
            queue.removeAll()
            let w = waiter
            waiter = nil
            return w
        }
        c?.resume(returning: nil)
    }

    var closeCode: Int? { get async { nil } }
}

/// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Dojo session, randomized against an in-memory server")
@MainActor
struct DojoRandomizedTests {
    final class Connections: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [LoopbackTransport] = []
        var last: LoopbackTransport? { lock.withLock { all.last } }
        var count: Int { lock.withLock { all.count } }
        var lost: Int { lock.withLock { all.reduce(0) { $0 + $1.lostFrames } } }
        func add(_ t: LoopbackTransport) { lock.withLock { all.append(t) } }
    }

    func client(_ actor: DojoActor, server: FakeDojoServer) -> (DojoSession, Connections) {
        let connections = Connections()
        let session = DojoSession(
            configuration: .init(initialBackoff: 0.001, maxBackoff: 0.004),
            ticketProvider: { URL(string: "ws://fake/ws/dojos/d1?ticket=t")! },
            transportFactory: {
                let t = LoopbackTransport(server: server, actor: actor)
                connections.add(t)
                return t
            })
        return (session, connections)
    }

    @Test("two clients, random edits and drops: every edit sequenced once, both converge on the server", arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func randomSessions(seed: UInt64) async throws {
        var rng = SeededGenerator(state: seed)
        let server = FakeDojoServer()
        let (a, aConnections) = client(Frames.ana, server: server)
        let (b, bConnections) = client(Frames.bia, server: server)
        a.start()
        b.start()
        try await eventually("both joined") { a.connection == .connected && b.connection == .connected }
        var markers: [String] = []
        for step in 0..<160 {
            let roll = Int.random(in: 0..<100, using: &rng)
            let (session, connections, name) = roll % 2 == 0 ? (a, aConnections, "a") : (b, bConnections, "b")
            if roll < 8 {
                connections.last?.drop()
            } else {
                let marker = "<\(name)\(step)>"
                var scalars = Array(session.document.unicodeScalars)
                let boundaries = [0] + scalars.indices.filter { scalars[$0] == ">" }.map { $0 + 1 }
                let at = boundaries[Int.random(in: 0..<boundaries.count, using: &rng)]
                scalars.insert(contentsOf: marker.unicodeScalars, at: at)
                #expect(session.edit(to: String(otScalars: scalars)), "seed \(seed) step \(step)")
                markers.append(marker)
            }
            for _ in 0..<Int.random(in: 0..<4, using: &rng) { await Task.yield() }
        }
        try await eventually("converged (seed \(seed))", within: 20) {
            a.connection == .connected && b.connection == .connected && !a.hasPendingEdits && !b.hasPendingEdits
                && a.revision == server.revision && b.revision == server.revision
        }
        let final = server.text
        #expect(Array(a.document.unicodeScalars) == Array(final.unicodeScalars), "seed \(seed)")
        #expect(Array(b.document.unicodeScalars) == Array(final.unicodeScalars), "seed \(seed)")
        for marker in markers {
            #expect(final.components(separatedBy: marker).count == 2, "seed \(seed): \(marker) exactly once")
        }
        #expect(Set(server.operationIDs).count == server.operationIDs.count, "seed \(seed): no id sequenced twice")
        #expect(a.discardedEdits == 0 && b.discardedEdits == 0)
        #expect(aConnections.count + bConnections.count > 2, "seed \(seed): some connection was dropped")
        print("seed \(seed): \(markers.count) edits, \(aConnections.count + bConnections.count - 2) reconnections, \(aConnections.lost + bConnections.lost) frames lost in drops")
        a.stop()
        b.stop()
    }
}
