package app.pocdex.core.dojo

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.decodeFromJsonElement
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put

/** WebSocket protocol version this client speaks (the `protocol` of `welcome`). */
const val DOJO_PROTOCOL_VERSION: Int = 1

/** Application close codes (docs/protocol/dojo-websocket.md, section 1). */
object DojoCloseCodes {
    const val NORMAL = 1000
    const val GOING_AWAY = 1001
    const val ABNORMAL = 1006
    const val UNAUTHORIZED = 4401
    const val FORBIDDEN = 4403
    const val NOT_FOUND = 4404
    const val ACCESS_ENDED = 4410
}

@Serializable
data class DojoPerson(
    val id: String,
    val name: String = "",
)

@Serializable
data class RolesWire(
    val piloto: String? = null,
    val copiloto: String? = null,
    val queue: List<String> = emptyList(),
)

@Serializable
data class TimerWire(
    val state: String = "stopped",
    val deadline: String? = null,
    @SerialName("remaining_ms") val remainingMs: Long? = null,
    @SerialName("rotation_ms") val rotationMs: Long = 0,
    @SerialName("server_time") val serverTime: String? = null,
)

/** The session's state as of [seq] (in `welcome` and `snapshot`). */
@Serializable
data class DojoStateWire(
    val dojo: String = "",
    val status: String = "scheduled",
    val seq: Long = 0,
    val revision: Int = 0,
    val document: String = "",
    val roles: RolesWire = RolesWire(),
    val timer: TimerWire = TimerWire(),
    @SerialName("test_status") val testStatus: String? = null,
    @SerialName("copiloto_may_edit") val copilotoMayEdit: Boolean = false,
    val participants: List<DojoPerson> = emptyList(),
    val connected: List<String> = emptyList(),
)

/** A frame from the server, decoded. Sequenced events carry [SequencedEvent.seq]. */
sealed interface ServerFrame {
    data class Welcome(
        val protocol: Int,
        val you: DojoPerson,
        val resumed: Boolean,
        val lastSeq: Long?,
        /** With `resumed`: the current seq; the tail up to it follows. */
        val seq: Long?,
        val state: DojoStateWire?,
    ) : ServerFrame

    data class Cursor(
        val actor: DojoPerson,
        val revision: Int,
        val selection: JsonElement,
        val afterSeq: Long?,
    ) : ServerFrame

    data class Pong(
        val ref: String?,
    ) : ServerFrame

    data class Error(
        val code: String,
        val message: String,
        val ref: String?,
        val fatal: Boolean,
        val afterSeq: Long?,
    ) : ServerFrame

    /** A resent operation the server had already sequenced: [event] is the original `op` event. */
    data class OpAck(
        val duplicate: Boolean,
        val event: SequencedEvent.Op,
    ) : ServerFrame

    data class Snapshot(
        val state: DojoStateWire,
        val afterSeq: Long?,
    ) : ServerFrame

    /** An ephemeral frame of a type this client does not know (ignored: the protocol may add some). */
    data class UnknownEphemeral(
        val type: String,
    ) : ServerFrame
}

/** Sequenced events (stored in the dojo's log; what reconnection and replay deliver). */
sealed interface SequencedEvent : ServerFrame {
    val seq: Long
    val at: String
    val actor: DojoPerson?

    data class Presence(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val joined: String?,
        val left: String?,
        val connected: List<String>,
    ) : SequencedEvent

    data class Roles(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val reason: String,
        val roles: RolesWire,
        val timer: TimerWire?,
    ) : SequencedEvent

    data class Timer(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val timer: TimerWire,
    ) : SequencedEvent

    data class Op(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val revision: Int,
        /** The wire operation; parse it with the strict parser where it is applied. */
        val op: JsonArray,
        /** The sender's operation id: for its sender this event is the acknowledgement. */
        val id: String,
    ) : SequencedEvent

    data class Chat(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val text: String,
    ) : SequencedEvent

    data class TestStatusChanged(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val status: String,
    ) : SequencedEvent

    data class Started(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val roles: RolesWire,
        val timer: TimerWire,
    ) : SequencedEvent

    data class Ended(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val revision: Int,
        val documentLength: Int,
    ) : SequencedEvent

