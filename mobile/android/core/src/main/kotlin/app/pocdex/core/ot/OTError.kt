package app.pocdex.core.ot

/**
 * The stable, machine-readable error codes of the shared editor's operational transformation
 * (docs/protocol/ot.md, section 9). [wire] is the code as the dojo service sends it.
 */
enum class OTErrorCode(
    val wire: String,
) {
    INVALID_OPERATION("invalid_operation"),
    LENGTH_MISMATCH("length_mismatch"),
    REVISION_OUT_OF_RANGE("revision_out_of_range"),
    REVISION_TOO_OLD("revision_too_old"),
    OPERATION_TOO_LARGE("operation_too_large"),
    DOCUMENT_TOO_LARGE("document_too_large"),
    INVALID_SELECTION("invalid_selection"),
    INDEX_OUT_OF_RANGE("index_out_of_range"),
    ;

    companion object {
        /** The code for a wire string, or null for one this client does not know. */
        fun fromWire(code: String): OTErrorCode? = entries.firstOrNull { it.wire == code }
    }
}

/** An operation, revision, selection or index was refused; [code] is the contract, [message] is for logs. */
class OTError(
    val code: OTErrorCode,
    override val message: String,
) : IllegalArgumentException("${code.wire}: $message")
