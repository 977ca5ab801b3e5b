import Foundation
import Observation

/// A participant as the live view lists them.
public struct DojoMember: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var role: DojoRole
    /// 1-based place in the rotation queue (plateia waiting for a turn), nil otherwise.
    public var queuePosition: Int?
    public var isConnected: Bool
    public var isMe: Bool
}

/// The live dojo screen: the shared document, remote cursors, participants and seats,
/// the server's rotation timer, chat, red/green, pause, and the connection state.
/// Views read these properties and call the intents; every rule lives here and in
/// `DojoSession`.
@Observable
@MainActor
public final class LiveDojoViewModel {
    /// The connection as the screen shows it.
    public enum Connection: Sendable, Hashable {
        case idle
        case connecting
        case live
        /// A banner: "reconnecting" (attempt, seconds until it).
        case reconnecting(attempt: Int, delay: Double)
        case ended(DojoEndReason)
    }

    // MARK: state (read by the views)

    public private(set) var connection: Connection = .idle
    /// The shared document (the editor's text).
    public private(set) var document: String = ""
    public private(set) var remoteCursors: [DojoRemoteCursor] = []
    public private(set) var members: [DojoMember] = []
    public private(set) var me: DojoActor?
    public private(set) var myRole: DojoRole = .plateia
    /// Whether the editor accepts typing now.
    public private(set) var canEdit = false
    public private(set) var status: DojoSessionStatus = .scheduled
    public private(set) var timerState: DojoTimerState = .stopped
    /// Seconds left in the turn (running or paused), nil when no turn runs.
    public private(set) var remainingSeconds: Int?
    public private(set) var rotationSeconds: Int?
    public private(set) var isPaused = false
    public private(set) var chat: [DojoChatMessage] = []
    public private(set) var testStatus: DojoTestStatus?
    /// Edits sent and not acknowledged yet (a small "saving" indicator).
    public private(set) var hasPendingEdits = false
    /// The last error the server sent for a frame of ours (localized by the server).
    public private(set) var lastError: DojoServerError?
    /// A chat message that could not be sent (empty, too long, offline).
    public private(set) var chatError: DojoSession.ChatRefusal?
    public private(set) var discardedEdits = 0
    /// The draft in the chat field.
    public var chatDraft = ""

    /// Whether this person may pause or resume the timer (piloto or co-piloto).
    public var canControlTimer: Bool { status == .live && (myRole == .piloto || myRole == .copiloto) }
    public var canAnnounceTests: Bool { status == .live && myRole == .piloto }
    public var canPass: Bool { status == .live && myRole == .piloto }
    public var isInQueue: Bool { members.first(where: \.isMe)?.queuePosition != nil }

    // MARK: wiring

    public let session: DojoSession
    private let clock: any DojoClock
    private var ticker: Task<Void, Never>?

    public init(session: DojoSession, clock: any DojoClock = SystemDojoClock()) {
        self.session = session
        self.clock = clock
        session.onChange = { [weak self] in self?.refresh() }
        refresh()
    }

    /// A view model with its own session.
    public convenience init(ticketProvider: @escaping DojoTicketProvider,
                            transportFactory: @escaping DojoTransportFactory,
                            configuration: DojoSession.Configuration = DojoSession.Configuration(),
                            clock: any DojoClock = SystemDojoClock()) {
        self.init(session: DojoSession(configuration: configuration, ticketProvider: ticketProvider,
                                       transportFactory: transportFactory, clock: clock),
                  clock: clock)
    }

    // MARK: intents

    /// Joins the session (call when the screen appears).
    public func start() {
        session.start()
        startTicker()
    }

    /// Leaves the session (call when the screen goes away).
    public func stop() {
        ticker?.cancel()
        ticker = nil
        session.stop()
    }

    /// After an end (or a refusal): try again with a fresh ticket.
    public func retry() {
        session.restart()
        startTicker()
    }

    /// The editor's text changed (the whole new text). A refused change (not at the
    /// keyboard) puts the document back.
    public func editorTextChanged(to newText: String) {
        if !session.edit(to: newText) { refresh() }
    }

    /// The editor's selection changed, in UTF-16 offsets (what UITextView/NSRange give).
    public func selectionChanged(utf16Anchor: Int, utf16Head: Int) {
        let scalars = document.otScalars
        let anchor = TextDiff.codePointIndex(utf16Offset: utf16Anchor, in: scalars)
        let head = TextDiff.codePointIndex(utf16Offset: utf16Head, in: scalars)
        session.select(Selection(ranges: [SelectionRange(anchor: anchor, head: head)]))
    }

