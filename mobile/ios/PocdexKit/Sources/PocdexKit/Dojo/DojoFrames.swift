import Foundation

// The frames of the dojo WebSocket (docs/protocol/dojo-websocket.md, protocol 1).
// Server frames are read with the strict `WireJSON` reader (operations keep their exact
// wire form); client frames are written the same way. The value types are Codable for
// callers that persist or log them.

/// A person in a session (`{"id", "name"}`).
public struct DojoActor: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    init?(wire: WireJSON?) {
        guard let id = wire?["id"]?.stringValue else { return nil }
        self.init(id: id, name: wire?["name"]?.stringValue ?? "")
    }
}

/// Seats at the keyboard: `piloto` (driver), `copiloto` (navigator), and the queue of
/// the plateia waiting for a turn, in order (user ids).
public struct DojoSeats: Codable, Sendable, Hashable {
    public var piloto: String?
    public var copiloto: String?
    public var queue: [String]

    public init(piloto: String? = nil, copiloto: String? = nil, queue: [String] = []) {
        self.piloto = piloto
        self.copiloto = copiloto
        self.queue = queue
    }

    init(wire: WireJSON?) {
        piloto = wire?["piloto"]?.stringValue
        copiloto = wire?["copiloto"]?.stringValue
        queue = wire?["queue"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

/// The role a person has right now (plateia is everyone not at the keyboard).
public enum DojoRole: String, Codable, Sendable, Hashable, CaseIterable {
    case piloto, copiloto, plateia
}

public enum DojoTestStatus: String, Codable, Sendable, Hashable, CaseIterable {
    case red, green
}

/// The session's lifecycle as the socket reports it.
public enum DojoSessionStatus: String, Codable, Sendable, Hashable {
    case scheduled, live, ended
}

public enum DojoTimerState: String, Codable, Sendable, Hashable {
    /// A turn is running until `deadline`.
    case running
    /// Paused ("tempo inativo"): `remainingMs` is frozen.
    case paused
    /// Live, nobody at the keyboard yet.
    case waiting
    /// Not live.
    case stopped
}

/// The server's rotation timer. Clients count down from `deadline`, corrected by the
/// offset between `serverTime` and their own clock; they never rotate by themselves.
public struct DojoTimerInfo: Codable, Sendable, Hashable {
    public var state: DojoTimerState
    public var deadline: Date?
    public var remainingMs: Int?
    public var rotationMs: Int?
    public var serverTime: Date?

    public init(state: DojoTimerState = .stopped, deadline: Date? = nil, remainingMs: Int? = nil,
                rotationMs: Int? = nil, serverTime: Date? = nil) {
        self.state = state
        self.deadline = deadline
        self.remainingMs = remainingMs
        self.rotationMs = rotationMs
        self.serverTime = serverTime
    }

    init(wire: WireJSON?) {
        state = wire?["state"]?.stringValue.flatMap(DojoTimerState.init(rawValue:)) ?? .stopped
        deadline = wire?["deadline"]?.stringValue.flatMap(DojoWireDates.parse)
        remainingMs = wire?["remaining_ms"]?.exactInteger.map(Int.init)
        rotationMs = wire?["rotation_ms"]?.exactInteger.map(Int.init)
        serverTime = wire?["server_time"]?.stringValue.flatMap(DojoWireDates.parse)
    }
}

/// The full state of a session (`welcome.state`, `snapshot.state`), as of `seq`.
public struct DojoStateFrame: Sendable, Hashable {
    public var dojo: String
    public var status: DojoSessionStatus
    public var seq: Int
    public var revision: Int
    public var document: String
    public var seats: DojoSeats
    public var timer: DojoTimerInfo
    public var testStatus: DojoTestStatus?
    public var copilotoMayEdit: Bool
    public var participants: [DojoActor]
    public var connected: [String]

    public init(dojo: String, status: DojoSessionStatus, seq: Int, revision: Int, document: String,
                seats: DojoSeats = DojoSeats(), timer: DojoTimerInfo = DojoTimerInfo(), testStatus: DojoTestStatus? = nil,
                copilotoMayEdit: Bool = false, participants: [DojoActor] = [], connected: [String] = []) {
        self.dojo = dojo
        self.status = status
        self.seq = seq
        self.revision = revision
        self.document = document
        self.seats = seats
        self.timer = timer
        self.testStatus = testStatus
        self.copilotoMayEdit = copilotoMayEdit
        self.participants = participants
        self.connected = connected
    }

    init(wire: WireJSON) throws {
        guard let seq = wire["seq"]?.exactInteger, let revision = wire["revision"]?.exactInteger,
              let document = wire["document"]?.stringValue else {
            throw DojoFrameError.malformed("state without seq, revision or document")
        }
        self.init(
            dojo: wire["dojo"]?.stringValue ?? "",
            status: wire["status"]?.stringValue.flatMap(DojoSessionStatus.init(rawValue:)) ?? .scheduled,
            seq: Int(seq), revision: Int(revision), document: document,
            seats: DojoSeats(wire: wire["roles"]),
            timer: DojoTimerInfo(wire: wire["timer"]),
            testStatus: wire["test_status"]?.stringValue.flatMap(DojoTestStatus.init(rawValue:)),
            copilotoMayEdit: wire["copiloto_may_edit"] == .bool(true),
            participants: wire["participants"]?.arrayValue?.compactMap { DojoActor(wire: $0) } ?? [],
            connected: wire["connected"]?.arrayValue?.compactMap(\.stringValue) ?? []
        )
    }
}

/// A sequenced event (stored in the dojo's log; what reconnection and replay deliver).
public struct DojoEvent: Sendable, Hashable {
    public enum Payload: Sendable, Hashable {
        /// `joined` or `left` (a user id) and who is present now.
        case presence(joined: String?, left: String?, connected: [String])
        /// Seats changed (`reason`: joined, left, rotation, pass, assigned, queue_joined, queue_left).
        case roles(reason: String, seats: DojoSeats, timer: DojoTimerInfo)
        case timer(DojoTimerInfo)
        /// An edit was sequenced at `revision`; `id` is the sender's operation id.
        case op(revision: Int, operation: TextOperation, id: String?)
        case chat(text: String)
        case testStatus(DojoTestStatus)
        case started(seats: DojoSeats, timer: DojoTimerInfo)
        case ended(revision: Int, documentLength: Int)
        /// A kind this client does not know (a newer server); skipped, its seq still counts.
        case other(type: String)
    }

    public var seq: Int
    public var at: Date?
    public var actor: DojoActor?
    public var payload: Payload

    public init(seq: Int, at: Date? = nil, actor: DojoActor? = nil, payload: Payload) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.payload = payload
    }

    /// Reads one event object (a socket frame or a replay page item).
    public init(wire: WireJSON) throws {
        guard let type = wire["type"]?.stringValue, let seq = wire["seq"]?.exactInteger else {
            throw DojoFrameError.malformed("an event has a type and a seq")
        }
        let payload: Payload
        switch type {
        case "presence":
            payload = .presence(joined: wire["joined"]?.stringValue, left: wire["left"]?.stringValue,
                                connected: wire["connected"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        case "roles":
            payload = .roles(reason: wire["reason"]?.stringValue ?? "", seats: DojoSeats(wire: wire),
                             timer: DojoTimerInfo(wire: wire["timer"]))
        case "timer":
            payload = .timer(DojoTimerInfo(wire: wire))
        case "op":
            guard let revision = wire["revision"]?.exactInteger, let op = wire["op"] else {
                throw DojoFrameError.malformed("an op event has a revision and an op")
            }
            payload = .op(revision: Int(revision), operation: try TextOperation(wire: op), id: wire["id"]?.stringValue)
        case "chat":
            payload = .chat(text: wire["text"]?.stringValue ?? "")
        case "test_status":
            guard let status = wire["status"]?.stringValue.flatMap(DojoTestStatus.init(rawValue:)) else {
                throw DojoFrameError.malformed("test_status without a known status")
            }
            payload = .testStatus(status)
        case "dojo_started":
            payload = .started(seats: DojoSeats(wire: wire["roles"]), timer: DojoTimerInfo(wire: wire["timer"]))
        case "dojo_ended":
            payload = .ended(revision: Int(wire["revision"]?.exactInteger ?? 0),
                             documentLength: Int(wire["document_length"]?.exactInteger ?? 0))
        default:
            payload = .other(type: type)
        }
        self.init(seq: Int(seq), at: wire["at"]?.stringValue.flatMap(DojoWireDates.parse),
                  actor: DojoActor(wire: wire["actor"]), payload: payload)
    }
}

/// One frame from the server.
public enum DojoServerFrame: Sendable, Hashable {
    /// The first frame: the full state, or (`resumed`) the current seq, the missed events following.
    case welcome(you: DojoActor, resumed: Bool, lastSeq: Int?, seq: Int?, state: DojoStateFrame?)
    case event(DojoEvent)
    /// A remote selection, already moved to the server's `revision` (never stored).
    case cursor(actor: DojoActor, revision: Int, selection: Selection)
    case pong(ref: String?)
    /// A refused frame (`ref` names it) or, with `fatal`, the end of the connection.
    case error(code: String, message: String, ref: String?, fatal: Bool)
    /// A resent operation the server had already sequenced: the original event.
    case opAck(DojoEvent)
    /// The state, in answer to a `resume` too far behind.
    case snapshot(DojoStateFrame)
    case unknown(type: String)

    public init(text: String) throws {
        let wire: WireJSON
        do { wire = try WireJSON.parse(text) } catch { throw DojoFrameError.malformed("not JSON: \(error)") }
        try self.init(wire: wire)
    }

    public init(wire: WireJSON) throws {
        guard let type = wire["type"]?.stringValue else { throw DojoFrameError.malformed("a frame has a type") }
        switch type {
        case "welcome":
            guard let you = DojoActor(wire: wire["you"]) else { throw DojoFrameError.malformed("welcome without you") }
            let resumed = wire["resumed"] == .bool(true)
            self = .welcome(
                you: you, resumed: resumed,
                lastSeq: wire["last_seq"]?.exactInteger.map(Int.init),
                seq: wire["seq"]?.exactInteger.map(Int.init),
                state: resumed ? nil : try DojoStateFrame(wire: wire["state"] ?? .null))
        case "cursor":
            guard let actor = DojoActor(wire: wire["actor"]), let revision = wire["revision"]?.exactInteger else {
                throw DojoFrameError.malformed("cursor without actor or revision")
            }
            self = .cursor(actor: actor, revision: Int(revision), selection: try Selection(wire: wire["selection"] ?? .null))
        case "pong":
            self = .pong(ref: wire["ref"]?.stringValue)
        case "error":
            self = .error(code: wire["code"]?.stringValue ?? "unknown", message: wire["message"]?.stringValue ?? "",
                          ref: wire["ref"]?.stringValue ?? wire["ref"]?.exactInteger.map { String($0) },
                          fatal: wire["fatal"] == .bool(true))
        case "op_ack":
            var original = wire
            if case .object(var members) = wire {
                members["type"] = .string("op")
                original = .object(members)
            }
            self = .opAck(try DojoEvent(wire: original))
        case "snapshot":
            self = .snapshot(try DojoStateFrame(wire: wire["state"] ?? .null))
        default:
            if wire["seq"]?.exactInteger != nil {
                self = .event(try DojoEvent(wire: wire))
            } else {
                self = .unknown(type: type)
            }
        }
    }
}

public enum DojoFrameError: Error, Sendable, Equatable {
    case malformed(String)
}

/// One frame to the server.
public enum DojoClientFrame: Sendable, Hashable {
    case op(id: String, revision: Int, operation: TextOperation)
    case cursor(revision: Int, selection: Selection)
    case chat(text: String)
    case testStatus(DojoTestStatus)
    case pass
    case pause
    case resumeTimer
    case queue(join: Bool)
    case assign(piloto: String, copiloto: String?, queue: [String])
    case resume(lastSeq: Int)
    case ping(id: String?)

    public var wire: WireJSON {
        switch self {
        case .op(let id, let revision, let operation):
            .object(["type": .string("op"), "id": .string(id), "revision": .integer(revision), "op": operation.wire])
        case .cursor(let revision, let selection):
            .object(["type": .string("cursor"), "revision": .integer(revision), "selection": selection.wire])
        case .chat(let text):
            .object(["type": .string("chat"), "text": .string(text)])
        case .testStatus(let status):
            .object(["type": .string("test_status"), "status": .string(status.rawValue)])
        case .pass:
            .object(["type": .string("pass")])
        case .pause:
            .object(["type": .string("pause")])
        case .resumeTimer:
            .object(["type": .string("resume_timer")])
        case .queue(let join):
            .object(["type": .string("queue"), "join": .bool(join)])
        case .assign(let piloto, let copiloto, let queue):
            .object(["type": .string("assign"), "piloto": .string(piloto),
                     "copiloto": copiloto.map(WireJSON.string) ?? .null, "queue": .array(queue.map(WireJSON.string))])
        case .resume(let lastSeq):
            .object(["type": .string("resume"), "last_seq": .integer(lastSeq)])
        case .ping(let id):
            id.map { .object(["type": .string("ping"), "id": .string($0)]) } ?? .object(["type": .string("ping")])
        }
    }

    /// The JSON text sent on the socket.
    public var text: String { wire.jsonText }
}

/// ISO 8601 instants as the dojo service writes them (`2026-12-06T11:30:59.123456Z`).
enum DojoWireDates {
    static func parse(_ text: String) -> Date? {
        // yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm), any number of fraction digits.
        let scalars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= scalars.count else { return nil }
            var value = 0
            for b in scalars[from..<from + count] {
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard scalars.count >= 19, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var index = 19
        var fraction = 0.0
        if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                fraction += Double(scalars[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < scalars.count {
            switch scalars[index] {
            case UInt8(ascii: "Z"): index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard let h = number(index + 1, 2), let m = number(index + 4, 2) else { return nil }
                offset = (h * 3600 + m * 60) * (scalars[index] == UInt8(ascii: "-") ? -1 : 1)
                index += 6
            default: return nil
            }
        }
        guard index == scalars.count else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}