    /** A sequenced event of a type this client does not know: its seq still counts. */
    data class Unknown(
        override val seq: Long,
        override val at: String,
        override val actor: DojoPerson?,
        val type: String,
    ) : SequencedEvent
}

/** A frame the server sent that this client cannot read (not JSON, wrong field types). */
class DojoFrameException(
    message: String,
    cause: Throwable? = null,
) : Exception(message, cause)

/** Decoding of server frames and encoding of client frames, exactly as docs/protocol/dojo-websocket.md. */
object DojoFrames {
    val json: Json =
        Json {
            ignoreUnknownKeys = true
            explicitNulls = false
            isLenient = false
        }

    fun decode(text: String): ServerFrame {
        val root =
            try {
                json.parseToJsonElement(text) as? JsonObject
            } catch (e: SerializationException) {
                throw DojoFrameException("not JSON", e)
            } ?: throw DojoFrameException("a frame is a JSON object")
        return try {
            decode(root)
        } catch (e: DojoFrameException) {
            throw e
        } catch (e: IllegalArgumentException) {
            throw DojoFrameException("malformed ${root["type"]} frame: ${e.message}", e)
        }
    }

    /** One frame (or one replay event) already parsed as a JSON object. */
    fun decode(root: JsonObject): ServerFrame {
        val type = root.string("type") ?: throw DojoFrameException("a frame has a string \"type\"")
        val seq = (root["seq"] as? JsonPrimitive)?.longOrNull
        if (seq != null) return decodeEvent(type, seq, root)
        return when (type) {
            "welcome" -> {
                ServerFrame.Welcome(
                    protocol = root.long("protocol")?.toInt() ?: 0,
                    you = json.decodeFromJsonElement(root.required("you")),
                    resumed = (root["resumed"] as? JsonPrimitive)?.contentOrNull == "true",
                    lastSeq = root.long("last_seq"),
                    seq = null,
                    state = root["state"]?.takeIf { it !is JsonNull }?.let { json.decodeFromJsonElement(it) },
                )
            }

            "cursor" -> {
                ServerFrame.Cursor(
                    actor = json.decodeFromJsonElement(root.required("actor")),
                    revision = root.long("revision")?.toInt() ?: throw DojoFrameException("cursor without revision"),
                    selection = root.required("selection"),
                    afterSeq = root.long("after_seq"),
                )
            }

            "pong" -> {
                ServerFrame.Pong(root.string("ref") ?: root.long("ref")?.toString())
            }

            "error" -> {
                ServerFrame.Error(
                    code = root.string("code") ?: "internal_error",
                    message = root.string("message") ?: "",
                    ref = root.string("ref") ?: root.long("ref")?.toString(),
                    fatal = (root["fatal"] as? JsonPrimitive)?.contentOrNull == "true",
                    afterSeq = root.long("after_seq"),
                )
            }

            "op_ack" -> {
                val event = decodeEvent("op", root.long("seq") ?: 0, root) as SequencedEvent.Op
                ServerFrame.OpAck((root["duplicate"] as? JsonPrimitive)?.contentOrNull == "true", event)
            }

            "snapshot" -> {
                ServerFrame.Snapshot(json.decodeFromJsonElement(root.required("state")), root.long("after_seq"))
            }

            else -> {
                ServerFrame.UnknownEphemeral(type)
            }
        }
    }

