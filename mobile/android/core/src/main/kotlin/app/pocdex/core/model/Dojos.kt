package app.pocdex.core.model

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonObject

object DojoStatuses {
    const val SCHEDULED = "scheduled"
    const val LIVE = "live"
    const val ENDED = "ended"
}

/** The `state` filter of GET /api/v1/dojos. */
object DojoListFilters {
    const val LIVE = "live"
    const val UPCOMING = "upcoming"
    const val PAST = "past"
}

@Serializable
data class Person(
    val id: String,
    val name: String,
)

@Serializable
data class Dojo(
    val id: String,
    val title: String,
    val kata: String = "",
    val language: String = "",
    @SerialName("rotation_minutes") val rotationMinutes: Int = 0,
    @SerialName("scheduled_at") val scheduledAt: String = "",
    @SerialName("poc_id") val pocId: String? = null,
    val visibility: String = "team",
    val invitees: List<String> = emptyList(),
    @SerialName("copiloto_may_edit") val copilotoMayEdit: Boolean = false,
    val facilitator: Person? = null,
    val status: String = DojoStatuses.SCHEDULED,
    @SerialName("started_at") val startedAt: String? = null,
    @SerialName("ended_at") val endedAt: String? = null,
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("updated_at") val updatedAt: String = "",
    val retrospective: JsonObject? = null,
    @SerialName("can_run") val canRun: Boolean = false,
    val participants: List<JsonObject> = emptyList(),
)

@Serializable
data class DojoInput(
    val title: String? = null,
    val kata: String? = null,
    val language: String? = null,
    @SerialName("rotation_minutes") val rotationMinutes: Int? = null,
    @SerialName("scheduled_at") val scheduledAt: String? = null,
    @SerialName("poc_id") val pocId: String? = null,
    val visibility: String? = null,
    val invitees: List<String>? = null,
    @SerialName("copiloto_may_edit") val copilotoMayEdit: Boolean? = null,
)

@Serializable
data class Participant(
    val id: String,
    val name: String,
    @SerialName("joined_at") val joinedAt: String = "",
    @SerialName("seconds_as_piloto") val secondsAsPiloto: Int = 0,
    @SerialName("turns_as_piloto") val turnsAsPiloto: Int = 0,
)

/** A one-time WebSocket ticket: `url` is the socket to open (relative to the gateway or absolute). */
@Serializable
data class DojoTicket(
    val ticket: String,
    @SerialName("expires_in") val expiresIn: Int = 0,
    val url: String,
)

@Serializable
data class Snapshot(
    val revision: Int,
    val seq: Long,
    val at: String = "",
    val document: String,
)

@Serializable
data class DojoReplay(
    val dojo: Dojo,
    val seq: Long = 0,
    val revision: Int = 0,
    val document: String = "",
    val snapshots: List<Snapshot> = emptyList(),
    val events: List<JsonObject> = emptyList(),
    @SerialName("next_after_seq") val nextAfterSeq: Long? = null,
)
