package app.pocdex.core.dojo

import app.pocdex.core.ot.CodePoints
import app.pocdex.core.ot.OT
import app.pocdex.core.ot.OTClient
import app.pocdex.core.ot.OTError
import app.pocdex.core.ot.Outgoing
import app.pocdex.core.ot.Selection
import app.pocdex.core.ot.SelectionRange
import app.pocdex.core.ot.TextOperation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import java.time.Instant
import java.util.UUID
import kotlin.random.Random

/**
 * The ticket endpoint refused for good (`POST /api/v1/dojos/{id}/ticket`: 404 for another
 * organization's dojo, 403 `membership_revoked`, a refresh that failed): the session ends with
 * [reason] instead of retrying. Any other exception from the ticket call is retried with backoff.
 */
class TicketRefusedException(
    val reason: EndReason,
    message: String? = null,
) : Exception(message)

/** Delays between reconnection attempts: exponential from [initialMs] up to [maxMs], with jitter. */
data class Backoff(
    val initialMs: Long = 250,
    val maxMs: Long = 10_000,
    val factor: Double = 2.0,
    /** Fraction of the delay randomized away (0: none), so clients dropped together do not reconnect together. */
    val jitter: Double = 0.5,
) {
    fun delayMs(
        attempt: Int,
        random: Random,
    ): Long {
        var delay = initialMs.toDouble()
        repeat((attempt - 1).coerceIn(0, 30)) { delay *= factor }
        val capped = delay.coerceAtMost(maxMs.toDouble())
        return (capped * (1 - jitter * random.nextDouble())).toLong().coerceAtLeast(0)
    }
}

/**
 * One person's live dojo session: the WebSocket protocol (docs/protocol/dojo-websocket.md) and the
 * OT client (docs/protocol/ot.md) as one state machine, published as [state].
 *
 * Everything runs in one coroutine of [scope] that handles one input at a time (a frame, a
 * command, a closed socket), so the OT client is never touched concurrently. Commands may be
 * called from any thread.
 *
 * Reconnection: when a socket is lost (not closed by the server for a reason that is final), it
 * takes a fresh ticket from [ticketUrl] and reconnects with backoff and `last_seq`; the missed
 * events arrive in order (its own outstanding operation among them counts as the
 * acknowledgement), then the outstanding operation is sent again with the same `id`, which the
 * server never sequences twice. Local edits made while disconnected are kept and sent then.
 */
