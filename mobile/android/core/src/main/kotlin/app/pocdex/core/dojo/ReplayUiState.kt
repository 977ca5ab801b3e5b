package app.pocdex.core.dojo

import kotlinx.serialization.json.JsonObject

/** One page of `GET /api/v1/dojos/{id}/replay` (docs/protocol/dojo-websocket.md, section 7). */
data class ReplayPage(
    val title: String,
    /** The dojo's current seq, revision and document (the end of the replay for an ended dojo). */
    val seq: Long,
    val revision: Int,
    val document: String,
    val snapshots: List<ReplaySnapshot>,
    /** Sequenced events in wire form, in seq order. */
    val events: List<JsonObject>,
    /** Pass as `after_seq` for the next page; null at the end. */
    val nextAfterSeq: Long?,
)

/** The code at [revision], as of event [seq]. */
data class ReplaySnapshot(
    val revision: Int,
    val seq: Long,
    val at: String,
    val document: String,
)

/** Reads replay pages; the app implements it with the REST client (`GET …/replay?after_seq=`). */
fun interface ReplaySource {
    suspend fun page(afterSeq: Long): ReplayPage
}

/** What one replay step shows about the event it reached. */
data class ReplayEventUi(
    val seq: Long,
    /** The event's wire type: `op`, `chat`, `roles`, `test_status`, `timer`, `presence`, `dojo_started`, `dojo_ended`. */
    val type: String,
    /** Server time, ISO 8601 UTC. */
    val at: String,
    val actorName: String?,
    /** For `chat` the text, for `test_status` `red`/`green`, for `roles` the reason, for `timer` its state. */
    val detail: String?,
)

/** Everything the replay screen renders. */
data class ReplayUiState(
    val dojoId: String,
    val loading: Boolean = true,
    /** A stable error code to localize (e.g. `not_found`, `network`), or null. */
    val error: String? = null,
    val title: String = "",
    /** Number of sequenced events in the replay. */
    val totalEvents: Int = 0,
    /** Events applied so far, `0..totalEvents` (0: before the first one). */
    val position: Int = 0,
    /** The code as of [position]. */
    val document: String = "",
    val revision: Int = 0,
    /** The event at `position - 1`, or null at the start. */
    val current: ReplayEventUi? = null,
    /** Chat messages up to [position]. */
    val chat: List<ChatMessageUi> = emptyList(),
    val pilotoName: String? = null,
    val copilotoName: String? = null,
    val testStatus: TestStatus? = null,
    /** Positions (1-based, in events) where the seat at the keyboard changed: marks on the seek bar. */
    val rotationMarks: List<Int> = emptyList(),
    val playing: Boolean = false,
) {
    val atStart: Boolean get() = position == 0
    val atEnd: Boolean get() = position == totalEvents
    val isEmpty: Boolean get() = !loading && error == null && totalEvents == 0
}
