package app.pocdex.core.ot

import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonPrimitive

/** Default server limits of the reference implementation (ot.md section 7). */
const val DEFAULT_MAX_DOCUMENT_LENGTH: Int = 200_000
const val DEFAULT_MAX_OPERATION_SIZE: Long = 50_000

/** What the server sequenced: broadcast [operation] with [revision], acknowledge [revision] to the sender. */
data class Accepted(
    val operation: TextOperation,
    val revision: Int,
)

/**
 * An in-memory model of the dojo server's side of the protocol (ot.md section 7): a document,
 * its revision and the retained tail of its history. The client library does not need it to
 * edit; it exists so that the shared vectors' `server` checks and convergence sessions run on
 * this platform exactly as the spec describes, and for offline tests of the dojo session.
 */
class OTServerDocument(
    text: String = "",
    revision: Int = 0,
    history: List<TextOperation> = emptyList(),
    val maxDocumentLength: Int = DEFAULT_MAX_DOCUMENT_LENGTH,
    val maxOperationSize: Long = DEFAULT_MAX_OPERATION_SIZE,
    /** How many history entries are kept (null: all); a client further behind gets revision_too_old. */
    val maxHistory: Int? = null,
) {
    var text: String = text
        private set
    var revision: Int = revision
        private set
    private val retained = history.toMutableList()

    init {
        require(revision >= retained.size) { "the history is longer than the revision it leads to" }
        val length = CodePoints.length(text)
        if (length > maxDocumentLength) {
            throw OTError(OTErrorCode.DOCUMENT_TOO_LARGE, "the document has $length code points; at most $maxDocumentLength")
        }
        trim()
    }

    val history: List<TextOperation> get() = retained.toList()

    /** The oldest revision a client may still send an operation against. */
    val historyStart: Int get() = revision - retained.size

    /** Sequence a client's operation given as decoded JSON, checking in the spec's order. */
    fun receive(
        operation: JsonElement,
        revision: JsonElement,
    ): Accepted = receive(TextOperation.fromJson(operation, maxOperationSize), checkRevision(revision))

    /** Sequence an already parsed operation made against [clientRevision]. */
    fun receive(
        operation: TextOperation,
        clientRevision: Int,
    ): Accepted {
        if (operation.size > maxOperationSize) {
            throw OTError(OTErrorCode.OPERATION_TOO_LARGE, "the operation's size is ${operation.size}; at most $maxOperationSize")
        }
        checkRevisionValue(clientRevision.toLong())
        var rebased = operation
        for (index in (clientRevision - historyStart) until retained.size) {
            rebased = OT.transform(rebased, retained[index]).first
        }
        val length = CodePoints.length(text)
        if (rebased.baseLength != length) {
            throw OTError(
                OTErrorCode.LENGTH_MISMATCH,
                "the operation expects a document of ${rebased.baseLength} code points at its revision, not $length",
            )
        }
        if (rebased.targetLength > maxDocumentLength) {
            throw OTError(
                OTErrorCode.DOCUMENT_TOO_LARGE,
                "the document would have ${rebased.targetLength} code points; at most $maxDocumentLength",
            )
        }
        text = rebased.apply(text)
        retained.add(rebased)
        this.revision += 1
        trim()
        return Accepted(rebased, this.revision)
    }

    private fun checkRevision(value: JsonElement): Int {
        val number =
            (value as? JsonPrimitive)?.let { TextOperation.parseInteger(it) }
                ?: throw OTError(OTErrorCode.REVISION_OUT_OF_RANGE, "a revision is an integer")
        checkRevisionValue(number)
        return number.toInt()
    }

    private fun checkRevisionValue(number: Long) {
        if (number < 0 || number > revision) {
            throw OTError(OTErrorCode.REVISION_OUT_OF_RANGE, "revision $number is outside 0..$revision")
        }
        if (number < historyStart) {
            throw OTError(
                OTErrorCode.REVISION_TOO_OLD,
                "revision $number is older than the retained history (from $historyStart); resynchronize",
            )
        }
    }

    private fun trim() {
        val max = maxHistory ?: return
        while (retained.size > max) retained.removeAt(0)
    }
}
