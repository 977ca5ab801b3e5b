package app.pocdex.core.testing

import app.pocdex.core.CoreGraph
import app.pocdex.core.auth.InMemoryTokenStore
import app.pocdex.core.auth.StoredSession
import app.pocdex.core.data.InMemoryOfflineCache
import io.ktor.client.engine.mock.MockEngine
import io.ktor.client.engine.mock.MockEngineConfig
import io.ktor.client.engine.mock.respond
import io.ktor.client.request.HttpRequestData
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.http.content.OutgoingContent
import io.ktor.http.content.TextContent
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.toByteArray
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import java.io.IOException
import java.util.concurrent.CopyOnWriteArrayList

/** A recorded request. */
data class Recorded(
    val method: String,
    val path: String,
    val query: Map<String, List<String>>,
    val body: String,
    val authorization: String?,
)

/** What a route answers. [delayMillis] runs on the test's virtual clock. */
data class Answer(
    val status: Int = 200,
    val body: String = "{}",
    val headers: Map<String, String> = emptyMap(),
    val delayMillis: Long = 0,
    val networkFailure: Boolean = false,
)

/**
 * An in-process fake of the gateway over Ktor's MockEngine, running on the test dispatcher so that
 * debounces, delays and polling use virtual time. Routes are "METHOD /path" (no query string).
 */
class FakeBackend(
    dispatcher: CoroutineDispatcher,
) {
    val requests = CopyOnWriteArrayList<Recorded>()
    private val routes = mutableMapOf<String, (Recorded) -> Answer>()

    /** While true every call fails as if the network were down. */
    @Volatile
    var offline: Boolean = false

    fun on(
        route: String,
        handler: (Recorded) -> Answer,
    ) {
        routes[route] = handler
    }

    fun on(
        route: String,
        answer: Answer,
    ) = on(route) { answer }

    fun count(route: String): Int = requests.count { "${it.method} ${it.path}" == route }

    fun last(route: String): Recorded? = requests.lastOrNull { "${it.method} ${it.path}" == route }

    val engine: MockEngine =
        MockEngine(
            MockEngineConfig().apply {
                this.dispatcher = dispatcher
                addHandler { data ->
                    val recorded = record(data)
                    requests += recorded
                    if (offline) throw IOException("network is down")
                    val handler = routes["${recorded.method} ${recorded.path}"]
                    val answer = handler?.invoke(recorded) ?: Answer(404, """{"error":{"code":"not_found","message":"Not found."}}""")
                    if (answer.delayMillis > 0) kotlinx.coroutines.delay(answer.delayMillis)
                    if (answer.networkFailure) throw IOException("connection reset")
                    val headers = (answer.headers + (HttpHeaders.ContentType to "application/json")).mapValues { listOf(it.value) }
                    respond(answer.body, HttpStatusCode.fromValue(answer.status), io.ktor.http.headers { headers.forEach { (k, v) -> appendAll(k, v) } })
                }
            },
        )

    /** A core graph signed in as [role] with a token valid for an hour from [nowSeconds]. */
    fun graph(
        nowSeconds: Long = 1_800_000_000,
        role: String = "owner",
        signedIn: Boolean = true,
        clock: () -> Long = { nowSeconds * 1000 },
    ): CoreGraph {
        val store =
            InMemoryTokenStore(
                if (signedIn) {
                    StoredSession(
                        TestJwt.access(nowSeconds + 3600, role = role),
                        "refresh-1",
                        nowSeconds + 3600,
                        "acme",
                        "ana@example.com",
                    )
                } else {
                    null
                },
            )
        return CoreGraph("http://gateway.test", engine, store, InMemoryOfflineCache(clock), clock = clock, notReadyRetries = 2)
    }

    private suspend fun record(data: HttpRequestData): Recorded {
        val body =
            when (val content = data.body) {
                is TextContent -> {
                    content.text
                }

                is OutgoingContent.ByteArrayContent -> {
                    content.bytes().decodeToString()
                }

                is OutgoingContent.WriteChannelContent -> {
                    coroutineScope {
                        val channel = ByteChannel()
                        val reader = async { channel.toByteArray() }
                        content.writeTo(channel)
                        channel.flushAndClose()
                        "<${reader.await().size} bytes>"
                    }
                }

                else -> {
                    ""
                }
            }
        val query =
            data.url.parameters
                .names()
                .associateWith {
                    data.url.parameters
                        .getAll(it)
                        .orEmpty()
                }
        return Recorded(data.method.value, data.url.encodedPath, query, body, data.headers[HttpHeaders.Authorization])
    }

    companion object {
        fun error(
            status: Int,
            code: String,
            message: String = code,
            fields: String? = null,
            headers: Map<String, String> = emptyMap(),
        ): Answer =
            Answer(
                status,
                """{"error":{"code":"$code","message":"$message"${if (fields != null) ",\"fields\":$fields" else ""}}}""",
                headers,
            )
    }
}
