import Foundation
import Testing
@testable import PocdexKit

@Suite("LiveDojoViewModel")
@MainActor
struct LiveDojoViewModelTests {
    let server = ScriptedServer()
    let clock = ManualClock()

    func joinedModel(you: DojoActor = Frames.ana, state: WireJSON) async throws -> (LiveDojoViewModel, ScriptedTransport) {
        let model = LiveDojoViewModel(ticketProvider: server.ticketProvider, transportFactory: server.factory,
                                      configuration: .init(initialBackoff: 2, jitter: 0), clock: clock)
        #expect(model.connection == .idle)
        model.start()
        try await eventually("connecting") { server.current?.isOpen == true }
        #expect(model.connection == .connecting)
        let transport = try #require(server.current)
        transport.deliver(Frames.welcome(you: you, state: state))
        try await eventually("live") { model.connection == .live }
        return (model, transport)
    }

    @Test("the welcome fills the screen: document, members with roles in seat order, timer, test status")
    func content() async throws {
        let (model, _) = try await joinedModel(state: Frames.state(seq: 3, revision: 1, document: "def f():\n",
                                                                   piloto: "u-bia", copiloto: "u-ana", queue: ["u-cid"]))
        #expect(model.document == "def f():\n")
        #expect(model.myRole == .copiloto)
        #expect(!model.canEdit, "the co-piloto does not edit unless the dojo allows it")
        #expect(model.canControlTimer)
        #expect(!model.canAnnounceTests)
        #expect(model.members.map(\.id) == ["u-bia", "u-ana", "u-cid"])
        #expect(model.members.map(\.role) == [.piloto, .copiloto, .plateia])
        #expect(model.members[1].isMe && model.members[1].name == "Ana")
        #expect(model.members[2].queuePosition == 1)
        #expect(model.members[2].isConnected == false)
        #expect(model.remainingSeconds == 300)
        #expect(model.rotationSeconds == 300)
        #expect(model.testStatus == .red)
        #expect(model.status == .live)
    }

    @Test("typing is sent as operations; a refused change puts the document back")
    func editing() async throws {
        let (model, transport) = try await joinedModel(state: Frames.state(seq: 1, revision: 0, document: "ab"))
        #expect(model.canEdit)
        model.editorTextChanged(to: "a😀b")
        #expect(model.document == "a😀b")
        #expect(model.hasPendingEdits)
        try await eventually("op sent") { transport.sentFrames(ofType: "op").count == 1 }
        #expect(transport.sentFrames(ofType: "op")[0]["op"] == json(#"[1, "\ud83d\ude00", 1]"#))
        // Seats change: Ana is plateia now and cannot type.
        transport.deliver(Frames.event("roles", seq: 2, ["reason": .string("assigned"), "piloto": .string("u-bia"),
                                                         "copiloto": .null, "queue": .array([.string("u-ana")]),
                                                         "timer": Frames.timerRunning(deadline: "2027-01-15T08:05:00Z", serverTime: "2027-01-15T08:00:00Z")]))
        try await eventually("plateia") { model.myRole == .plateia }
        #expect(model.isInQueue)
        model.editorTextChanged(to: "a😀bc")
        #expect(model.document == "a😀b", "refused: the editor shows the shared document again")
    }

