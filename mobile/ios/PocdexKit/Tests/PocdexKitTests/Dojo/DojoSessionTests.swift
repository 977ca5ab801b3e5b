import Foundation
import Testing
@testable import PocdexKit

/// The session logic against a scripted server (a test double of the transport only).
@Suite("Dojo session (scripted transport)")
@MainActor
struct DojoSessionTests {
    let server = ScriptedServer()
    let clock = ManualClock()

    /// Reconnection delays without their random part (`random` 0): the backoff itself.
    func makeSession(_ configuration: DojoSession.Configuration = .init(),
                     random: @escaping @Sendable () -> Double = { 0 }) -> DojoSession {
        DojoSession(configuration: configuration, ticketProvider: server.ticketProvider,
                    transportFactory: server.factory, clock: clock, random: random)
    }

    @Test("reconnection delays double up to the maximum, less their jitter's share at random")
    func backoffWithJitter() {
        let configuration = DojoSession.Configuration(initialBackoff: 1, maxBackoff: 8, jitter: 0.5)
        let full = (1...6).map { DojoSession.backoff(attempt: $0, configuration: configuration, random: 0) }
        #expect(full == [1, 2, 4, 8, 8, 8])
        let least = (1...6).map { DojoSession.backoff(attempt: $0, configuration: configuration, random: 1) }
        #expect(least == [0.5, 1, 2, 4, 4, 4])
        #expect(DojoSession.backoff(attempt: 3, configuration: configuration, random: 0.5) == 3)
        let none = DojoSession.Configuration(initialBackoff: 1, maxBackoff: 8, jitter: 0)
        #expect(DojoSession.backoff(attempt: 2, configuration: none, random: 0.9) == 2)
    }

