package app.pocdex.core.dojo

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.receiveAsFlow
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import java.util.concurrent.CopyOnWriteArrayList

/** A test double of the transport only: the test plays the server, frame by frame. */
class FakeDojoTransport : DojoTransport {
    val connections = CopyOnWriteArrayList<FakeConnection>()
    val urls = CopyOnWriteArrayList<String>()

    override fun connect(url: String): DojoConnection {
        urls.add(url)
        return FakeConnection().also { connections.add(it) }
    }

    val last: FakeConnection get() = connections.last()
}

class FakeConnection : DojoConnection {
    private val toClient = Channel<String>(Channel.UNLIMITED)
    private val done = CompletableDeferred<DojoCloseReason>()
    val sent = CopyOnWriteArrayList<String>()
    var closedByClient: Int? = null
    var aborted = false

    override val incoming: Flow<String> = toClient.receiveAsFlow()
    override val closed: Deferred<DojoCloseReason> = done

    /** The server sends a text frame. */
    fun push(frame: String) {
        check(toClient.trySend(frame).isSuccess) { "the connection is closed" }
    }

    /** The server closes with [code]. */
    fun serverClose(
        code: Int,
        reason: String = "",
    ) = finish(DojoCloseReason(code, reason))

    override fun send(text: String): Boolean {
        if (done.isCompleted) return false
        sent.add(text)
        return true
    }

    override fun close(
        code: Int,
        reason: String,
    ) {
        closedByClient = code
        finish(DojoCloseReason(code, reason))
    }

    override fun abort() {
        aborted = true
        finish(DojoCloseReason(DojoCloseCodes.ABNORMAL, "aborted"))
    }

    private fun finish(reason: DojoCloseReason) {
        toClient.close()
        done.complete(reason)
    }

    val isOpen: Boolean get() = !done.isCompleted

    /** Sent frames, decoded. */
    fun sentFrames(): List<JsonObject> = sent.map { DojoFrames.json.parseToJsonElement(it).jsonObject }

    fun sentOfType(type: String): List<JsonObject> = sentFrames().filter { it["type"]?.toString() == "\"$type\"" }
}