    @Test("selections convert from UTF-16 to code points and remote cursors back")
    func selections() async throws {
        let (model, transport) = try await joinedModel(state: Frames.state(seq: 1, revision: 0, document: "😀ab"))
        model.selectionChanged(utf16Anchor: 2, utf16Head: 3)
        try await eventually("cursor sent") { transport.sentFrames(ofType: "cursor").count == 1 }
        #expect(transport.sentFrames(ofType: "cursor")[0]["selection"] == json(#"{"ranges": [{"anchor": 1, "head": 2}]}"#))
        transport.deliver(.object(["type": .string("cursor"), "actor": Frames.actor(Frames.bia), "revision": .integer(0),
                                   "selection": json(#"{"ranges": [{"anchor": 3, "head": 1}]}"#), "after_seq": .integer(1)]))
        try await eventually("remote cursor") { model.remoteCursors.count == 1 }
        #expect(model.remoteCursors[0].actor.name == "Bia")
        #expect(model.utf16Range(of: model.remoteCursors[0]) == 2..<4)
    }

    @Test("chat: refusals are shown, a sent message clears the draft, the sequenced message appears")
    func chat() async throws {
        let (model, transport) = try await joinedModel(state: Frames.state(seq: 1, revision: 0, document: ""))
        model.chatDraft = "   "
        model.sendChat()
        #expect(model.chatError == .empty)
        model.chatDraft = "Vamos de strike?"
        model.sendChat()
        #expect(model.chatError == nil)
        #expect(model.chatDraft.isEmpty)
        try await eventually("sent") { transport.sentFrames(ofType: "chat").count == 1 }
        transport.deliver(Frames.event("chat", seq: 2, by: Frames.ana, ["text": .string("Vamos de strike?")]))
        try await eventually("shown") { model.chat.count == 1 }
        #expect(model.chat[0].author?.name == "Ana")
    }

    @Test("the countdown ticks with the clock; pause and resume go to the server; the server's pause freezes it")
    func timer() async throws {
        let (model, transport) = try await joinedModel(state: Frames.state(seq: 1, revision: 0, document: ""))
        #expect(model.remainingSeconds == 300)
        try await eventually("ticker sleeping") { clock.hasSleeper(for: 1) }
        clock.advance(by: 10)
        try await eventually("ticked") { model.remainingSeconds == 290 }
        model.togglePause()
        try await eventually("pause sent") { transport.sentFrames(ofType: "pause").count == 1 }
        transport.deliver(Frames.event("timer", seq: 2, ["state": .string("paused"), "remaining_ms": .integer(290_000),
                                                         "rotation_ms": .integer(300_000), "server_time": .string("2027-01-15T08:00:10Z")]))
        try await eventually("paused") { model.isPaused }
        clock.advance(by: 5)
        model.tick()
        #expect(model.remainingSeconds == 290)
        model.togglePause()
        try await eventually("resume sent") { transport.sentFrames(ofType: "resume_timer").count == 1 }
        model.announceTests(.green)
        model.passKeyboard()
        model.setInQueue(false)
        try await eventually("intents sent") { transport.sentFrames(ofType: "queue").count == 1 }
        #expect(transport.sentFrames(ofType: "test_status")[0]["status"] == .string("green"))
        #expect(transport.sentFrames(ofType: "pass").count == 1)
    }

    @Test("connection states: reconnecting after a drop, ended when access is removed, retry starts again")
    func connectionStates() async throws {
        let (model, transport) = try await joinedModel(state: Frames.state(seq: 1, revision: 0, document: ""))
        transport.drop()
        try await eventually("reconnecting") { model.connection == .reconnecting(attempt: 1, delay: 2) }
        try await eventually("backoff sleeping") { clock.hasSleeper(for: 2) }
        clock.advance(by: 2)
        try await eventually("second connection") { server.transports.count == 2 && server.current?.isOpen == true }
        let second = try #require(server.current)
        second.deliver(Frames.resumedWelcome(lastSeq: 1, seq: 1))
        try await eventually("live again") { model.connection == .live }
        second.deliver(Frames.error("tenant_suspended", fatal: true))
        second.serverClose(code: 4410)
        try await eventually("ended") {
            model.connection == .ended(.accessRevoked(code: "tenant_suspended", message: "msg tenant_suspended"))
        }
        model.retry()
        try await eventually("third connection") { server.transports.count == 3 && server.current?.isOpen == true }
        #expect(server.current?.url?.query == "ticket=t3&last_seq=1")
        model.stop()
        #expect(model.connection == .ended(.closedByClient))
        // The screen appears again: a new connection, resuming.
        model.start()
        #expect(model.connection == .connecting)
        try await eventually("fourth connection") { server.transports.count == 4 && server.current?.isOpen == true }
        server.current!.deliver(Frames.resumedWelcome(lastSeq: 1, seq: 1))
        try await eventually("live") { model.connection == .live }
        model.stop()
    }
}

@Suite("ReplayViewModel")
@MainActor
struct ReplayViewModelTests {
    static func page(_ events: [WireJSON], next: Int?, document: String = "ab!",
                     snapshots: [WireJSON] = []) -> DojoReplayPage {
        let body: WireJSON = .object([
            "dojo": .object(["id": .string("d1"), "title": .string("Boliche")]), "seq": .integer(6), "revision": .integer(3),
            "document": .string(document), "snapshots": .array(snapshots), "events": .array(events),
            "next_after_seq": next.map(WireJSON.integer) ?? .null,
        ])
        return try! DojoReplayPage(data: Data(body.jsonText.utf8))
    }

    static let firstPage = page([
        Frames.event("dojo_started", seq: 1, by: Frames.ana, ["roles": .object(["piloto": .string("u-ana"), "copiloto": .string("u-bia"), "queue": .array([])]),
                                                              "timer": .object(["state": .string("running")])]),
        Frames.op(seq: 2, revision: 1, #"["a"]"#, id: "a-1", by: Frames.ana),
        Frames.event("chat", seq: 3, by: Frames.bia, ["text": .string("boa!")]),
    ], next: 3)
    static let secondPage = page([
        Frames.op(seq: 4, revision: 2, #"[1, "b"]"#, id: "a-2", by: Frames.ana),
        Frames.event("test_status", seq: 5, by: Frames.ana, ["status": .string("green")]),
        Frames.op(seq: 6, revision: 3, #"[2, "!"]"#, id: "b-1", by: Frames.bia),
    ], next: nil, snapshots: [.object(["revision": .integer(2), "seq": .integer(4), "at": .string("2027-01-15T08:00:01Z"),
                                       "document": .string("ab")])])

    final class Pages: @unchecked Sendable {
        let lock = NSLock()
        var requested: [Int] = []
        var pages: [DojoReplayPage]
        var error: (any Error)?
        init(_ pages: [DojoReplayPage]) { self.pages = pages }
        var loader: DojoReplayLoader {
            { [self] after, _ in
                try lock.withLock {
                    requested.append(after)
                    if let error { throw error }
                    return pages.removeFirst()
                }
            }
        }
    }

    @Test("loads every page and shows the end; seeking rebuilds document, seats, chat and test status")
    func loadAndSeek() async throws {
        let pages = Pages([Self.firstPage, Self.secondPage])
        let model = ReplayViewModel(loader: pages.loader, clock: ManualClock())
        #expect(model.phase == .loading)
        await model.load()
        #expect(model.phase == .ready)
        #expect(pages.requested == [0, 3])
        #expect(model.title == "Boliche")
        #expect(model.stepCount == 6)
        #expect(model.position == 6)
        #expect(model.document == "ab!")
        #expect(model.revision == 3)
        #expect(model.testStatus == .green)
        #expect(model.chat.map(\.text) == ["boa!"])
        #expect(model.seats.piloto == "u-ana")
        #expect(model.names["u-bia"] == "Bia")
        model.seek(to: 0)
        #expect(model.document == "")
        #expect(model.chat.isEmpty)
        #expect(model.seats.piloto == nil)
        model.seek(to: 2)
        #expect(model.document == "a")
        model.stepForward()
        #expect(model.chat.count == 1)
        model.stepForward()
        #expect(model.document == "ab", "from the snapshot at seq 4")
        #expect(model.testStatus == nil)
        model.seek(to: 99)
        #expect(model.position == 6)
        model.stepBackward()
        #expect(model.document == "ab")
        #expect(model.testStatus == .green)
    }

    @Test("plays step by step with the clock and stops at the end")
    func play() async throws {
        let clock = ManualClock()
        let model = ReplayViewModel(loader: Pages([Self.firstPage, Self.secondPage]).loader, clock: clock)
        await model.load()
        model.play()
        #expect(model.isPlaying)
        #expect(model.position == 0, "playing from the end starts over")
        for expected in 1...6 {
            try await eventually("sleeping") { clock.hasSleeper(for: model.stepInterval) }
            clock.advance(by: model.stepInterval)
            try await eventually("step \(expected)") { model.position == expected }
        }
        try await eventually("stopped") { !model.isPlaying }
        #expect(model.document == "ab!")
        model.play()
        model.pause()
        #expect(!model.isPlaying)
    }

    @Test("no events is the empty state; a failing load is the error state")
    func emptyAndError() async throws {
        let empty = ReplayViewModel(loader: Pages([Self.page([], next: nil, document: "")]).loader)
        await empty.load()
        #expect(empty.phase == .empty)
        let pages = Pages([])
        pages.error = URLError(.timedOut)
        let failing = ReplayViewModel(loader: pages.loader)
        await failing.load()
        guard case .failed = failing.phase else {
            Issue.record("expected the error state, got \(failing.phase)")
            return
        }
    }
}
