package app.pocdex.core.dojo

import app.pocdex.core.ot.CodePoints
import app.pocdex.core.ot.SelectionRange

/** A seat in the randori (docs/protocol/dojo-websocket.md, section 6). */
enum class DojoRole {
    /** At the keyboard: edits, announces red/green, passes. */
    PILOTO,

    /** Navigates; edits too when the dojo allows it ([LiveDojoUiState.copilotoMayEdit]). */
    COPILOTO,

    /** Watching (possibly waiting in the queue for a turn). */
    PLATEIA,
}

/** The red/green state the piloto announces. */
enum class TestStatus(
    val wire: String,
) {
    RED("red"),
    GREEN("green"),
    ;

    companion object {
        fun fromWire(value: String?): TestStatus? = entries.firstOrNull { it.wire == value }
    }
}

/** The dojo's lifecycle as the server reports it. */
enum class DojoPhase {
    /** Not started yet: people may be connected, nobody edits. */
    SCHEDULED,
    LIVE,
    ENDED,
}

/** Why a live session ended for this person; the UI maps each to a localized message. */
enum class EndReason {
    /** The facilitator ended the dojo (`dojo_ended`); the replay and retrospective are available. */
    DOJO_ENDED,

    /** The person left the session ([LiveDojoStateHolder.leave]). */
    LEFT,

    /** The person was removed from the organization (close 4410 `membership_revoked`): leave the organization's screens. */
    ACCESS_REMOVED,

    /** The organization is suspended (`tenant_suspended`). */
    ORGANIZATION_SUSPENDED,

    /** The session of the person's token ended and could not be renewed: log in again. */
    SIGNED_OUT,

    /** The dojo does not exist here, or the person is not invited (4404, 4403, a refused ticket). */
    NOT_FOUND,

    /** Tickets kept being refused (4401 `ticket_invalid` several times in a row). */
    ACCESS_DENIED,

    /** The server spoke a protocol this client does not understand. */
    PROTOCOL_ERROR,
}

/** The connection as the UI shows it. */
sealed interface ConnectionState {
    /** The first connection is being opened (ticket, socket, welcome). */
    data object Connecting : ConnectionState

    /** Welcome received, events flowing. */
    data object Live : ConnectionState

    /**
     * The network dropped; reconnecting with backoff, [attempt] from 1. Local edits are kept and
     * sent once live again. [lastError] is a short technical reason (for logs, not for display).
     */
    data class Reconnecting(
        val attempt: Int,
        val lastError: String? = null,
    ) : ConnectionState

    /** Over for good: no reconnection. [serverMessage] is the server's text, in the ticket's language, when it sent one. */
    data class Ended(
        val reason: EndReason,
        val serverMessage: String? = null,
    ) : ConnectionState
}

/** Someone in the dojo, as the participant list shows them. */
data class ParticipantUi(
    val id: String,
    val name: String,
    val role: DojoRole,
    /** Connected now (presence). */
    val present: Boolean,
    /** 1-based place in the rotation queue, or null when not queued (or at the keyboard). */
    val queuePosition: Int?,
    val isMe: Boolean,
)

/** Another participant's selection, already moved to this client's [LiveDojoUiState.document]. */
data class RemoteSelection(
    val participantId: String,
    val name: String,
    /** Ranges in code points of [LiveDojoUiState.document] (the protocol's unit). */
    val ranges: List<SelectionRange>,
) {
    /** The ranges as UTF-16 offsets into [document], what Compose's `TextRange` takes. */
    fun utf16Ranges(document: String): List<IntRange> =
        ranges.map {
            val anchor = CodePoints.utf16Offset(document, it.anchor)
            val head = CodePoints.utf16Offset(document, it.head)
            minOf(anchor, head)..maxOf(anchor, head)
        }
}

/** The turn timer, server-authoritative; [remainingMs] is recomputed by the holder from an injectable clock. */
data class TimerUi(
    val state: TimerState = TimerState.STOPPED,
    /** Milliseconds left in the turn (running: counting down; paused: frozen), or null (waiting/stopped). */
    val remainingMs: Long? = null,
    /** Length of one turn. */
    val rotationMs: Long = 0,
)

enum class TimerState(
    val wire: String,
) {
    RUNNING("running"),
    PAUSED("paused"),
    WAITING("waiting"),
    STOPPED("stopped"),
    ;

    companion object {
        fun fromWire(value: String?): TimerState = entries.firstOrNull { it.wire == value } ?: STOPPED
    }
}

/** One chat message (sequenced: everyone sees the same order). */
data class ChatMessageUi(
    val seq: Long,
    val authorId: String?,
    val authorName: String,
    val text: String,
    /** Server time, ISO 8601 UTC. */
    val at: String,
    val mine: Boolean,
)

/** A refused frame (`error` without `fatal`): [code] is stable (localize it), [message] is the server's text. */
data class DojoNotice(
    val code: String,
    val message: String,
    /** Increases with every notice, so the same code twice is still two notices (for a snackbar). */
    val serial: Long,
)

/** Everything the live dojo screen renders. */
data class LiveDojoUiState(
    val dojoId: String,
    val connection: ConnectionState = ConnectionState.Connecting,
    val phase: DojoPhase = DojoPhase.SCHEDULED,
    /** The person using this client (from the welcome), or null before it. */
    val myId: String? = null,
    /** The shared document as this client shows it, local edits not yet acknowledged included. */
    val document: String = "",
    /** Server operations integrated so far. */
    val revision: Int = 0,
    /** Local edits are waiting for the server's acknowledgement (sent or buffered). */
    val hasPendingEdits: Boolean = false,
    val myRole: DojoRole = DojoRole.PLATEIA,
    /** The editor accepts input: live, connected or reconnecting, and at the keyboard (piloto, or co-piloto when allowed). */
    val canEdit: Boolean = false,
    val copilotoMayEdit: Boolean = false,
    /** The piloto, the co-piloto, then the queue in order, then the rest of the plateia. */
    val participants: List<ParticipantUi> = emptyList(),
    val remoteSelections: List<RemoteSelection> = emptyList(),
    val timer: TimerUi = TimerUi(),
    val paused: Boolean = false,
    val testStatus: TestStatus? = null,
    val chat: List<ChatMessageUi> = emptyList(),
    /** The latest refused action, for a transient message. */
    val notice: DojoNotice? = null,
    /** Local edits could not be carried over a full resynchronization (far behind, or refused) and were dropped. */
    val editsDiscarded: Boolean = false,
) {
    val isLive: Boolean get() = connection == ConnectionState.Live
    val isEnded: Boolean get() = connection is ConnectionState.Ended
    val inQueue: Boolean get() = participants.any { it.isMe && it.queuePosition != null }
    val atKeyboard: Boolean get() = myRole == DojoRole.PILOTO || myRole == DojoRole.COPILOTO
}
