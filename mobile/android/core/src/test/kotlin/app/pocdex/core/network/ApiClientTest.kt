package app.pocdex.core.network

import app.pocdex.core.model.Poc
import io.ktor.client.engine.okhttp.OkHttp
import io.ktor.http.HttpMethod
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import mockwebserver3.MockResponse
import mockwebserver3.MockWebServer
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The API client against a real local HTTP server (MockWebServer), over the OkHttp engine. */
class ApiClientTest {
    private val server = MockWebServer()
    private lateinit var client: ApiClient

    @BeforeEach
    fun start() {
        server.start()
        client = ApiClient(server.url("/").toString(), OkHttp.create(), language = { "pt-BR" }, notReadyRetries = 2, maxRetryAfterMillis = 150)
    }

    @AfterEach
    fun stop() {
        client.close()
        server.close()
    }

    private fun json(
        code: Int,
        body: String,
        vararg headers: Pair<String, String>,
    ): MockResponse =
        MockResponse
            .Builder()
            .code(code)
            .body(body)
            .addHeader("Content-Type", "application/json")
            .apply {
                headers.forEach { addHeader(it.first, it.second) }
            }.build()

    @Test
    fun `a validation error keeps its code, message and field errors`() =
        runBlocking<Unit> {
            server.enqueue(
                json(
                    400,
                    """{"error":{"code":"validation_error","message":"Dados inválidos.","fields":{"name":[{"code":"required","message":"Obrigatório."}],"links.0.url":[{"code":"invalid","message":"URL inválida."}]}}}""",
                ),
            )
            val result = client.call(HttpMethod.Post, "/api/v1/pocs", emptyList(), "{}", false, Poc.serializer())
            val error = assertIs<ApiError.Http>(assertIs<ApiResult.Err>(result).error)
            assertEquals(400, error.status)
            assertEquals("validation_error", error.code)
            assertEquals("Dados inválidos.", error.message)
            assertEquals(listOf(FieldError("required", "Obrigatório.")), error.fields["name"])
            assertEquals("invalid", error.fields["links.0.url"]!!.single().code)
            val request = server.takeRequest()
            assertEquals("pt-BR", request.headers["Accept-Language"])
            assertNull(request.headers["Authorization"])
        }

    @Test
    fun `status codes map to the sealed errors`() =
        runBlocking<Unit> {
            server.enqueue(json(404, """{"error":{"code":"poc_not_found","message":"No."}}"""))
            server.enqueue(json(401, """{"error":{"code":"invalid_credentials","message":"No."}}"""))
            server.enqueue(json(429, """{"error":{"code":"throttled","message":"Slow down."}}""", "Retry-After" to "7"))
            server.enqueue(
                MockResponse
                    .Builder()
                    .code(502)
                    .body("<html>bad gateway</html>")
                    .build(),
            )
            server.enqueue(json(200, """{"not":"a poc"}"""))
            val notFound = client.get<Poc>("/a", auth = false).errorOrNull()
            assertIs<ApiError.Http>(notFound)
            assertTrue(notFound.isNotFound)
            assertEquals("invalid_credentials", assertIs<ApiError.Unauthorized>(client.get<Poc>("/b", auth = false).errorOrNull()).code)
            assertEquals(7, assertIs<ApiError.Throttled>(client.get<Poc>("/c", auth = false).errorOrNull()).retryAfterSeconds)
            assertEquals(502, assertIs<ApiError.Server>(client.get<Poc>("/d", auth = false).errorOrNull()).status)
            assertIs<ApiError.Decoding>(client.get<Poc>("/e", auth = false).errorOrNull())
        }

    @Test
    fun `tenant_not_ready is retried honoring Retry-After and then succeeds`() =
        runBlocking<Unit> {
            val notReady = """{"error":{"code":"tenant_not_ready","message":"Preparing."}}"""
            server.enqueue(json(503, notReady, "Retry-After" to "1"))
            server.enqueue(json(503, notReady, "Retry-After" to "1"))
            server.enqueue(json(200, """[{"slug":"kotlin","label":"Kotlin","count":2}]"""))
            val started = System.nanoTime()
            val tags =
                client.getList(
                    "/api/v1/tags",
                    app.pocdex.core.model.TagUsage
                        .serializer(),
                    auth = false,
                )
            val elapsedMillis = (System.nanoTime() - started) / 1_000_000
            assertEquals("kotlin", tags.getOrThrow().single().slug)
            assertEquals(3, server.requestCount)
            // Retry-After 1 s is honored up to the bound (150 ms here): two waits happened.
            assertTrue(elapsedMillis >= 300, "waited $elapsedMillis ms")
        }

