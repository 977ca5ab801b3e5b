package app.pocdex.core.dojo

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.receiveAsFlow
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.Response
import okhttp3.WebSocket
import okhttp3.WebSocketListener
import java.util.concurrent.TimeUnit

/** How a socket ended: [code] is the WebSocket close code (1006 when the connection was lost without one). */
data class DojoCloseReason(
    val code: Int,
    val reason: String = "",
    /** The failure behind a lost connection (1006), if any. */
    val error: Throwable? = null,
)

/** Opens dojo WebSockets. The session asks for a new connection for every (re)connection. */
fun interface DojoTransport {
    /** Start opening [url] (ws:// or wss://); frames and the close arrive on the returned connection. */
    fun connect(url: String): DojoConnection
}

/** One WebSocket connection. */
interface DojoConnection {
    /** Text frames in arrival order; completes when the socket is closed or lost. */
    val incoming: Flow<String>

    /** Completes once with how the socket ended (after [incoming] has delivered everything before it). */
    val closed: Deferred<DojoCloseReason>

    /** Queue a text frame; false when the socket is closing or gone (the frame is not sent). */
    fun send(text: String): Boolean

    /** Close with a handshake ([code] 1000 to leave normally). */
    fun close(
        code: Int,
        reason: String,
    )

    /** Drop the connection at once, without a close handshake: what a lost network looks like to the server. */
    fun abort()
}

/**
 * The dojo transport on OkHttp's WebSocket (the HTTP stack of the Android app; the REST client's
 * Ktor engine is OkHttp too, so both can share one [OkHttpClient]). Protocol-level pings every
 * [pingIntervalMs] detect a dead network: OkHttp fails the socket when a pong does not come back.
 */
class OkHttpDojoTransport(
    client: OkHttpClient = OkHttpClient(),
    pingIntervalMs: Long = 10_000,
) : DojoTransport {
    private val client: OkHttpClient =
        client
            .newBuilder()
            .pingInterval(pingIntervalMs, TimeUnit.MILLISECONDS)
            .readTimeout(0, TimeUnit.MILLISECONDS)
            .build()

    override fun connect(url: String): DojoConnection {
        val connection = OkHttpDojoConnection()
        connection.socket = client.newWebSocket(Request.Builder().url(url).build(), connection.listener)
        return connection
    }

    private class OkHttpDojoConnection : DojoConnection {
        private val frames = Channel<String>(Channel.UNLIMITED)
        private val done = CompletableDeferred<DojoCloseReason>()
        lateinit var socket: WebSocket

        override val incoming: Flow<String> = frames.receiveAsFlow()
        override val closed: Deferred<DojoCloseReason> = done

        val listener =
            object : WebSocketListener() {
                override fun onMessage(
                    webSocket: WebSocket,
                    text: String,
                ) {
                    frames.trySend(text)
                }

                override fun onClosing(
                    webSocket: WebSocket,
                    code: Int,
                    reason: String,
                ) {
                    // Answer the server's close; the reason is final from here.
                    webSocket.close(code.coerceToSendable(), null)
                    finish(DojoCloseReason(code, reason))
                }

                override fun onClosed(
                    webSocket: WebSocket,
                    code: Int,
                    reason: String,
                ) {
                    finish(DojoCloseReason(code, reason))
                }

                override fun onFailure(
                    webSocket: WebSocket,
                    t: Throwable,
                    response: Response?,
                ) {
                    finish(DojoCloseReason(DojoCloseCodes.ABNORMAL, t.message ?: t.javaClass.simpleName, t))
                }
            }

        private fun finish(reason: DojoCloseReason) {
            frames.close()
            done.complete(reason)
        }

        override fun send(text: String): Boolean = !done.isCompleted && socket.send(text)

        override fun close(
            code: Int,
            reason: String,
        ) {
            if (!socket.close(code, reason)) finish(DojoCloseReason(code, reason))
        }

        override fun abort() {
            socket.cancel()
            finish(DojoCloseReason(DojoCloseCodes.ABNORMAL, "aborted"))
        }
    }
}

/** Codes 1005/1006/1015 are reserved and never sent on the wire; answer those with 1000. */
private fun Int.coerceToSendable(): Int = if (this in setOf(1004, 1005, 1006, 1015) || this < 1000) 1000 else this
