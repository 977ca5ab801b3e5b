package app.pocdex.core.ot

/** The three states of the client (docs/protocol/ot.md, section 8); [wire] is how the vectors name them. */
enum class ClientState(
    val wire: String,
) {
    SYNCHRONIZED("synchronized"),
    AWAITING_CONFIRM("awaiting_confirm"),
    AWAITING_WITH_BUFFER("awaiting_with_buffer"),
}

/** An operation to send to the server with the revision it was made against. */
data class Outgoing(
    val revision: Int,
    val operation: TextOperation,
)

/** The server acknowledged while nothing was in flight: a protocol bug, not user input. */
class UnexpectedAcknowledgementException(
    message: String,
) : IllegalStateException(message)

/**
 * The client state machine: at most one operation in flight ([outstanding]); further local
 * edits are composed into one [buffer] until the server acknowledges. Not thread-safe: drive it
 * from one coroutine (the dojo session's).
 */
class OTClient(
    document: String = "",
    revision: Int = 0,
) {
    /** The local document, including the edits not acknowledged yet. */
    var document: String = document
        private set

    /** Server operations integrated so far, this client's acknowledged ones included. */
    var revision: Int = revision
        private set

    var outstanding: TextOperation? = null
        private set

    var buffer: TextOperation? = null
        private set

    val state: ClientState
        get() =
            when {
                outstanding == null -> ClientState.SYNCHRONIZED
                buffer == null -> ClientState.AWAITING_CONFIRM
                else -> ClientState.AWAITING_WITH_BUFFER
            }

    /** A local edit (the editor already shows it): what to send now, if anything. */
    fun applyLocal(operation: TextOperation): Outgoing? {
        val next = operation.apply(document)
        val out = outstanding
        document = next
        if (out == null) {
            outstanding = operation
            return Outgoing(revision, operation)
        }
        buffer = buffer?.let { OT.compose(it, operation) } ?: operation
        return null
    }

    /** Another participant's sequenced operation: returns what the editor must apply. */
    fun applyServer(operation: TextOperation): TextOperation {
        var incoming = operation
        var newOutstanding = outstanding
        var newBuffer = buffer
        if (newOutstanding != null) {
            val (o, s) = OT.transform(newOutstanding, incoming)
            newOutstanding = o
            incoming = s
            if (newBuffer != null) {
                val (b, s2) = OT.transform(newBuffer, incoming)
                newBuffer = b
                incoming = s2
            }
        }
        // Compute everything before changing state, so a refused operation changes nothing.
        document = incoming.apply(document)
        outstanding = newOutstanding
        buffer = newBuffer
        revision += 1
        return incoming
    }

    /** The server sequenced the outstanding operation: what to send next (the buffer), if anything. */
    fun serverAck(): Outgoing? {
        if (outstanding == null) throw UnexpectedAcknowledgementException("acknowledgement with no operation in flight")
        revision += 1
        outstanding = buffer
        buffer = null
        return outstanding?.let { Outgoing(revision, it) }
    }

    /** After a reconnection: the outstanding operation again, with the revision it was made against. */
    fun resend(): Outgoing? = outstanding?.let { Outgoing(revision, it) }

    /**
     * Start again from a server state (a `welcome` without `resumed`, a `snapshot`, or the
     * server's document after it refused the outstanding operation): the unacknowledged edits are
     * dropped; the caller decides what to do with them (the dojo session resends the outstanding
     * one by its id). Returns whether there were any.
     */
    fun reset(
        document: String,
        revision: Int,
    ): Boolean {
        val dropped = outstanding != null
        this.revision = revision
        this.document = document
        outstanding = null
        buffer = null
        return dropped
    }
}