    private fun decodeEvent(
        type: String,
        seq: Long,
        root: JsonObject,
    ): ServerFrame {
        val at = root.string("at") ?: ""
        val actor = root["actor"]?.takeIf { it is JsonObject }?.let { json.decodeFromJsonElement<DojoPerson>(it) }
        if (type == "welcome") {
            // A resumed welcome has "seq" (the current one) but is not an event.
            return ServerFrame.Welcome(
                protocol = root.long("protocol")?.toInt() ?: 0,
                you = json.decodeFromJsonElement(root.required("you")),
                resumed = (root["resumed"] as? JsonPrimitive)?.contentOrNull == "true",
                lastSeq = root.long("last_seq"),
                seq = seq,
                state = root["state"]?.takeIf { it !is JsonNull }?.let { json.decodeFromJsonElement(it) },
            )
        }
        if (type == "op_ack") {
            val event = decodeEvent("op", seq, root) as SequencedEvent.Op
            return ServerFrame.OpAck((root["duplicate"] as? JsonPrimitive)?.contentOrNull == "true", event)
        }
        return when (type) {
            "presence" -> {
                SequencedEvent.Presence(
                    seq,
                    at,
                    actor,
                    joined = root.string("joined"),
                    left = root.string("left"),
                    connected = root["connected"]?.let { json.decodeFromJsonElement<List<String>>(it) } ?: emptyList(),
                )
            }

            "roles" -> {
                SequencedEvent.Roles(
                    seq,
                    at,
                    actor,
                    reason = root.string("reason") ?: "",
                    roles = json.decodeFromJsonElement(root),
                    timer = root["timer"]?.takeIf { it is JsonObject }?.let { json.decodeFromJsonElement(it) },
                )
            }

            "timer" -> {
                SequencedEvent.Timer(seq, at, actor, json.decodeFromJsonElement(root))
            }

            "op" -> {
                SequencedEvent.Op(
                    seq,
                    at,
                    actor,
                    revision = root.long("revision")?.toInt() ?: throw DojoFrameException("op event without revision"),
                    op = root["op"] as? JsonArray ?: throw DojoFrameException("op event without op"),
                    id = root.string("id") ?: "",
                )
            }

            "chat" -> {
                SequencedEvent.Chat(seq, at, actor, root.string("text") ?: "")
            }

            "test_status" -> {
                SequencedEvent.TestStatusChanged(seq, at, actor, root.string("status") ?: "")
            }

            "dojo_started" -> {
                SequencedEvent.Started(
                    seq,
                    at,
                    actor,
                    roles = root["roles"]?.let { json.decodeFromJsonElement(it) } ?: RolesWire(),
                    timer = root["timer"]?.let { json.decodeFromJsonElement(it) } ?: TimerWire(),
                )
            }

            "dojo_ended" -> {
                SequencedEvent.Ended(
                    seq,
                    at,
                    actor,
                    revision = root.long("revision")?.toInt() ?: 0,
                    documentLength = root.long("document_length")?.toInt() ?: 0,
                )
            }

            else -> {
                SequencedEvent.Unknown(seq, at, actor, type)
            }
        }
    }

    // ------------------------------------------------------------------ client frames

    fun op(
        id: String,
        revision: Int,
        op: JsonArray,
    ): String =
        encode("op", id) {
            put("revision", revision)
            put("op", op)
        }

    fun cursor(
        id: String?,
        revision: Int,
        selection: JsonObject,
    ): String =
        encode("cursor", id) {
            put("revision", revision)
            put("selection", selection)
        }

    fun chat(
        id: String,
        text: String,
    ): String = encode("chat", id) { put("text", text) }

    fun testStatus(
        id: String,
        status: TestStatus,
    ): String = encode("test_status", id) { put("status", status.wire) }

    fun pass(id: String): String = encode("pass", id) {}

    fun pause(id: String): String = encode("pause", id) {}

    fun resumeTimer(id: String): String = encode("resume_timer", id) {}

    fun queue(
        id: String,
        join: Boolean,
    ): String = encode("queue", id) { put("join", join) }

    fun resume(
        id: String,
        lastSeq: Long,
    ): String = encode("resume", id) { put("last_seq", lastSeq) }

    fun ping(id: String): String = encode("ping", id) {}

    private inline fun encode(
        type: String,
        id: String?,
        crossinline fields: kotlinx.serialization.json.JsonObjectBuilder.() -> Unit,
    ): String =
        buildJsonObject {
            put("type", type)
            if (id != null) put("id", id)
            fields()
        }.toString()

    private fun JsonObject.string(key: String): String? = (this[key] as? JsonPrimitive)?.takeIf { it.isString }?.content

    private fun JsonObject.long(key: String): Long? = (this[key] as? JsonPrimitive)?.takeIf { !it.isString }?.longOrNull

    private fun JsonObject.required(key: String): JsonElement = this[key] ?: throw DojoFrameException("missing \"$key\"")
}
