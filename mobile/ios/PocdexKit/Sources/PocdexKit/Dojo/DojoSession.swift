import Foundation

/// A chat message of the session (a sequenced `chat` event).
public struct DojoChatMessage: Sendable, Hashable, Identifiable {
    public var id: Int { seq }
    public var seq: Int
    public var author: DojoActor?
    public var text: String
    public var at: Date?

    public init(seq: Int, author: DojoActor?, text: String, at: Date?) {
        self.seq = seq
        self.author = author
        self.text = text
        self.at = at
    }
}

/// Another participant's selection, in code points of the local document.
public struct DojoRemoteCursor: Sendable, Hashable, Identifiable {
    public var id: String { actor.id }
    public var actor: DojoActor
    public var selection: Selection

    public init(actor: DojoActor, selection: Selection) {
        self.actor = actor
        self.selection = selection
    }
}

/// A frame the server refused (`{"type": "error"}` with a `ref`), or a fatal refusal.
public struct DojoServerError: Sendable, Hashable {
    /// Stable code (`role_may_not_edit`, `dojo_not_live`, `rate_limited`, ot.md codes, …).
    public var code: String
    /// In the language of the ticket.
    public var message: String
    public var ref: String?

    public init(code: String, message: String, ref: String? = nil) {
        self.code = code
        self.message = message
        self.ref = ref
    }
}

/// Why a session stopped for good (no automatic reconnection after it).
public enum DojoEndReason: Sendable, Hashable {
    /// `stop()` was called.
    case closedByClient
    /// Close 4410: access ended while connected (`membership_revoked`, `tenant_suspended`;
    /// `token_revoked` reconnects with a fresh ticket instead).
    case accessRevoked(code: String, message: String)
    /// Refused at connect (4401 ticket, 4403 wrong dojo, 4404 not found or not invited).
    case refused(code: String, message: String)
    /// The ticket provider failed for good (`DojoSessionError.accessDenied`, or the API's
    /// 403/404 refusals and ended sessions: `finalTicketFailure`).
    case ticketDenied(code: String)
    /// `maxAttempts` reconnections failed in a row.
    case gaveUp
}

public enum DojoConnectionState: Sendable, Hashable {
    case idle
    case connecting
    case connected
    /// Waiting `delay` seconds before attempt number `attempt` (1, 2, …).
    case reconnecting(attempt: Int, delay: Double)
    case ended(DojoEndReason)
}

public enum DojoSessionError: Error, Sendable, Equatable {
    /// Thrown by a ticket provider when the platform refuses the ticket for good
    /// (404 dojo not found, 403 membership revoked, …): the session ends instead of retrying.
    case accessDenied(code: String)
}

/// Returns the WebSocket URL for one connection, with a fresh one-time ticket
/// (`POST /api/v1/dojos/{id}/ticket`, resolved against the gateway, ws:// or wss://).
public typealias DojoTicketProvider = @Sendable () async throws -> URL

/// The dojo session logic (docs/protocol/dojo-websocket.md): join with a ticket, the
/// welcome and snapshots, the OT client for edits, presence, seats, the server's timer,
/// chat, red/green, pause, server errors, and reconnection that resumes with `last_seq`
/// and resends the outstanding operation with its id, so that no acknowledged edit is
/// lost and none is applied twice.
@MainActor
public final class DojoSession {
    public struct Configuration: Sendable {
        /// First reconnection delay (seconds); doubles per failed attempt up to `maxBackoff`.
        public var initialBackoff: Double
        public var maxBackoff: Double
        /// Failed reconnections in a row before giving up (nil: never give up).
        public var maxAttempts: Int?
        /// Seconds between keepalive pings while connected.
        public var keepaliveInterval: Double
        /// Chat text limit (characters), as the server enforces it.
        public var maxChatLength: Int
        /// Least time between two cursor frames (seconds); the last selection always goes out.
        public var cursorInterval: Double
        /// Fraction of each reconnection delay taken away at random (0: none, at most 1), so
        /// clients dropped together (an instance gone) do not all come back at the same moment.
        public var jitter: Double

