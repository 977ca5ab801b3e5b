import Foundation
import Observation

/// One page of `GET /api/v1/dojos/{id}/replay?after_seq=&limit=` (docs/protocol/dojo-websocket.md §7).
public struct DojoReplayPage: Sendable, Hashable {
    public struct Snapshot: Sendable, Hashable {
        public var revision: Int
        public var seq: Int
        public var at: Date?
        public var document: String
    }

    public var title: String?
    public var seq: Int
    public var revision: Int
    public var document: String
    public var snapshots: [Snapshot]
    public var events: [DojoEvent]
    public var nextAfterSeq: Int?

    public init(title: String? = nil, seq: Int, revision: Int, document: String, snapshots: [Snapshot] = [],
                events: [DojoEvent], nextAfterSeq: Int? = nil) {
        self.title = title
        self.seq = seq
        self.revision = revision
        self.document = document
        self.snapshots = snapshots
        self.events = events
        self.nextAfterSeq = nextAfterSeq
    }

    /// Reads the response body (events with their operations parsed strictly).
    public init(data: Data) throws {
        let wire: WireJSON
        do { wire = try WireJSON.parse(data) } catch { throw DojoFrameError.malformed("not JSON: \(error)") }
        guard let seq = wire["seq"]?.exactInteger, let revision = wire["revision"]?.exactInteger,
              let document = wire["document"]?.stringValue, let events = wire["events"]?.arrayValue else {
            throw DojoFrameError.malformed("a replay has seq, revision, document and events")
        }
        self.init(
            title: wire["dojo"]?["title"]?.stringValue,
            seq: Int(seq), revision: Int(revision), document: document,
            snapshots: (wire["snapshots"]?.arrayValue ?? []).compactMap { s in
                guard let r = s["revision"]?.exactInteger, let q = s["seq"]?.exactInteger,
                      let d = s["document"]?.stringValue else { return nil }
                return Snapshot(revision: Int(r), seq: Int(q), at: s["at"]?.stringValue.flatMap(DojoWireDates.parse), document: d)
            },
            events: try events.map { try DojoEvent(wire: $0) },
            nextAfterSeq: wire["next_after_seq"]?.exactInteger.map(Int.init))
    }
}

/// Loads one replay page after `afterSeq` (at most `limit` events).
public typealias DojoReplayLoader = @Sendable (_ afterSeq: Int, _ limit: Int) async throws -> DojoReplayPage

/// The replay screen: the session's events on a timeline; the document, seats, chat and
/// test status at any position; play/pause with an injectable clock.
@Observable
@MainActor
public final class ReplayViewModel {
    public enum Phase: Sendable, Hashable {
        case loading
        /// The session has no events.
        case empty
        case failed(message: String)
        case ready
    }

    public private(set) var phase: Phase = .loading
    public private(set) var title: String?
    /// Steps on the timeline: every sequenced event. Position p shows the session after the first p.
    public private(set) var stepCount = 0
    public private(set) var position = 0
    public private(set) var document = ""
    public private(set) var revision = 0
    /// When the event at the position happened.
    public private(set) var currentTime: Date?
    public private(set) var startTime: Date?
    public private(set) var endTime: Date?
    public private(set) var seats = DojoSeats()
    public private(set) var chat: [DojoChatMessage] = []
    public private(set) var testStatus: DojoTestStatus?
    public private(set) var isPlaying = false
    /// People seen in the events (id → name), for seat labels.
    public private(set) var names: [String: String] = [:]
    /// Seconds between steps while playing.
    public var stepInterval: Double = 0.25

    private let loader: DojoReplayLoader
    private let clock: any DojoClock
    private let pageSize: Int
    private var events: [DojoEvent] = []
    private var snapshots: [DojoReplayPage.Snapshot] = []
    /// (seq, revision) of each op event, to find where to start from a snapshot.
    private var player: Task<Void, Never>?

    public init(loader: @escaping DojoReplayLoader, clock: any DojoClock = SystemDojoClock(), pageSize: Int = 1000) {
        self.loader = loader
        self.clock = clock
        self.pageSize = pageSize
    }

    /// Loads every page, then shows the end of the session.
    public func load() async {
        phase = .loading
        pause()
        do {
            var afterSeq = 0
            var all: [DojoEvent] = []
            var snaps: [DojoReplayPage.Snapshot] = []
            var finalDocument = ""
            while true {
                let page = try await loader(afterSeq, pageSize)
                title = page.title ?? title
                all += page.events
                snaps = page.snapshots
                finalDocument = page.document
                guard let next = page.nextAfterSeq, next > afterSeq else { break }
                afterSeq = next
            }
            events = all.sorted { $0.seq < $1.seq }
            snapshots = snaps.sorted { $0.seq < $1.seq }
            stepCount = events.count
            startTime = events.first?.at
            endTime = events.last?.at
            names = [:]
            for e in events { if let a = e.actor, !a.name.isEmpty { names[a.id] = a.name } }
            if events.isEmpty {
                document = finalDocument
                phase = .empty
                return
            }
            try show(position: events.count)
            phase = .ready
        } catch {
            phase = .failed(message: String(describing: error))
        }
    }

    /// Shows the session after the first `position` events (clamped).
    public func seek(to newPosition: Int) {
        do { try show(position: min(max(0, newPosition), stepCount)) } catch {
            phase = .failed(message: String(describing: error))
        }
    }

    public func stepForward() { seek(to: position + 1) }
    public func stepBackward() { seek(to: position - 1) }

    public func play() {
        guard phase == .ready, !isPlaying else { return }
        if position >= stepCount { seek(to: 0) }
        isPlaying = true
        let clock = self.clock
        player = Task { [weak self] in
            while !Task.isCancelled {
                guard let interval = self?.stepInterval else { return }
                do { try await clock.sleep(seconds: interval) } catch { return }
                guard let self, self.isPlaying else { return }
                self.stepForward()
                if self.position >= self.stepCount {
                    self.isPlaying = false
                    return
                }
            }
        }
    }

    public func pause() {
        isPlaying = false
        player?.cancel()
        player = nil
    }

    private func show(position target: Int) throws {
        // Start from the latest snapshot at or before the target's seq, then apply the ops.
        let targetSeq = target == 0 ? 0 : events[target - 1].seq
        var doc: OTDocument = []
        var rev = 0
        var fromSeq = 0
        if let snapshot = snapshots.last(where: { $0.seq <= targetSeq }) {
            doc = snapshot.document.otScalars
            rev = snapshot.revision
            fromSeq = snapshot.seq
        }
        var seats = DojoSeats()
        var chat: [DojoChatMessage] = []
        var testStatus: DojoTestStatus?
        for event in events.prefix(target) {
            switch event.payload {
            case .op(let revision, let operation, _) where event.seq > fromSeq:
                doc = try operation.apply(doc)
                rev = revision
            case .roles(_, let s, _), .started(let s, _):
                seats = s
            case .chat(let text):
                chat.append(DojoChatMessage(seq: event.seq, author: event.actor, text: text, at: event.at))
            case .testStatus(let value):
                testStatus = value
            default:
                break
            }
        }
        position = target
        document = String(otScalars: doc)
        revision = rev
        self.seats = seats
        self.chat = chat
        self.testStatus = testStatus
        currentTime = target == 0 ? startTime : events[target - 1].at
    }
}