    @Test
    fun `tenant_not_ready past the bound is reported, not retried forever`() =
        runBlocking<Unit> {
            repeat(3) { server.enqueue(json(503, """{"error":{"code":"tenant_not_ready","message":"Preparing."}}""", "Retry-After" to "1")) }
            val error = client.get<Poc>("/x", auth = false).errorOrNull()
            assertEquals(1, assertIs<ApiError.TenantNotReady>(error).retryAfterSeconds)
            assertEquals(3, server.requestCount)
        }

    @Test
    fun `no server is a Network error, not an exception`() =
        runBlocking<Unit> {
            val dead = MockWebServer()
            dead.start()
            val url = dead.url("/").toString()
            dead.close()
            val offline = ApiClient(url, OkHttp.create())
            assertIs<ApiError.Network>(offline.get<Poc>("/api/v1/pocs/1", auth = false).errorOrNull())
            offline.close()
        }

    @Test
    fun `an authenticated call refused with token_revoked refreshes once and retries once`() =
        runBlocking<Unit> {
            val source = FakeTokens()
            val authed = client.withTokens(source)
            server.enqueue(json(401, """{"error":{"code":"token_revoked","message":"Revoked."}}"""))
            server.enqueue(json(200, """{"id":"p1","name":"One"}"""))
            val poc = authed.get<Poc>("/api/v1/pocs/p1").getOrThrow()
            assertEquals("One", poc.name)
            assertEquals(listOf("old"), source.rejected)
            assertEquals("Bearer old", server.takeRequest().headers["Authorization"])
            assertEquals("Bearer new", server.takeRequest().headers["Authorization"])
        }

    @Test
    fun `a second refusal after the refresh is returned, never a loop`() =
        runBlocking<Unit> {
            val source = FakeTokens()
            val authed = client.withTokens(source)
            repeat(2) { server.enqueue(json(401, """{"error":{"code":"token_revoked","message":"Revoked."}}""")) }
            assertIs<ApiError.TokenRevoked>(authed.get<Poc>("/api/v1/pocs/p1").errorOrNull())
            assertEquals(2, server.requestCount)
            assertEquals(1, source.rejected.size)
        }

    @Test
    fun `an upload follows the presigned method and headers and reports progress`() =
        runBlocking<Unit> {
            server.enqueue(MockResponse.Builder().code(200).build())
            val bytes = ByteArray(200_000) { (it % 251).toByte() }
            val steps =
                client
                    .upload(
                        "PUT",
                        server.url("/bucket/key?X-Amz-Signature=abc").toString(),
                        mapOf("Content-Type" to "image/png"),
                        bytes.size.toLong(),
                        chunkSize = 64 * 1024,
                    ) { bytes.inputStream() }
                    .toList()
            val request = server.takeRequest(5, TimeUnit.SECONDS)!!
            assertEquals("PUT", request.method)
            assertEquals("image/png", request.headers["Content-Type"])
            assertEquals("abc", request.url.queryParameter("X-Amz-Signature"))
            assertNull(request.headers["Authorization"])
            assertEquals(bytes.size.toLong(), request.bodySize)
            assertTrue(request.body!!.toByteArray().contentEquals(bytes))
            val sent = steps.filterNot { it.done }.map { it.sent }
            assertEquals(listOf(65_536L, 131_072L, 196_608L, 200_000L), sent)
            assertTrue(steps.last().done)
        }

    @Test
    fun `a refused upload ends the flow with UploadFailed`() =
        runBlocking<Unit> {
            server.enqueue(
                MockResponse
                    .Builder()
                    .code(403)
                    .body("<Error>SignatureDoesNotMatch</Error>")
                    .build(),
            )
            val failure =
                runCatching {
                    client.upload("PUT", server.url("/bucket/key").toString(), emptyMap(), 3) { byteArrayOf(1, 2, 3).inputStream() }.toList()
                }.exceptionOrNull()
            assertEquals(403, assertIs<ApiError.Server>(assertIs<UploadFailed>(failure).error).status)
        }

    private class FakeTokens : AccessTokenSource {
        val rejected = mutableListOf<String>()

        override suspend fun accessToken(): ApiResult<String> = ApiResult.Ok("old")

        override suspend fun refreshAfterRejection(
            rejected: String,
            error: ApiError,
        ): ApiResult<String> {
            this.rejected += rejected
            return ApiResult.Ok("new")
        }
    }
}