        public init(initialBackoff: Double = 0.5, maxBackoff: Double = 15, maxAttempts: Int? = nil,
                    keepaliveInterval: Double = 25, maxChatLength: Int = 2000, cursorInterval: Double = 0.1,
                    jitter: Double = 0.5) {
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxAttempts = maxAttempts
            self.keepaliveInterval = keepaliveInterval
            self.maxChatLength = maxChatLength
            self.cursorInterval = cursorInterval
            self.jitter = jitter
        }
    }

    /// The delay before reconnection attempt `attempt` (from 1): doubling from
    /// `initialBackoff` up to `maxBackoff`, less `jitter` times `random` (in 0...1) of it.
    nonisolated static func backoff(attempt: Int, configuration: Configuration, random: Double) -> Double {
        let base = min(configuration.maxBackoff, configuration.initialBackoff * pow(2, Double(max(attempt, 1) - 1)))
        let jitter = min(max(configuration.jitter, 0), 1)
        return base * (1 - jitter * min(max(random, 0), 1))
    }

    public enum ChatRefusal: Error, Sendable, Equatable {
        case empty
        case tooLong(limit: Int)
        case notConnected
    }

    // MARK: public state

    public private(set) var connection: DojoConnectionState = .idle
    public private(set) var me: DojoActor?
    public private(set) var status: DojoSessionStatus = .scheduled
    /// The last sequenced event processed (nil before the first welcome).
    public private(set) var lastSeq: Int?
    public private(set) var document: String = ""
    public var revision: Int { client.revision }
    public private(set) var participants: [DojoActor] = []
    public private(set) var connected: Set<String> = []
    public private(set) var seats = DojoSeats()
    public private(set) var timer = DojoTimerInfo()
    /// Server clock minus local clock (seconds), from the last timer's `server_time`.
    public private(set) var clockOffset: Double = 0
    public private(set) var testStatus: DojoTestStatus?
    public private(set) var copilotoMayEdit = false
    public private(set) var chat: [DojoChatMessage] = []
    public private(set) var remoteCursors: [String: DojoRemoteCursor] = [:]
    public private(set) var lastError: DojoServerError?
    /// Local edits the server refused or that could not be rebased after a full reset.
    public private(set) var discardedEdits = 0
    /// The last selection of this person (code points of `document`).
    public private(set) var selection: Selection?
    /// Number of (re)connections that reached a welcome.
    public private(set) var welcomes = 0

    /// Called after every change of the state above.
    public var onChange: (@MainActor () -> Void)?
    /// Called with every operation applied to the document from the server (what an
    /// editor that applies deltas applies; `document` already reflects it).
    public var onRemoteOperation: (@MainActor (TextOperation) -> Void)?

    public var role: DojoRole {
        guard let id = me?.id else { return .plateia }
        if id == seats.piloto { return .piloto }
        if id == seats.copiloto { return .copiloto }
        return .plateia
    }

    /// Whether this person may edit now (the piloto; the co-piloto when the dojo allows it; while live).
    public var canEdit: Bool {
        status == .live && (role == .piloto || (role == .copiloto && copilotoMayEdit))
    }

    /// True while an edit of this client is not acknowledged yet.
    public var hasPendingEdits: Bool { client.outstanding != nil }

    /// Milliseconds left in the current turn at `now` (local clock), nil when no turn runs.
    public func remainingMs(at now: Date) -> Int? {
        switch timer.state {
        case .running:
            guard let deadline = timer.deadline else { return timer.remainingMs }
            let serverNow = now.addingTimeInterval(clockOffset)
            return max(0, Int((deadline.timeIntervalSince(serverNow) * 1000).rounded()))
        case .paused:
            return timer.remainingMs
        case .waiting, .stopped:
            return nil
        }
    }