    @Test("a drop waits the backoff less its jitter before the next ticket")
    func reconnectAfterJitteredBackoff() async throws {
        let session = makeSession(.init(initialBackoff: 1, maxBackoff: 8, jitter: 0.5), random: { 0.5 })
        session.start()
        try await eventually("connected") { server.current?.isOpen == true }
        let first = try #require(server.current)
        first.deliver(Frames.welcome(you: Frames.ana, state: Frames.state(seq: 5, revision: 2, document: "ab")))
        try await eventually("welcome handled") { session.connection == .connected }
        first.drop()
        try await eventually("reconnecting") { session.connection == .reconnecting(attempt: 1, delay: 0.75) }
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 0.75) }
        #expect(server.transports.count == 1, "no new connection before the backoff")
        clock.advance(by: 0.75)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        #expect(server.tickets == 2)
        session.stop()
    }

    /// Starts a session and delivers the welcome with `state`.
    func joined(_ state: WireJSON, you: DojoActor = Frames.ana,
                _ configuration: DojoSession.Configuration = .init()) async throws -> (DojoSession, ScriptedTransport) {
        let session = makeSession(configuration)
        session.start()
        try await eventually("connected") { server.current?.isOpen == true }
        let transport = try #require(server.current)
        transport.deliver(Frames.welcome(you: you, state: state))
        try await eventually("welcome handled") { session.connection == .connected }
        return (session, transport)
    }

    @Test("the welcome's state fills the session: document, seats, role, timer, participants")
    func welcome() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 7, revision: 3, document: "def f():\n"))
        #expect(session.document == "def f():\n")
        #expect(session.revision == 3)
        #expect(session.lastSeq == 7)
        #expect(session.me == Frames.ana)
        #expect(session.role == .piloto)
        #expect(session.canEdit)
        #expect(session.status == .live)
        #expect(session.testStatus == .red)
        #expect(session.participants.map(\.name) == ["Ana", "Bia"])
        #expect(session.connected == ["u-ana", "u-bia"])
        #expect(transport.url?.query == "ticket=t1", "the first connection has no last_seq")
        #expect(server.tickets == 1)
    }

    @Test("an edit is sent with an id and its revision; the op event with that id acknowledges it; the buffer follows")
    func editAckBuffer() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: "ab"))
        #expect(session.edit(to: "abc"))
        try await eventually("op sent") { transport.sentFrames(ofType: "op").count == 1 }
        let first = transport.sentFrames(ofType: "op")[0]
        #expect(first["revision"] == .integer(0))
        #expect(first["op"] == json("[2, \"c\"]"))
        let firstID = try #require(first["id"]?.stringValue)
        // Two more edits while the first is in flight: composed into one buffer.
        #expect(session.edit(to: "abcd"))
        #expect(session.edit(to: "xabcd"))
        #expect(session.document == "xabcd")
        #expect(session.hasPendingEdits)
        transport.deliver(Frames.op(seq: 2, revision: 1, "[2, \"c\"]", id: firstID, by: Frames.ana))
        try await eventually("buffer sent") { transport.sentFrames(ofType: "op").count == 2 }
        let second = transport.sentFrames(ofType: "op")[1]
        #expect(second["revision"] == .integer(1))
        #expect(second["op"] == json("[\"x\", 3, \"d\"]"))
        #expect(second["id"]?.stringValue != firstID)
        transport.deliver(Frames.op(seq: 3, revision: 2, "[\"x\", 3, \"d\"]", id: second["id"]!.stringValue!, by: Frames.ana))
        try await eventually("synchronized") { !session.hasPendingEdits }
        #expect(session.revision == 2)
        #expect(session.lastSeq == 3)
        #expect(session.document == "xabcd")
    }

    @Test("a remote operation concurrent with a pending edit is transformed (code points, not graphemes)")
    func remoteWhilePending() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: "e\u{301}😀"))
        var remoteSeen: [TextOperation] = []
        session.onRemoteOperation = { remoteSeen.append($0) }
        #expect(session.edit(to: "e\u{301}😀!"))  // [3, "!"]
        try await eventually("op sent") { transport.sentFrames(ofType: "op").count == 1 }
        // Bia deleted the combining accent meanwhile (sequenced first).
        transport.deliver(Frames.op(seq: 2, revision: 1, "[1, -1, 1]", id: "bia-1", by: Frames.bia))
        try await eventually("remote applied") { session.revision == 1 }
        #expect(Array(session.document.unicodeScalars) == Array("e😀!".unicodeScalars))
        #expect(remoteSeen == [operation("[1, -1, 2]")])
        #expect(session.hasPendingEdits, "our edit is still in flight, rebased")
    }

    @Test("a remote cursor is moved to the local document and through later edits")
    func cursors() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: "hello"))
        transport.deliver(.object(["type": .string("cursor"), "actor": Frames.actor(Frames.bia), "revision": .integer(0),
                                   "selection": try WireJSON.parse(#"{"ranges": [{"anchor": 2, "head": 4}]}"#), "after_seq": .integer(1)]))
        try await eventually("cursor placed") { session.remoteCursors["u-bia"] != nil }
        #expect(session.remoteCursors["u-bia"]?.selection == Selection(ranges: [SelectionRange(anchor: 2, head: 4)]))
        #expect(session.edit(to: ">>hello"))
        #expect(session.remoteCursors["u-bia"]?.selection == Selection(ranges: [SelectionRange(anchor: 4, head: 6)]))
        // Our own cursor goes out when nothing is in flight, at our revision.
        session.select(.caret(1))
        try await eventually("op sent") { transport.sentFrames(ofType: "op").count == 1 }
        #expect(transport.sentFrames(ofType: "cursor").isEmpty, "not while an edit is in flight")
        let id = try #require(transport.sentFrames(ofType: "op").first?["id"]?.stringValue)
        transport.deliver(Frames.op(seq: 2, revision: 1, "[\">>\", 5]", id: id, by: Frames.ana))
        try await eventually("cursor sent") { transport.sentFrames(ofType: "cursor").count == 1 }
        #expect(transport.sentFrames(ofType: "cursor")[0]["revision"] == .integer(1))
    }

    @Test("a drop reconnects after a backoff with a fresh ticket and last_seq; the lost acknowledgement arrives in the tail and nothing is resent")
    func reconnectAckInTail() async throws {
        let (session, first) = try await joined(Frames.state(seq: 5, revision: 2, document: "ab"),
                                                .init(initialBackoff: 1, maxBackoff: 8))
        #expect(session.edit(to: "abc"))
        try await eventually("op sent") { first.sentFrames(ofType: "op").count == 1 }
        let id = try #require(first.sentFrames(ofType: "op")[0]["id"]?.stringValue)
        first.drop()
        try await eventually("reconnecting") { session.connection == .reconnecting(attempt: 1, delay: 1) }
        #expect(server.transports.count == 1, "no new connection before the backoff")
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 1) }
        clock.advance(by: 1)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        let second = try #require(server.current)
        #expect(server.tickets == 2)
        #expect(second.url?.query == "ticket=t2&last_seq=5")
        second.deliver(Frames.resumedWelcome(lastSeq: 5, seq: 7))
        second.deliver(Frames.op(seq: 6, revision: 3, "[2, \"c\"]", id: id, by: Frames.ana))
        second.deliver(Frames.op(seq: 7, revision: 4, "[\"Z\", 3]", id: "bia-9", by: Frames.bia))
        try await eventually("caught up") { session.lastSeq == 7 }
        #expect(session.document == "Zabc")
        #expect(session.revision == 4)
        #expect(!session.hasPendingEdits)
        #expect(second.sentFrames(ofType: "op").isEmpty, "an acknowledged edit is never sent again")
    }

    @Test("after a drop the outstanding operation is resent with the same id once the tail is processed; a duplicate op_ack changes nothing")
    func reconnectResend() async throws {
        let (session, first) = try await joined(Frames.state(seq: 5, revision: 2, document: "ab"), .init(initialBackoff: 0.5))
        #expect(session.edit(to: "abc"))
        try await eventually("op sent") { first.sentFrames(ofType: "op").count == 1 }
        let id = try #require(first.sentFrames(ofType: "op")[0]["id"]?.stringValue)
        first.drop()
        try await eventually("reconnecting") { session.connection == .reconnecting(attempt: 1, delay: 0.5) }
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 0.5) }
        clock.advance(by: 0.5)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        let second = try #require(server.current)
        second.deliver(Frames.resumedWelcome(lastSeq: 5, seq: 6))
        #expect(second.sentFrames(ofType: "op").isEmpty)
        second.deliver(Frames.op(seq: 6, revision: 3, "[\"Z\", 2]", id: "bia-9", by: Frames.bia))
        try await eventually("resent after the tail") { second.sentFrames(ofType: "op").count == 1 }
        let resent = second.sentFrames(ofType: "op")[0]
        #expect(resent["id"]?.stringValue == id, "the same id, so the server never sequences it twice")
        #expect(resent["revision"] == .integer(3))
        #expect(resent["op"] == json("[3, \"c\"]"), "rebased over what arrived meanwhile")
        // The server had it already: op_ack duplicate, then (in sequence) nothing new.
        second.deliver(.object(["type": .string("op_ack"), "duplicate": .bool(true), "seq": .integer(6), "revision": .integer(3),
                                "op": try WireJSON.parse("[2, \"c\"]"), "id": .string(id)]))
        second.deliver(Frames.op(seq: 7, revision: 4, "[3, \"c\"]", id: id, by: Frames.ana))
        try await eventually("acknowledged") { !session.hasPendingEdits }
        #expect(session.document == "Zabc")
        #expect(session.revision == 4)
    }

    @Test("close 4410 with membership_revoked ends the session without reconnecting")
    func accessRevoked() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: ""))
        transport.deliver(Frames.error("membership_revoked", fatal: true))
        transport.serverClose(code: 4410)
        try await eventually("ended") {
            if case .ended = session.connection { return true } else { return false }
        }
        #expect(session.connection == .ended(.accessRevoked(code: "membership_revoked", message: "msg membership_revoked")))
        clock.advance(by: 60)
        #expect(server.tickets == 1)
        #expect(server.transports.count == 1)
    }

    @Test("close 4410 with token_revoked reconnects with a fresh ticket and last_seq; a ticket refused then ends the session")
    func tokenRevokedReconnects() async throws {
        let (session, first) = try await joined(Frames.state(seq: 4, revision: 1, document: "a"),
                                                .init(initialBackoff: 1, maxBackoff: 8))
        first.deliver(Frames.error("token_revoked", fatal: true))
        first.serverClose(code: 4410)
        try await eventually("reconnecting") { session.connection == .reconnecting(attempt: 1, delay: 1) }
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 1) }
        clock.advance(by: 1)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        let second = try #require(server.current)
        #expect(server.tickets == 2, "a fresh ticket: the ticket call renews the access token")
        #expect(second.url?.query == "ticket=t2&last_seq=4")
        second.deliver(Frames.resumedWelcome(lastSeq: 4, seq: 4))
        try await eventually("connected again") { session.connection == .connected }
        #expect(session.document == "a")

        // Revoked again, and this time the person's session is over: the ticket call fails for good.
        server.ticketError = DojoSessionError.accessDenied(code: "token_revoked")
        second.deliver(Frames.error("token_revoked", fatal: true))
        second.serverClose(code: 4410)
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 1) }
        clock.advance(by: 1)
        try await eventually("ended") { session.connection == .ended(.ticketDenied(code: "token_revoked")) }
        #expect(server.transports.count == 2)
    }

    @Test("a refusal at connect (4404 dojo_not_found) ends the session")
    func refusedAtConnect() async throws {
        let session = makeSession()
        session.start()
        try await eventually("connected") { server.current?.isOpen == true }
        server.current!.deliver(Frames.error("dojo_not_found", fatal: true))
        server.current!.serverClose(code: 4404)
        try await eventually("ended") { session.connection == .ended(.refused(code: "dojo_not_found", message: "msg dojo_not_found")) }
        #expect(server.tickets == 1)
    }

    @Test("a ticket refused once (ticket_invalid, 4401) is retried with a fresh one; twice in a row ends the session")
    func ticketInvalid() async throws {
        let session = makeSession(.init(initialBackoff: 1))
        session.start()
        try await eventually("connected") { server.current?.isOpen == true }
        server.current!.deliver(Frames.error("ticket_invalid", fatal: true))
        server.current!.serverClose(code: 4401)
        try await eventually("retrying") { session.connection == .reconnecting(attempt: 1, delay: 1) }
        try await eventually("sleeping") { clock.hasSleeper(for: 1) }
        clock.advance(by: 1)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        server.current!.deliver(Frames.error("ticket_invalid", fatal: true))
        server.current!.serverClose(code: 4401)
        try await eventually("ended") { session.connection == .ended(.refused(code: "ticket_invalid", message: "msg ticket_invalid")) }
        #expect(server.tickets == 2)
    }

    @Test("a ticket provider that denies access ends the session; other failures back off and retry, up to maxAttempts")
    func ticketFailures() async throws {
        server.ticketError = DojoSessionError.accessDenied(code: "membership_revoked")
        let denied = makeSession()
        denied.start()
        try await eventually("ended") { denied.connection == .ended(.ticketDenied(code: "membership_revoked")) }

        server.ticketError = URLError(.notConnectedToInternet)
        let flaky = makeSession(.init(initialBackoff: 1, maxBackoff: 4, maxAttempts: 3))
        flaky.start()
        try await eventually("attempt 1") { flaky.connection == .reconnecting(attempt: 1, delay: 1) }
        try await eventually("sleeping") { clock.hasSleeper(for: 1) }
        clock.advance(by: 1)
        try await eventually("attempt 2") { flaky.connection == .reconnecting(attempt: 2, delay: 2) }
        try await eventually("sleeping") { clock.hasSleeper(for: 2) }
        clock.advance(by: 2)
        try await eventually("attempt 3") { flaky.connection == .reconnecting(attempt: 3, delay: 4) }
        try await eventually("sleeping") { clock.hasSleeper(for: 4) }
        clock.advance(by: 4)
        try await eventually("gave up") { flaky.connection == .ended(.gaveUp) }
    }

    @Test("the API's refusals of a ticket end the session; offline and not-ready are retried")
    func apiTicketFailures() async throws {
        #expect(DojoSession.finalTicketFailure(APIError.http(status: 404, code: "dojo_not_found", message: "", fields: [:])) == "dojo_not_found")
        #expect(DojoSession.finalTicketFailure(APIError.http(status: 403, code: "membership_revoked", message: "", fields: [:])) == "membership_revoked")
        #expect(DojoSession.finalTicketFailure(APIError.signedOut(.sessionRevoked)) == "signed_out")
        #expect(DojoSession.finalTicketFailure(APIError.network(.offline, description: "")) == nil)
        #expect(DojoSession.finalTicketFailure(APIError.tenantNotReady(retryAfter: 1)) == nil)
        #expect(DojoSession.finalTicketFailure(APIError.http(status: 502, code: "bad_gateway", message: "", fields: [:])) == nil)
        server.ticketError = APIError.http(status: 404, code: "dojo_not_found", message: "", fields: [:])
        let session = makeSession()
        session.start()
        try await eventually("ended") { session.connection == .ended(.ticketDenied(code: "dojo_not_found")) }
        #expect(server.transports.isEmpty)
    }

    @Test("keepalive: pings every interval; a connection silent for two intervals is closed and reconnects")
    func keepalive() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: ""),
                                                    .init(initialBackoff: 1, keepaliveInterval: 10))
        try await eventually("ping timer") { clock.hasSleeper(for: 10) }
        clock.advance(by: 10)
        try await eventually("first ping") { transport.sentFrames(ofType: "ping").count == 1 }
        // Any frame shows the connection alive (a pong, here followed by an event to wait on).
        transport.deliver(#"{"type":"pong","after_seq":1,"ref":null}"#)
        transport.deliver(Frames.event("chat", seq: 2, by: Frames.bia, ["text": .string("oi")]))
        try await eventually("frames handled") { session.chat.count == 1 }
        try await eventually("ping timer") { clock.hasSleeper(for: 10) }
        clock.advance(by: 10)
        try await eventually("second ping") { transport.sentFrames(ofType: "ping").count == 2 }
        #expect(transport.closedByClient == nil, "alive: the pong came")
        try await eventually("ping timer") { clock.hasSleeper(for: 10) }
        clock.advance(by: 10)
        try await eventually("closed as dead") { transport.closedByClient == 4000 }
        try await eventually("reconnecting") { session.connection == .reconnecting(attempt: 1, delay: 1) }
    }

    @Test("cursor frames are throttled; the latest selection goes out when the interval is over")
    func cursorThrottle() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: "abcdef"),
                                                    .init(cursorInterval: 0.1))
        session.select(.caret(1))
        try await eventually("first cursor") { transport.sentFrames(ofType: "cursor").count == 1 }
        session.select(.caret(2))
        session.select(.caret(3))
        try await eventually("throttle timer") { clock.sleeperCount >= 2 }
        #expect(transport.sentFrames(ofType: "cursor").count == 1)
        clock.advance(by: 0.1)
        try await eventually("latest cursor") { transport.sentFrames(ofType: "cursor").count == 2 }
        #expect(transport.sentFrames(ofType: "cursor")[1]["selection"] == Selection.caret(3).wire)
    }

    @Test("a gap in seq asks for the missed events with resume and ignores the early event")
    func gap() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 3, revision: 0, document: ""))
        transport.deliver(Frames.event("chat", seq: 5, by: Frames.bia, ["text": .string("too early")]))
        try await eventually("resume sent") { transport.sentFrames(ofType: "resume").count == 1 }
        #expect(transport.sentFrames(ofType: "resume")[0]["last_seq"] == .integer(3))
        #expect(session.chat.isEmpty)
        transport.deliver(Frames.event("chat", seq: 4, by: Frames.bia, ["text": .string("first")]))
        transport.deliver(Frames.event("chat", seq: 5, by: Frames.bia, ["text": .string("second")]))
        transport.deliver(Frames.event("chat", seq: 5, by: Frames.bia, ["text": .string("second again")]))
        try await eventually("chat in order") { session.chat.count == 2 }
        #expect(session.chat.map(\.text) == ["first", "second"], "each seq once, in order")
        #expect(session.chat[0].author == Frames.bia)
    }

    @Test("an edit the server refuses resynchronizes from a full state (reconnect without last_seq)")
    func refusedEdit() async throws {
        let (session, first) = try await joined(Frames.state(seq: 2, revision: 1, document: "ab"))
        #expect(session.edit(to: "abX"))
        try await eventually("op sent") { first.sentFrames(ofType: "op").count == 1 }
        let id = try #require(first.sentFrames(ofType: "op")[0]["id"]?.stringValue)
        first.deliver(Frames.error("role_may_not_edit", ref: id))
        try await eventually("reconnected") { server.transports.count == 2 && server.current?.isOpen == true }
        let second = try #require(server.current)
        #expect(second.url?.query == "ticket=t2", "a full state, not a resume")
        second.deliver(Frames.welcome(state: Frames.state(seq: 2, revision: 1, document: "ab")))
        try await eventually("reset") { session.connection == .connected && session.document == "ab" }
        #expect(!session.hasPendingEdits)
        #expect(session.discardedEdits == 1)
        #expect(session.lastError?.code == "role_may_not_edit")
        #expect(second.sentFrames(ofType: "op").isEmpty)
    }

    @Test("seats, roles and permissions follow roles events; plateia cannot edit")
    func rolesAndPermissions() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: "x", copilotoMayEdit: false),
                                                    you: Frames.bia)
        #expect(session.role == .copiloto)
        #expect(!session.canEdit)
        #expect(!session.edit(to: "xy"), "the co-piloto may not edit in this dojo")
        #expect(session.document == "x")
        transport.deliver(Frames.event("roles", seq: 2, ["reason": .string("pass"), "piloto": .string("u-bia"),
                                                         "copiloto": .string("u-ana"), "queue": .array([]),
                                                         "timer": Frames.timerRunning(deadline: "2027-01-15T08:10:00Z", serverTime: "2027-01-15T08:05:00Z")]))
        try await eventually("rotated") { session.role == .piloto }
        #expect(session.canEdit)
        transport.deliver(Frames.event("roles", seq: 3, ["reason": .string("assigned"), "piloto": .string("u-ana"),
                                                         "copiloto": .null, "queue": .array([.string("u-bia")]),
                                                         "timer": Frames.timerRunning(deadline: "2027-01-15T08:10:00Z", serverTime: "2027-01-15T08:05:00Z")]))
        try await eventually("plateia") { session.role == .plateia }
        #expect(!session.canEdit)
    }

    @Test("the countdown follows the server's deadline corrected by the clock offset; pause freezes it")
    func timer() async throws {
        // The server's clock says 2027-01-15T08:00:00Z when ours says 1_800_000_000. The
        // keepalive is far off: this test moves the clock by minutes without frames.
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: ""),
                                                    .init(keepaliveInterval: 3600))
        #expect(session.remainingMs(at: clock.now()) == 300_000)
        clock.advance(by: 60)
        #expect(session.remainingMs(at: clock.now()) == 240_000)
        transport.deliver(Frames.event("timer", seq: 2, ["state": .string("paused"), "deadline": .null, "remaining_ms": .integer(240_000),
                                                         "rotation_ms": .integer(300_000), "server_time": .string("2027-01-15T08:01:00Z")]))
        try await eventually("paused") { session.timer.state == .paused }
        clock.advance(by: 30)
        #expect(session.remainingMs(at: clock.now()) == 240_000)
        transport.deliver(Frames.event("dojo_ended", seq: 3, ["revision": .integer(0), "document_length": .integer(0)]))
        try await eventually("ended") { session.status == .ended }
        #expect(session.remainingMs(at: clock.now()) == nil)
        #expect(!session.canEdit)
    }

    @Test("chat is validated before sending; the message appears when the server sequences it")
    func chat() async throws {
        let (session, transport) = try await joined(Frames.state(seq: 1, revision: 0, document: ""))
        #expect(throws: DojoSession.ChatRefusal.empty) { try session.sendChat("   \n") }
        #expect(throws: DojoSession.ChatRefusal.tooLong(limit: 2000)) { try session.sendChat(String(repeating: "a", count: 2001)) }
        try session.sendChat("  E se for tudo strike?  ")
        try await eventually("chat sent") { transport.sentFrames(ofType: "chat").count == 1 }
        #expect(transport.sentFrames(ofType: "chat")[0]["text"] == .string("E se for tudo strike?"))
        #expect(session.chat.isEmpty, "not shown before the server sequences it")
        transport.deliver(Frames.event("chat", seq: 2, by: Frames.ana, ["text": .string("E se for tudo strike?")]))
        try await eventually("chat shown") { session.chat.count == 1 }
        session.announceTests(.green)
        session.pauseTimer()
        session.passKeyboard()
        try await eventually("frames sent") { transport.sent.count >= 4 }
        let types = transport.sent.compactMap { $0["type"]?.stringValue }
        #expect(types.suffix(3) == ["test_status", "pause", "pass"])
        transport.drop()
        try await eventually("dropped") { session.connection != .connected }
        #expect(throws: DojoSession.ChatRefusal.notConnected) { try session.sendChat("hello") }
    }

    @Test("a full state after a drop (too far behind) resends the outstanding edit as an orphan applied when sequenced")
    func fullStateAfterDrop() async throws {
        let (session, first) = try await joined(Frames.state(seq: 5, revision: 2, document: "ab"), .init(initialBackoff: 0.5))
        #expect(session.edit(to: "abc"))
        try await eventually("op sent") { first.sentFrames(ofType: "op").count == 1 }
        let id = try #require(first.sentFrames(ofType: "op")[0]["id"]?.stringValue)
        first.drop()
        try await eventually("reconnecting") { session.connection == .reconnecting(attempt: 1, delay: 0.5) }
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 0.5) }
        clock.advance(by: 0.5)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        let second = try #require(server.current)
        second.deliver(Frames.welcome(state: Frames.state(seq: 900, revision: 600, document: "ZZab")))
        try await eventually("orphan resent") { second.sentFrames(ofType: "op").count == 1 }
        #expect(second.sentFrames(ofType: "op")[0]["id"]?.stringValue == id)
        #expect(session.document == "ZZab")
        #expect(!session.hasPendingEdits)
        second.deliver(Frames.op(seq: 901, revision: 601, "[4, \"c\"]", id: id, by: Frames.ana))
        try await eventually("applied") { session.revision == 601 }
        #expect(session.document == "ZZabc")
    }
}