    /// The UTF-16 range of a remote cursor's first range in `document`, for drawing it.
    public func utf16Range(of cursor: DojoRemoteCursor) -> Range<Int>? {
        guard let range = cursor.selection.ranges.first else { return nil }
        let scalars = document.otScalars
        let a = TextDiff.utf16Offset(codePointIndex: range.anchor, in: scalars)
        let h = TextDiff.utf16Offset(codePointIndex: range.head, in: scalars)
        return min(a, h)..<max(a, h)
    }

    /// Sends `chatDraft`; clears it when sent.
    public func sendChat() {
        do {
            try session.sendChat(chatDraft)
            chatDraft = ""
            chatError = nil
        } catch {
            chatError = error
        }
    }

    public func announceTests(_ value: DojoTestStatus) { session.announceTests(value) }
    public func passKeyboard() { session.passKeyboard() }
    public func togglePause() { isPaused ? session.resumeTimer() : session.pauseTimer() }
    public func setInQueue(_ join: Bool) { session.setInQueue(join) }

    public func dismissError() {
        chatError = nil
        session.clearError()
    }

    /// Recomputes the countdown (the ticker calls it every second).
    public func tick() {
        remainingSeconds = session.remainingMs(at: clock.now()).map { Int(($0 + 999) / 1000) }
    }

    // MARK: mirroring the session

    private func startTicker() {
        guard ticker == nil else { return }
        let clock = self.clock
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                do { try await clock.sleep(seconds: 1) } catch { return }
                self?.tick()
            }
        }
    }

    private func refresh() {
        switch session.connection {
        case .idle: connection = .idle
        case .connecting: connection = .connecting
        case .connected: connection = .live
        case .reconnecting(let attempt, let delay): connection = .reconnecting(attempt: attempt, delay: delay)
        case .ended(let reason):
            connection = .ended(reason)
            ticker?.cancel()
            ticker = nil
        }
        if document != session.document { document = session.document }
        let cursors = session.remoteCursors.values.sorted { $0.actor.name < $1.actor.name }
        if cursors != remoteCursors { remoteCursors = cursors }
        me = session.me
        myRole = session.role
        canEdit = session.canEdit
        status = session.status
        timerState = session.timer.state
        isPaused = session.timer.state == .paused
        rotationSeconds = session.timer.rotationMs.map { $0 / 1000 }
        if chat.count != session.chat.count || chat.last != session.chat.last { chat = session.chat }
        testStatus = session.testStatus
        hasPendingEdits = session.hasPendingEdits
        lastError = session.lastError
        discardedEdits = session.discardedEdits
        let newMembers = Self.members(session: session)
        if newMembers != members { members = newMembers }
        tick()
    }

    static func members(session: DojoSession) -> [DojoMember] {
        let seats = session.seats
        var names: [String: String] = [:]
        var order: [String] = []
        for p in session.participants where names[p.id] == nil {
            names[p.id] = p.name
            order.append(p.id)
        }
        for id in [seats.piloto, seats.copiloto].compactMap({ $0 }) + seats.queue + session.connected.sorted()
        where names[id] == nil {
            names[id] = ""
            order.append(id)
        }
        if let me = session.me, names[me.id]?.isEmpty ?? true {
            if names[me.id] == nil { order.append(me.id) }
            names[me.id] = me.name
        }
        let rank: (DojoMember) -> Int = { m in
            switch m.role {
            case .piloto: 0
            case .copiloto: 1
            case .plateia: m.queuePosition.map { 1 + $0 } ?? Int.max
            }
        }
        let members = order.map { id -> DojoMember in
            let role: DojoRole = id == seats.piloto ? .piloto : id == seats.copiloto ? .copiloto : .plateia
            return DojoMember(
                id: id, name: names[id] ?? "", role: role,
                queuePosition: seats.queue.firstIndex(of: id).map { $0 + 1 },
                isConnected: session.connected.contains(id), isMe: id == session.me?.id)
        }
        return members.enumerated().sorted { l, r in
            let (a, b) = (rank(l.element), rank(r.element))
            return a != b ? a < b : l.offset < r.offset
        }.map(\.element)
    }
}