    // MARK: wiring

    public let configuration: Configuration
    private let ticketProvider: DojoTicketProvider
    private let transportFactory: DojoTransportFactory
    private let clock: any DojoClock

    private var client = OTClient()
    private var documentScalars: OTDocument = []
    private var outstandingID: String?
    /// The connection the outstanding operation was last sent on.
    private var outstandingSentOn = -1
    /// Operations resent after a full reset: sequenced, they are remote operations.
    private var orphanIDs: Set<String> = []
    private let idPrefix = String(UUID().uuidString.prefix(13)).lowercased()
    private var nextOperationNumber = 0
    /// The server operations by revision (recent ones), to move remote cursors forward.
    private var history: [(revision: Int, operation: TextOperation)] = []
    private var waitingCursors: [String: (actor: DojoActor, revision: Int, selection: Selection)] = [:]
    private var cursorPending = false
    private var resumeTarget: Int?
    private var gapRequestedAfter: Int?

    private var generation = 0
    /// The connection that received its welcome (frames sent before it could be dropped).
    private var welcomedGeneration = -1
    private var isReady: Bool { outbox != nil && welcomedGeneration == generation && resumeTarget == nil }
    private var transport: (any DojoTransport)?
    private var outbox: AsyncStream<String>.Continuation?
    private var runTask: Task<Void, Never>?
    private var pingTask: Task<Void, Never>?
    private var stopped = false
    private var fatal: DojoServerError?
    private var lastReceivedAt = Date.distantPast
    private var ticketRefusals = 0
    private var cursorNotBefore = Date.distantPast
    private var cursorTimer: Task<Void, Never>?
    private var resyncRequested = false
    private let random: @Sendable () -> Double

    /// `random`: a number in 0..<1 for each reconnection delay's jitter.
    public init(configuration: Configuration = Configuration(),
                ticketProvider: @escaping DojoTicketProvider,
                transportFactory: @escaping DojoTransportFactory,
                clock: any DojoClock = SystemDojoClock(),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.configuration = configuration
        self.ticketProvider = ticketProvider
        self.transportFactory = transportFactory
        self.clock = clock
        self.random = random
    }

    // MARK: lifecycle

    /// Connects, and keeps reconnecting after drops until `stop()` or an end reason.
    public func start() {
        guard runTask == nil else { return }
        stopped = false
        connection = .connecting
        changed()
        runTask = Task { [weak self] in await self?.run() }
    }

    /// Closes the socket (1000) and stops reconnecting.
    public func stop() {
        stopped = true
        runTask?.cancel()
        runTask = nil
        pingTask?.cancel()
        cursorTimer?.cancel()
        cursorTimer = nil
        let transport = self.transport
        self.transport = nil
        outbox?.finish()
        outbox = nil
        if let transport { Task { await transport.close(code: 1000) } }
        connection = .ended(.closedByClient)
        changed()
    }

    /// After an end (not `closedByClient` by a caller that means it): start again,
    /// resuming from `lastSeq` with pending edits kept.
    public func restart() {
        runTask?.cancel()
        runTask = nil
        connection = .idle
        start()
    }

    /// Waits until the run loop ends (after `stop()` or an end reason).
    public func waitUntilEnded() async {
        await runTask?.value
    }