class DojoSession(
    private val dojoId: String,
    /** The gateway, `http(s)://host:port`: ticket URLs are relative to it (made ws:// or wss://). */
    private val gatewayUrl: String,
    /** A fresh one-time ticket URL for this dojo (`url` of `POST /api/v1/dojos/{id}/ticket`). */
    private val ticketUrl: suspend () -> String,
    private val transport: DojoTransport,
    private val scope: CoroutineScope,
    /** Wall clock in epoch milliseconds (the timer's countdown). */
    private val clock: () -> Long = System::currentTimeMillis,
    private val backoff: Backoff = Backoff(),
    private val random: Random = Random.Default,
    /** Fatal ticket refusals (4401) tolerated in a row before giving up: a ticket may expire on the way. */
    private val maxTicketRefusals: Int = 3,
    /** Minimum time between two cursor frames (the server limits frames per second). */
    private val cursorIntervalMs: Long = 100,
    /** The server's limit on one operation (components + inserted code points; dojo-websocket.md section 8). */
    private val maxOperationSize: Long = MAX_OPERATION_SIZE,
) {
    private val mutableState = MutableStateFlow(LiveDojoUiState(dojoId = dojoId))

    /** The session as the live dojo screen renders it. */
    val state: StateFlow<LiveDojoUiState> = mutableState.asStateFlow()

    private sealed interface Input {
        data class Frame(
            val generation: Int,
            val text: String,
        ) : Input

        data class Closed(
            val generation: Int,
            val reason: DojoCloseReason,
        ) : Input

        data class TicketReady(
            val generation: Int,
            val url: String,
        ) : Input

        data class TicketFailed(
            val generation: Int,
            val error: Throwable,
        ) : Input

        data class Command(
            val run: () -> Unit,
        ) : Input

        data object Connect : Input

        data object Render : Input
    }

    private val inbox = Channel<Input>(Channel.UNLIMITED)
    private var loop: Job? = null

    // Connection.
    private var generation = 0
    private var connection: DojoConnection? = null
    private var live = false
    private var attempt = 0
    private var ticketRefusals = 0
    private var fatal: ServerFrame.Error? = null
    private var ended: ConnectionState.Ended? = null

    // Sequence and editor.
    private var lastSeq = 0L
    private var hasState = false
    private var resumeTarget: Long? = null
    private var awaitingResume = false
    private var ot: OTClient? = null
    private var confirmed = "" // the document at ot.revision, without local edits
    private var outstandingId: String? = null
    private var outstandingSentOn = -1 // the connection generation the outstanding operation went out on
    private val recentServerOps = LinkedHashMap<Int, TextOperation>() // revision -> op that produced it
    private var opCounter = 0L
    private var frameCounter = 0L
    private val idPrefix = UUID.randomUUID().toString().substring(0, 8)

    // Everything else the screen shows.
    private var me: DojoPerson? = null
    private var phase = DojoPhase.SCHEDULED
    private var roles = RolesWire()
    private var timer = TimerWire()
    private var timerReceivedAt = 0L
    private var testStatus: TestStatus? = null
    private var copilotoMayEdit = false
    private val names = LinkedHashMap<String, String>()
    private var connected = emptySet<String>()
    private val chat = ArrayList<ChatMessageUi>()
    private val cursors = LinkedHashMap<String, RemoteCursor>()
    private var notice: DojoNotice? = null
    private var noticeSerial = 0L
    private var editsDiscarded = false
    private var lastCursorSentAt = Long.MIN_VALUE / 2
    private var pendingCursor: Selection? = null
    private var cursorFlushScheduled = false

    private data class RemoteCursor(
        val name: String,
        val selection: Selection,
        val revision: Int,
    )

    /** Start connecting; idempotent. */
    fun start() {
        if (loop != null) return
        loop =
            scope.launch {
                inbox.send(Input.Connect)
                for (input in inbox) {
                    handle(input)
                    if (ended != null && connection == null) break
                }
            }
    }

    // ------------------------------------------------------------------ commands (any thread)

    /**
     * A local edit, in code points of the current [LiveDojoUiState.document]; ignored (false) when
     * this person may not edit or the operation does not fit the document.
     */
    fun edit(operation: TextOperation) = command { applyLocal(operation) }

    /**
     * An edit made against the document as it is when the session handles it: [build] gets the
     * current document and returns the operation (or null for none). Use it when the edit is
     * relative to the text (insert at the caret), so a remote operation arriving meanwhile
     * cannot make it stale.
     */
    fun edit(build: (document: String) -> TextOperation?) =
        command {
            val client = ot ?: return@command
            build(client.document)?.let { applyLocal(it) }
        }

    /** The editor's new text: the difference to the current document becomes one operation. */
    fun replaceText(newText: String) =
        command {
            val client = ot ?: return@command
            val operation = EditorDiff.operation(client.document, newText) ?: return@command
            applyLocal(operation)
        }

    /** This person's selection, in code points of the current document (sent to the others, throttled). */
    fun select(selection: Selection) =
        command {
            pendingCursor = selection
            flushCursor()
        }

    fun sendChat(text: String) =
        command {
            val trimmed = text.trim()
            when {
                trimmed.isEmpty() -> notify("empty_message", "")
                trimmed.length > MAX_CHAT_CHARS -> notify("text_too_long", "")
                else -> sendOrNotify(DojoFrames.chat(nextFrameId("chat"), trimmed))
            }
        }

    fun setTestStatus(status: TestStatus) = command { sendOrNotify(DojoFrames.testStatus(nextFrameId("test"), status)) }

    fun pass() = command { sendOrNotify(DojoFrames.pass(nextFrameId("pass"))) }

    fun pause() = command { sendOrNotify(DojoFrames.pause(nextFrameId("pause"))) }

    fun resumeTimer() = command { sendOrNotify(DojoFrames.resumeTimer(nextFrameId("resume-timer"))) }

    fun joinQueue(join: Boolean) = command { sendOrNotify(DojoFrames.queue(nextFrameId("queue"), join)) }

    /** Leave the session: the socket closes normally and nothing reconnects. */
    fun leave() = command { end(EndReason.LEFT, null, DojoCloseCodes.NORMAL) }

    /** Recompute what depends on the clock (the timer's remaining time). */
    fun refresh() {
        inbox.trySend(Input.Render)
    }

    /** Test hook and network-change hook: drop the current socket as a lost network would. */
    fun dropConnection() = command { connection?.abort() }

    private fun command(run: () -> Unit) {
        inbox.trySend(Input.Command(run))
    }

    // ------------------------------------------------------------------ the loop

    private fun handle(input: Input) {
        when (input) {
            is Input.Connect -> requestTicket()
            is Input.TicketReady -> if (input.generation == generation && ended == null) open(input.url)
            is Input.TicketFailed -> if (input.generation == generation) ticketFailed(input.error)
            is Input.Frame -> if (input.generation == generation) frame(input.text)
            is Input.Closed -> if (input.generation == generation) closed(input.reason)
            is Input.Command -> if (ended == null) input.run()
            is Input.Render -> Unit
        }
        render()
    }

    private fun requestTicket() {
        if (ended != null) return
        val current = ++generation
        scope.launch {
            val result =
                try {
                    Input.TicketReady(current, ticketUrl())
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Throwable) {
                    Input.TicketFailed(current, e)
                }
            inbox.send(result)
        }
    }

    private fun ticketFailed(error: Throwable) {
        if (error is TicketRefusedException) {
            end(error.reason, error.message, null)
            return
        }
        scheduleReconnect(error.message ?: error.javaClass.simpleName)
    }

    private fun open(ticketPath: String) {
        val url = socketUrl(ticketPath)
        val opened = transport.connect(url)
        val current = generation
        connection = opened
        fatal = null
        scope.launch {
            opened.incoming.collect { inbox.send(Input.Frame(current, it)) }
            inbox.send(Input.Closed(current, opened.closed.await()))
        }
    }

    /** The ticket's URL on the gateway, as ws(s)://, with `last_seq` when resuming. */
    internal fun socketUrl(ticketPath: String): String {
        val absolute =
            when {
                ticketPath.startsWith("ws://") || ticketPath.startsWith("wss://") -> ticketPath
                ticketPath.startsWith("http://") || ticketPath.startsWith("https://") -> ticketPath
                else -> gatewayUrl.trimEnd('/') + "/" + ticketPath.trimStart('/')
            }
        val ws =
            when {
                absolute.startsWith("https://") -> "wss://" + absolute.removePrefix("https://")
                absolute.startsWith("http://") -> "ws://" + absolute.removePrefix("http://")
                else -> absolute
            }
        if (!hasState) return ws
        return ws + (if ('?' in ws) "&" else "?") + "last_seq=$lastSeq"
    }

    private fun closed(reason: DojoCloseReason) {
        connection = null
        live = false
        awaitingResume = false
        if (ended != null) return
        val error = fatal
        val code = error?.code
        when {
            code == "membership_revoked" -> {
                end(EndReason.ACCESS_REMOVED, error.message, null)
            }

            code == "tenant_suspended" -> {
                end(EndReason.ORGANIZATION_SUSPENDED, error.message, null)
            }

            code == "token_revoked" -> {
                scheduleReconnect("token_revoked")
            }

            // the ticket call refreshes the token
            code == "ticket_wrong_dojo" || code == "dojo_not_found" -> {
                end(EndReason.NOT_FOUND, error?.message, null)
            }

            reason.code == DojoCloseCodes.ACCESS_ENDED -> {
                end(EndReason.ACCESS_REMOVED, error?.message, null)
            }

            reason.code == DojoCloseCodes.FORBIDDEN || reason.code == DojoCloseCodes.NOT_FOUND -> {
                end(EndReason.NOT_FOUND, error?.message, null)
            }

            reason.code == DojoCloseCodes.UNAUTHORIZED || code == "ticket_invalid" -> {
                ticketRefusals++
                if (ticketRefusals >= maxTicketRefusals) {
                    end(EndReason.ACCESS_DENIED, error?.message, null)
                } else {
                    scheduleReconnect(code ?: "ticket_invalid")
                }
            }

            else -> {
                scheduleReconnect("closed ${reason.code} ${reason.reason}".trim())
            }
        }
    }

    private fun scheduleReconnect(why: String) {
        attempt++
        mutableState.value = mutableState.value.copy(connection = ConnectionState.Reconnecting(attempt, why))
        val wait = backoff.delayMs(attempt, random)
        val current = generation
        scope.launch {
            delay(wait)
            if (current == generation) inbox.send(Input.Connect)
        }
    }

    private fun end(
        reason: EndReason,
        message: String?,
        closeCode: Int?,
    ) {
        if (ended != null) return
        ended = ConnectionState.Ended(reason, message)
        live = false
        val open = connection
        if (open != null && closeCode != null) {
            open.close(closeCode, "")
        } else if (open != null) {
            open.abort()
        }
        // Frames of the closed connection are ignored from here; the loop stops.
        generation++
        connection = null
        inbox.trySend(Input.Render)
    }

    // ------------------------------------------------------------------ frames

    private fun frame(text: String) {
        val decoded =
            try {
                DojoFrames.decode(text)
            } catch (e: DojoFrameException) {
                // A frame this client could not read may have been an event: ask for the tail again.
                requestResume()
                return
            }
        when (decoded) {
            is ServerFrame.Welcome -> {
                welcome(decoded)
            }

            is SequencedEvent -> {
                sequenced(decoded)
            }

            is ServerFrame.Cursor -> {
                cursor(decoded)
            }

            is ServerFrame.Error -> {
                error(decoded)
            }

            is ServerFrame.Snapshot -> {
                awaitingResume = false
                applyState(decoded.state)
                afterCaughtUp()
            }

            is ServerFrame.OpAck -> {
                Unit
            }

            // the op event itself comes in sequence and is the acknowledgement
            is ServerFrame.Pong, is ServerFrame.UnknownEphemeral -> {
                Unit
            }
        }
    }

    private fun welcome(frame: ServerFrame.Welcome) {
        if (frame.protocol != DOJO_PROTOCOL_VERSION) {
            end(EndReason.PROTOCOL_ERROR, "protocol ${frame.protocol}", DojoCloseCodes.NORMAL)
            return
        }
        me = frame.you
        names[frame.you.id] = frame.you.name
        live = true
        attempt = 0
        ticketRefusals = 0
        val state = frame.state
        if (frame.resumed && hasState) {
            resumeTarget = frame.seq ?: lastSeq
            if (lastSeq >= (resumeTarget ?: 0)) afterCaughtUp()
        } else if (state != null) {
            applyState(state)
            afterCaughtUp()
        } else {
            end(EndReason.PROTOCOL_ERROR, "welcome without state", DojoCloseCodes.NORMAL)
        }
    }

    /** A full state (first welcome, a welcome too far behind, a snapshot): start again from it. */
    private fun applyState(state: DojoStateWire) {
        val client = ot
        val pending = client?.outstanding
        val pendingId = outstandingId
        val pendingRevision = client?.revision
        if (client == null) {
            ot = OTClient(state.document, state.revision)
        } else {
            if (client.buffer != null) editsDiscarded = true
            client.reset(state.document, state.revision)
        }
        confirmed = state.document
        outstandingId = null
        recentServerOps.clear()
        cursors.clear()
        lastSeq = state.seq
        hasState = true
        resumeTarget = null
        phase = phaseOf(state.status)
        roles = state.roles
        setTimer(state.timer)
        testStatus = TestStatus.fromWire(state.testStatus)
        copilotoMayEdit = state.copilotoMayEdit
        state.participants.forEach { names[it.id] = it.name }
        connected = state.connected.toSet()
        if (pending != null && pendingId != null && pendingRevision != null) {
            // Send the unacknowledged operation again, as made: the server answers op_ack
            // (already sequenced, and part of this state) or sequences it now, and its op event
            // then carries an edit this document does not have yet: applied as a remote one.
            connection?.send(DojoFrames.op(pendingId, pendingRevision, pending.toJson()))
        }
        if (phase == DojoPhase.ENDED) end(EndReason.DOJO_ENDED, null, DojoCloseCodes.NORMAL)
    }

    /** The tail after a resumed welcome is in: send what is still unacknowledged (same id). */
    private fun afterCaughtUp() {
        resumeTarget = null
        val client = ot ?: return
        val resend = client.resend() ?: return
        if (outstandingSentOn == generation) return // already sent on this connection (after an ack in the tail)
        val id = outstandingId ?: nextOpId().also { outstandingId = it }
        sendOutstanding(id, resend)
    }

    private fun sendOutstanding(
        id: String,
        outgoing: Outgoing,
    ) {
        if (connection?.send(DojoFrames.op(id, outgoing.revision, outgoing.operation.toJson())) == true) {
            outstandingSentOn = generation
        }
    }

    private fun requestResume() {
        if (awaitingResume || !live) return
        awaitingResume = true
        connection?.send(DojoFrames.resume(nextFrameId("resume"), lastSeq))
    }

    private fun sequenced(event: SequencedEvent) {
        if (event.seq <= lastSeq) return // already handled
        if (event.seq > lastSeq + 1) {
            requestResume() // a gap: the server sends everything after lastSeq again
            return
        }
        awaitingResume = false
        lastSeq = event.seq
        event.actor?.let { if (it.name.isNotEmpty()) names[it.id] = it.name }
        when (event) {
            is SequencedEvent.Op -> {
                op(event)
            }

            is SequencedEvent.Presence -> {
                connected = event.connected.toSet()
                event.left?.let { cursors.remove(it) }
            }

            is SequencedEvent.Roles -> {
                roles = event.roles
                event.timer?.let { setTimer(it) }
            }

            is SequencedEvent.Timer -> {
                setTimer(event.timer)
            }

            is SequencedEvent.Chat -> {
                val author = event.actor
                chat.add(
                    ChatMessageUi(
                        seq = event.seq,
                        authorId = author?.id,
                        authorName = author?.name ?: "",
                        text = event.text,
                        at = event.at,
                        mine = author != null && author.id == me?.id,
                    ),
                )
            }

            is SequencedEvent.TestStatusChanged -> {
                testStatus = TestStatus.fromWire(event.status)
            }

            is SequencedEvent.Started -> {
                phase = DojoPhase.LIVE
                roles = event.roles
                setTimer(event.timer)
            }

            is SequencedEvent.Ended -> {
                phase = DojoPhase.ENDED
                timer = TimerWire(state = TimerState.STOPPED.wire, rotationMs = timer.rotationMs)
                end(EndReason.DOJO_ENDED, null, DojoCloseCodes.NORMAL)
            }

            is SequencedEvent.Unknown -> {
                Unit
            }
        }
        val target = resumeTarget
        if (target != null && lastSeq >= target) afterCaughtUp()
    }

    private fun op(event: SequencedEvent.Op) {
        val client = ot ?: return
        val mine = event.actor?.id == me?.id && event.id.isNotEmpty() && event.id == outstandingId
        if (mine) {
            val acknowledged = client.outstanding ?: return
            confirmed = acknowledged.apply(confirmed)
            remember(client.revision + 1, acknowledged)
            val next = client.serverAck()
            outstandingId = null
            if (next != null) {
                val id = nextOpId()
                outstandingId = id
                if (live) sendOutstanding(id, next)
            }
            return
        }
        val operation =
            try {
                TextOperation.fromJson(event.op)
            } catch (e: OTError) {
                resync("unreadable operation at revision ${event.revision}")
                return
            }
        if (event.revision != client.revision + 1) {
            resync("operation for revision ${event.revision} at ${client.revision}")
            return
        }
        try {
            confirmed = operation.apply(confirmed)
            client.applyServer(operation)
        } catch (e: OTError) {
            resync("operation does not fit: ${e.code.wire}")
            return
        }
        remember(client.revision, operation)
    }

    /** Something does not add up: start again from the server's state (a new connection without last_seq). */
    private fun resync(why: String) {
        hasState = false // the next welcome carries the full state; pending edits are sent again from it
        connection?.abort()
        notify("resync", why)
    }

    /** Keep the last server operations (revision they produced -> op) to move late cursors forward. */
    private fun remember(
        revision: Int,
        operation: TextOperation,
    ) {
        recentServerOps[revision] = operation
        while (recentServerOps.size > MAX_REMEMBERED_OPS) recentServerOps.remove(recentServerOps.keys.first())
        for ((id, cursor) in cursors.entries.toList()) {
            if (cursor.revision == revision - 1) {
                val moved = runCatching { cursor.selection.transform(operation) }.getOrNull()
                if (moved == null) cursors.remove(id) else cursors[id] = cursor.copy(selection = moved, revision = revision)
            }
        }
    }

    private fun cursor(frame: ServerFrame.Cursor) {
        if (frame.actor.id == me?.id) return
        val client = ot ?: return
        var selection =
            try {
                Selection.fromJson(frame.selection)
            } catch (e: OTError) {
                return
            }
        var revision = frame.revision
        try {
            while (revision < client.revision) {
                val operation = recentServerOps[revision + 1] ?: return
                selection = selection.transform(operation)
                revision++
            }
        } catch (e: OTError) {
            return
        }
        cursors[frame.actor.id] = RemoteCursor(frame.actor.name.ifEmpty { names[frame.actor.id] ?: "" }, selection, revision)
    }

    private fun error(frame: ServerFrame.Error) {
        if (frame.fatal) {
            fatal = frame // the close that follows decides what happens
            return
        }
        val client = ot
        if (frame.ref != null && frame.ref == outstandingId && client != null) {
            // The outstanding operation was refused (rotation, dojo ended, …): nothing of it or
            // of the buffer will ever be sequenced; show the server's document again.
            client.reset(confirmed, client.revision)
            outstandingId = null
            editsDiscarded = true
        }
        if (frame.code == "resume_rate_limited") {
            awaitingResume = false
            connection?.abort() // reconnect with last_seq instead
        }
        notify(frame.code, frame.message)
    }

    // ------------------------------------------------------------------ local actions

    private fun applyLocal(operation: TextOperation) {
        val client = ot ?: return
        if (!mayEdit()) {
            notify("role_may_not_edit", "")
            return
        }
        // What would go to the server: the edit itself, or the buffer it joins. Over the limit the
        // server would refuse it (and everything after it would be rolled back): refuse it here,
        // before it reaches the document, so the screen can ask for a smaller paste.
        val wouldSend =
            try {
                client.buffer?.takeIf { client.outstanding != null }?.let { OT.compose(it, operation) } ?: operation
            } catch (e: OTError) {
                return
            }
        if (wouldSend.size > maxOperationSize) {
            notify("operation_too_large", "")
            return
        }
        val outgoing =
            try {
                client.applyLocal(operation)
            } catch (e: OTError) {
                return
            }
        editsDiscarded = false
        if (outgoing != null) {
            val id = nextOpId()
            outstandingId = id
            // While reconnecting it stays outstanding and goes out after the welcome.
            if (live) sendOutstanding(id, outgoing)
        }
    }

    private fun flushCursor() {
        val selection = pendingCursor ?: return
        val client = ot ?: return
        if (!live) return
        val now = clock()
        val wait = lastCursorSentAt + cursorIntervalMs - now
        if (wait > 0) {
            if (!cursorFlushScheduled) {
                cursorFlushScheduled = true
                scope.launch {
                    delay(wait)
                    command {
                        cursorFlushScheduled = false
                        flushCursor()
                    }
                }
            }
            return
        }
        pendingCursor = null
        lastCursorSentAt = now
        // The selection is in the local document; the server's coordinates are those without the
        // local edits it has not sequenced yet: map back through their inverse.
        val onServer =
            try {
                val pending = listOfNotNull(client.outstanding, client.buffer).reduceOrNull { a, b -> OT.compose(a, b) }
                if (pending == null) selection else selection.transform(pending.invert(confirmed))
            } catch (e: OTError) {
                return
            }
        connection?.send(DojoFrames.cursor(nextFrameId("cursor"), client.revision, onServer.toJson()))
    }

    private fun sendOrNotify(frame: String) {
        val open = connection
        if (!live || open == null || !open.send(frame)) notify("not_connected", "")
    }

    private fun notify(
        code: String,
        message: String,
    ) {
        notice = DojoNotice(code, message, ++noticeSerial)
    }

    private fun nextOpId(): String = "$idPrefix-op-${++opCounter}"

    private fun nextFrameId(kind: String): String = "$idPrefix-$kind-${++frameCounter}"

    // ------------------------------------------------------------------ state

    private fun setTimer(wire: TimerWire) {
        timer = wire
        timerReceivedAt = clock()
    }

    private fun phaseOf(status: String) =
        when (status) {
            "live" -> DojoPhase.LIVE
            "ended" -> DojoPhase.ENDED
            else -> DojoPhase.SCHEDULED
        }

    private fun roleOf(id: String?): DojoRole =
        when {
            id == null -> DojoRole.PLATEIA
            id == roles.piloto -> DojoRole.PILOTO
            id == roles.copiloto -> DojoRole.COPILOTO
            else -> DojoRole.PLATEIA
        }

    private fun mayEdit(): Boolean {
        if (phase != DojoPhase.LIVE || ended != null) return false
        return when (roleOf(me?.id)) {
            DojoRole.PILOTO -> true
            DojoRole.COPILOTO -> copilotoMayEdit
            DojoRole.PLATEIA -> false
        }
    }

    /** Remaining turn time now: from the deadline corrected by the server clock's offset, else remaining_ms. */
    private fun remainingMs(): Long? {
        val state = TimerState.fromWire(timer.state)
        val remaining = timer.remainingMs
        return when (state) {
            TimerState.PAUSED -> {
                remaining
            }

            TimerState.RUNNING -> {
                val deadline = timer.deadline?.let { parseInstant(it) }
                val serverTime = timer.serverTime?.let { parseInstant(it) }
                val atReceipt =
                    if (deadline != null && serverTime != null) deadline - serverTime else remaining ?: return null
                (atReceipt - (clock() - timerReceivedAt)).coerceAtLeast(0)
            }

            else -> {
                null
            }
        }
    }

    private fun render() {
        val client = ot
        val myId = me?.id
        val queue = roles.queue
        val ids = LinkedHashSet<String>()
        roles.piloto?.let { ids.add(it) }
        roles.copiloto?.let { ids.add(it) }
        ids.addAll(queue)
        ids.addAll(names.keys.filter { it in connected })
        ids.addAll(names.keys)
        val participants =
            ids.map { id ->
                val place = queue.indexOf(id)
                ParticipantUi(
                    id = id,
                    name = names[id] ?: "",
                    role = roleOf(id),
                    present = id in connected,
                    queuePosition = if (place >= 0) place + 1 else null,
                    isMe = id == myId,
                )
            }
        val pending = client?.let { listOfNotNull(it.outstanding, it.buffer).reduceOrNull { a, b -> OT.compose(a, b) } }
        val selections =
            if (client == null) {
                emptyList()
            } else {
                cursors.entries.mapNotNull { (id, cursor) ->
                    if (cursor.revision != client.revision) return@mapNotNull null
                    val local =
                        try {
                            if (pending == null) cursor.selection else cursor.selection.transform(pending)
                        } catch (e: OTError) {
                            return@mapNotNull null
                        }
                    RemoteSelection(id, cursor.name.ifEmpty { names[id] ?: "" }, local.ranges)
                }
            }
        val timerState = TimerState.fromWire(timer.state)
        mutableState.value =
            LiveDojoUiState(
                dojoId = dojoId,
                connection =
                    ended ?: when {
                        live -> {
                            ConnectionState.Live
                        }

                        attempt > 0 -> {
                            mutableState.value.connection.takeIf { it is ConnectionState.Reconnecting }
                                ?: ConnectionState.Reconnecting(attempt)
                        }

                        else -> {
                            ConnectionState.Connecting
                        }
                    },
                phase = phase,
                myId = myId,
                document = client?.document ?: "",
                revision = client?.revision ?: 0,
                hasPendingEdits = client?.outstanding != null,
                myRole = roleOf(myId),
                canEdit = client != null && mayEdit(),
                copilotoMayEdit = copilotoMayEdit,
                participants = participants,
                remoteSelections = selections,
                timer = TimerUi(timerState, remainingMs(), timer.rotationMs),
                paused = timerState == TimerState.PAUSED,
                testStatus = testStatus,
                chat = chat.toList(),
                notice = notice,
                editsDiscarded = editsDiscarded,
            )
    }

    companion object {
        const val MAX_CHAT_CHARS = 2_000

        /** The dojo service's limit on one operation's size. */
        const val MAX_OPERATION_SIZE: Long = 20_000
        private const val MAX_REMEMBERED_OPS = 200

        private fun parseInstant(text: String): Long? = runCatching { Instant.parse(text).toEpochMilli() }.getOrNull()

        /** Code points of a selection in the UI's UTF-16 offsets, for [select]. */
        fun selectionFromUtf16(
            document: String,
            anchor: Int,
            head: Int,
        ): Selection =
            Selection(
                listOf(SelectionRange(CodePoints.codePointIndex(document, anchor), CodePoints.codePointIndex(document, head))),
            )
    }
}