    private func run() async {
        var attempt = 0
        while !stopped && !Task.isCancelled {
            var reachedWelcome = false
            do {
                let ticketURL = try await ticketProvider()
                if stopped || Task.isCancelled { return }
                let url = resyncRequested || lastSeq == nil ? ticketURL : Self.url(ticketURL, lastSeq: lastSeq!)
                if resyncRequested {
                    dropPendingEdits()
                    resyncRequested = false
                }
                let transport = transportFactory()
                let stream = try await transport.connect(to: url)
                if stopped || Task.isCancelled {
                    await transport.close(code: 1000)
                    return
                }
                reachedWelcome = await serve(transport: transport, stream: stream)
                if Task.isCancelled { return }  // stopped (and maybe started again meanwhile)
                if let end = await endReason(of: transport, reachedWelcome: reachedWelcome) {
                    connection = .ended(end)
                    changed()
                    return
                }
            } catch {
                if let code = Self.finalTicketFailure(error) {
                    connection = .ended(.ticketDenied(code: code))
                    changed()
                    return
                }
                // a ticket or connection failure worth retrying: try again after a while
            }
            if stopped || Task.isCancelled { return }
            if resyncRequested {
                attempt = 0
                continue
            }
            attempt = reachedWelcome ? 1 : attempt + 1
            if let max = configuration.maxAttempts, attempt > max {
                connection = .ended(.gaveUp)
                changed()
                return
            }
            let delay = Self.backoff(attempt: attempt, configuration: configuration, random: random())
            connection = .reconnecting(attempt: attempt, delay: delay)
            changed()
            do { try await clock.sleep(seconds: delay) } catch { return }
        }
    }

    static func url(_ ticketURL: URL, lastSeq: Int) -> URL {
        guard var components = URLComponents(url: ticketURL, resolvingAgainstBaseURL: false) else { return ticketURL }
        var items = (components.queryItems ?? []).filter { $0.name != "last_seq" }
        items.append(URLQueryItem(name: "last_seq", value: String(lastSeq)))
        components.queryItems = items
        return components.url ?? ticketURL
    }

    /// Reads one connection until it ends; true when it reached a welcome.
    private func serve(transport: any DojoTransport, stream: AsyncStream<String>) async -> Bool {
        generation += 1
        let current = generation
        fatal = nil
        self.transport = transport
        let (outgoing, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        outbox = continuation
        let sender = Task.detached {
            for await text in outgoing {
                do { try await transport.send(text) } catch { break }
            }
        }
        var welcomed = false
        for await text in stream {
            guard current == generation, !stopped, !Task.isCancelled else { break }
            let wasWelcomed = welcomes
            handle(text: text)
            if welcomes != wasWelcomed { welcomed = true }
            if resyncRequested { await transport.close(code: 1000); break }
        }
        continuation.finish()
        sender.cancel()
        // Only this connection's own keepalive: a newer connection (the screen closed and
        // reopened at once) has started its own.
        if current == generation {
            pingTask?.cancel()
            pingTask = nil
            self.transport = nil
            outbox = nil
        }
        return welcomed
    }

    private func endReason(of transport: any DojoTransport, reachedWelcome: Bool) async -> DojoEndReason? {
        if stopped { return .closedByClient }
        // A ticket refused once (it expired while connecting, say) is worth a fresh one;
        // twice in a row is final.
        if fatal?.code == "ticket_invalid" && !reachedWelcome && ticketRefusals == 0 {
            ticketRefusals += 1
            fatal = nil
            return nil
        }
        if reachedWelcome { ticketRefusals = 0 }
        // The session of the token behind the ticket ended (a logout elsewhere, a role
        // change, a password change): reconnect with a fresh ticket and last_seq. The ticket
        // call renews the access token, or fails for good when the person's session is over,
        // which ends this one (`ticketDenied`).
        if fatal?.code == "token_revoked" {
            fatal = nil
            return nil
        }
        let code = await transport.closeCode
        if code == 4410 {
            return .accessRevoked(code: fatal?.code ?? "membership_revoked", message: fatal?.message ?? "")
        }
        if let fatal {
            return fatal.code == "token_revoked" || fatal.code == "membership_revoked" || fatal.code == "tenant_suspended"
                ? .accessRevoked(code: fatal.code, message: fatal.message)
                : .refused(code: fatal.code, message: fatal.message)
        }
        if let code, [4401, 4403, 4404].contains(code) {
            return .refused(code: "closed_\(code)", message: "")
        }
        return nil
    }

    /// Pings every `keepaliveInterval`; a connection that brought nothing (not even the
    /// pong) for two intervals is presumed dead (a network gone without a FIN) and closed,
    /// which reconnects.
    private func startKeepalive() {
        pingTask?.cancel()
        let interval = configuration.keepaliveInterval
        let clock = self.clock
        let connection = generation
        pingTask = Task { [weak self] in
            while !Task.isCancelled {
                do { try await clock.sleep(seconds: interval) } catch { return }
                guard let self, self.generation == connection else { return }
                if clock.now().timeIntervalSince(self.lastReceivedAt) >= 2 * interval {
                    let transport = self.transport
                    await transport?.close(code: 4000)
                    return
                }
                self.send(.ping(id: nil))
            }
        }
    }

    private func send(_ frame: DojoClientFrame) {
        outbox?.yield(frame.text)
    }

    private func changed() { onChange?() }

    // MARK: frames

    /// Handles one text frame from the server (public for transports that deliver
    /// frames themselves, and for tests of the protocol logic).
    public func handle(text: String) {
        lastReceivedAt = clock.now()
        let frame: DojoServerFrame
        do { frame = try DojoServerFrame(text: text) } catch {
            // A frame this client cannot read: if it was sequenced, the next one shows a
            // gap and the events are asked for again.
            return
        }
        handle(frame)
        changed()
    }

    private func handle(_ frame: DojoServerFrame) {
        switch frame {
        case .welcome(let you, let resumed, let fromSeq, let seq, let state):
            me = you
            welcomes += 1
            welcomedGeneration = generation
            connection = .connected
            startKeepalive()
            if !resumed, let state {
                applyFullState(state)
            } else {
                resumeTarget = seq
                if lastSeq == nil { lastSeq = fromSeq }
                if let seq, (lastSeq ?? 0) >= seq { finishResume() }
            }
        case .snapshot(let state):
            applyFullState(state)
        case .event(let event):
            handle(event)
        case .cursor(let actor, let revision, let selection):
            guard actor.id != me?.id else { return }
            placeCursor(actor: actor, revision: revision, selection: selection)
        case .pong:
            break
        case .error(let code, let message, let ref, let isFatal):
            let error = DojoServerError(code: code, message: message, ref: ref)
            if isFatal { fatal = error }
            lastError = error
            if let ref, ref == outstandingID {
                // Our edit was refused: the document went ahead of the server. Start again
                // from the server's state.
                discardedEdits += 1
                resyncRequested = true
            } else if let ref, orphanIDs.remove(ref) != nil {
                discardedEdits += 1
            } else if code == "resume_rate_limited" {
                resyncRequested = false
                Task { [transport] in await transport?.close(code: 1000) }
            }
        case .opAck:
            // The original event is (or will be) delivered in sequence; nothing to do here.
            break
        case .unknown:
            break
        }
    }

    private func applyFullState(_ state: DojoStateFrame) {
        if let id = outstandingID, let outgoing = client.resend() {
            // The state replaces the editor. The outstanding operation may or may not be
            // in it: resend it with its id; the server sequences it once at most, and when
            // it arrives it is applied like anyone else's. The buffer cannot be rebased.
            orphanIDs.insert(id)
            send(.op(id: id, revision: outgoing.revision, operation: outgoing.operation))
            if client.buffer != nil { discardedEdits += 1 }
        }
        outstandingID = nil
        client.reset(document: state.document.otScalars, revision: state.revision)
        documentScalars = client.document
        document = state.document
        history.removeAll()
        remoteCursors.removeAll()
        waitingCursors.removeAll()
        lastSeq = state.seq
        resumeTarget = nil
        gapRequestedAfter = nil
        status = state.status
        seats = state.seats
        setTimer(state.timer)
        testStatus = state.testStatus
        copilotoMayEdit = state.copilotoMayEdit
        participants = state.participants
        connected = Set(state.connected)
        if selection != nil { cursorPending = true }
        flushCursor()
    }

    private func dropPendingEdits() {
        if client.outstanding != nil { outstandingID = nil }
        // lastSeq nil: the next welcome carries the full state and resets the client.
        lastSeq = nil
    }

    private func finishResume() {
        resumeTarget = nil
        if let id = outstandingID, outstandingSentOn != generation, let outgoing = client.resend() {
            outstandingSentOn = generation
            send(.op(id: id, revision: outgoing.revision, operation: outgoing.operation))
        }
        flushCursor()
    }

    private func handle(_ event: DojoEvent) {
        guard let last = lastSeq else { return }
        if event.seq <= last { return }
        if event.seq > last + 1 {
            if gapRequestedAfter != last {
                gapRequestedAfter = last
                send(.resume(lastSeq: last))
            }
            return
        }
        lastSeq = event.seq
        gapRequestedAfter = nil
        switch event.payload {
        case .presence(let joined, let left, let now):
            connected = Set(now)
            if let joined, !participants.contains(where: { $0.id == joined }) {
                participants.append(DojoActor(id: joined, name: event.actor?.id == joined ? event.actor!.name : ""))
            }
            if let left {
                remoteCursors[left] = nil
                waitingCursors[left] = nil
            }
        case .roles(_, let newSeats, let newTimer):
            seats = newSeats
            setTimer(newTimer)
        case .timer(let newTimer):
            setTimer(newTimer)
        case .op(let revision, let operation, let id):
            handleOperation(revision: revision, operation: operation, id: id)
        case .chat(let text):
            chat.append(DojoChatMessage(seq: event.seq, author: event.actor, text: text, at: event.at))
        case .testStatus(let value):
            testStatus = value
        case .started(let newSeats, let newTimer):
            status = .live
            seats = newSeats
            setTimer(newTimer)
        case .ended:
            status = .ended
            setTimer(DojoTimerInfo(state: .stopped))
        case .other:
            break
        }
        if let target = resumeTarget, event.seq >= target { finishResume() }
    }

    private func setTimer(_ info: DojoTimerInfo) {
        timer = info
        if let serverTime = info.serverTime {
            clockOffset = serverTime.timeIntervalSince(clock.now())
        }
    }

    private func handleOperation(revision: Int, operation: TextOperation, id: String?) {
        do {
            if let id, id == outstandingID, let acknowledged = client.outstanding {
                outstandingID = nil
                remember(revision: revision, operation: acknowledged)
                if let next = try client.serverAck() { sendOperation(next) }
            } else {
                if let id { orphanIDs.remove(id) }
                let editorOperation = try client.applyServer(operation)
                remember(revision: revision, operation: operation)
                documentScalars = client.document
                document = String(otScalars: documentScalars)
                moveCursors(through: editorOperation)
                onRemoteOperation?(editorOperation)
            }
            if client.revision != revision {
                // Never happens with a correct server: start again from its state.
                resyncRequested = true
            }
            placeWaitingCursors()
            flushCursor()
        } catch {
            resyncRequested = true
        }
    }

    private func remember(revision: Int, operation: TextOperation) {
        history.append((revision, operation))
        if history.count > 120 { history.removeFirst(history.count - 100) }
    }

    // MARK: cursors

    private func placeCursor(actor: DojoActor, revision: Int, selection: Selection) {
        if revision > client.revision {
            waitingCursors[actor.id] = (actor, revision, selection)
            return
        }
        var moved = selection
        do {
            if revision < client.revision {
                let needed = (revision + 1)...client.revision
                let ops = history.filter { needed.contains($0.revision) }
                guard ops.count == needed.count else { return }
                for entry in ops { moved = try moved.transformed(by: entry.operation) }
            }
            if let o = client.outstanding { moved = try moved.transformed(by: o) }
            if let b = client.buffer { moved = try moved.transformed(by: b) }
            remoteCursors[actor.id] = DojoRemoteCursor(actor: actor, selection: moved)
        } catch {
            remoteCursors[actor.id] = nil
        }
    }

    private func placeWaitingCursors() {
        for (id, waiting) in waitingCursors where waiting.revision <= client.revision {
            waitingCursors[id] = nil
            placeCursor(actor: waiting.actor, revision: waiting.revision, selection: waiting.selection)
        }
    }

    private func moveCursors(through operation: TextOperation) {
        for (id, cursor) in remoteCursors {
            remoteCursors[id] = (try? cursor.selection.transformed(by: operation)).map { DojoRemoteCursor(actor: cursor.actor, selection: $0) }
        }
        if let mine = selection { selection = try? mine.transformed(by: operation) }
    }

    private func flushCursor() {
        guard cursorPending, let selection, client.outstanding == nil, isReady else { return }
        let now = clock.now()
        guard now >= cursorNotBefore else {
            // Too soon after the last one: send the latest selection when the interval is over.
            guard cursorTimer == nil else { return }
            let wait = cursorNotBefore.timeIntervalSince(now)
            let clock = self.clock
            cursorTimer = Task { [weak self] in
                do { try await clock.sleep(seconds: wait) } catch { return }
                self?.cursorTimer = nil
                self?.flushCursor()
            }
            return
        }
        cursorPending = false
        cursorNotBefore = now.addingTimeInterval(configuration.cursorInterval)
        send(.cursor(revision: client.revision, selection: selection))
    }

    // MARK: intents

    /// The editor's whole text after a local change: sent as the operation between the
    /// previous document and this one. Refused (false) when this person may not edit;
    /// the editor should then show `document` again.
    @discardableResult
    public func edit(to newText: String) -> Bool {
        let newScalars = newText.otScalars
        let operation = TextDiff.operation(from: documentScalars, to: newScalars)
        if operation.isNoop { return true }
        return apply(localOperation: operation)
    }

    /// A local operation on `document` (code points). False when refused.
    @discardableResult
    public func apply(localOperation operation: TextOperation) -> Bool {
        guard canEdit, operation.baseLength == documentScalars.count else { return false }
        do {
            let outgoing = try client.applyLocal(operation)
            documentScalars = client.document
            document = String(otScalars: documentScalars)
            moveCursors(through: operation)
            if let outgoing { sendOperation(outgoing) }
            changed()
            return true
        } catch {
            return false
        }
    }

    private func sendOperation(_ outgoing: OTClient.Outgoing) {
        nextOperationNumber += 1
        let id = "\(idPrefix)-\(nextOperationNumber)"
        outstandingID = id
        if isReady {
            outstandingSentOn = generation
            send(.op(id: id, revision: outgoing.revision, operation: outgoing.operation))
        } else {
            outstandingSentOn = -1  // sent once connected and caught up (finishResume)
        }
    }

    /// This person's selection (code points of `document`); shared when nothing is in flight.
    public func select(_ newSelection: Selection) {
        guard newSelection != selection else { return }
        selection = newSelection
        cursorPending = true
        flushCursor()
    }

    /// Sends a chat message (trimmed; not blank; at most `maxChatLength` characters).
    public func sendChat(_ text: String) throws(ChatRefusal) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.unicodeScalars.count <= configuration.maxChatLength else {
            throw .tooLong(limit: configuration.maxChatLength)
        }
        guard isReady else { throw .notConnected }
        send(.chat(text: trimmed))
    }

    public func announceTests(_ value: DojoTestStatus) { send(.testStatus(value)) }
    public func passKeyboard() { send(.pass) }
    public func pauseTimer() { send(.pause) }
    public func resumeTimer() { send(.resumeTimer) }
    public func setInQueue(_ join: Bool) { send(.queue(join: join)) }
    public func assign(piloto: String, copiloto: String?, queue: [String]) {
        send(.assign(piloto: piloto, copiloto: copiloto, queue: queue))
    }

    public func clearError() {
        lastError = nil
        changed()
    }
}
