package app.pocdex.core.network

import app.pocdex.core.PocdexCore
import io.ktor.client.HttpClient
import io.ktor.client.engine.HttpClientEngine
import io.ktor.client.plugins.HttpTimeout
import io.ktor.client.request.header
import io.ktor.client.request.request
import io.ktor.client.request.setBody
import io.ktor.client.request.url
import io.ktor.client.statement.bodyAsBytes
import io.ktor.client.statement.bodyAsText
import io.ktor.http.ContentType
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpMethod
import io.ktor.http.URLBuilder
import io.ktor.http.content.OutgoingContent
import io.ktor.http.content.TextContent
import io.ktor.http.takeFrom
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.writeFully
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.channels.ProducerScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.channelFlow
import kotlinx.serialization.KSerializer
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.serializer

/** Where the API client gets the access token from; the [app.pocdex.core.auth.SessionManager] implements it. */
interface AccessTokenSource {
    /** A valid access token (refreshed first when it is about to expire), or the reason there is none. */
    suspend fun accessToken(): ApiResult<String>

    /**
     * The server refused [rejected] with [error]: refresh once (sharing a refresh already in flight)
     * and answer the new token, or the reason the session ended.
     */
    suspend fun refreshAfterRejection(
        rejected: String,
        error: ApiError,
    ): ApiResult<String>
}

/** The one JSON configuration of the app: unknown keys ignored, nulls omitted from bodies. */
val PocdexJson: Json =
    Json {
        ignoreUnknownKeys = true
        explicitNulls = false
        encodeDefaults = true
        coerceInputValues = true
        isLenient = false
    }

/** A raw answer of the platform. */
class RawResponse(
    val status: Int,
    val body: String,
    val headers: Map<String, String>,
)

/** One upload progress step: [sent] of [total] bytes; [done] once the storage answered 2xx. */
data class UploadProgress(
    val sent: Long,
    val total: Long,
    val done: Boolean = false,
)

/**
 * The Pocdex API over Ktor. The engine is injected (OkHttp on Android, CIO or OkHttp in tests),
 * every call answers an [ApiResult], `tenant_not_ready` is retried honoring Retry-After within a bound,
 * and an authenticated call refused with an expired or revoked token is retried once after a refresh.
 */
class ApiClient private constructor(
    baseUrl: String,
    val http: HttpClient,
    private val tokens: AccessTokenSource?,
    private val language: () -> String,
    private val notReadyRetries: Int,
    private val maxRetryAfterMillis: Long,
    val json: Json,
) {
    constructor(
        baseUrl: String = PocdexCore.DEFAULT_BASE_URL,
        engine: HttpClientEngine,
        tokens: AccessTokenSource? = null,
        language: () -> String = { "en" },
        notReadyRetries: Int = 8,
        maxRetryAfterMillis: Long = 2_000,
        json: Json = PocdexJson,
    ) : this(baseUrl, httpClient(engine), tokens, language, notReadyRetries, maxRetryAfterMillis, json)

    val baseUrl: String = baseUrl.trimEnd('/')

    /** The same client (one HTTP connection pool) with a token source. */
    fun withTokens(source: AccessTokenSource): ApiClient = ApiClient(baseUrl, http, source, language, notReadyRetries, maxRetryAfterMillis, json)

    suspend inline fun <reified T> get(
        path: String,
        query: List<Pair<String, String>> = emptyList(),
        auth: Boolean = true,
    ): ApiResult<T> = call(HttpMethod.Get, path, query, null, auth, serializer<T>())

    suspend inline fun <reified B, reified T> post(
        path: String,
        body: B,
        auth: Boolean = true,
    ): ApiResult<T> = call(HttpMethod.Post, path, emptyList(), json.encodeToString(serializer<B>(), body), auth, serializer<T>())

    suspend inline fun <reified T> postEmpty(
        path: String,
        auth: Boolean = true,
    ): ApiResult<T> = call(HttpMethod.Post, path, emptyList(), "", auth, serializer<T>())

    suspend inline fun <reified B, reified T> patch(
        path: String,
        body: B,
    ): ApiResult<T> = call(HttpMethod.Patch, path, emptyList(), json.encodeToString(serializer<B>(), body), true, serializer<T>())

    suspend inline fun <reified B, reified T> put(
        path: String,
        body: B,
    ): ApiResult<T> = call(HttpMethod.Put, path, emptyList(), json.encodeToString(serializer<B>(), body), true, serializer<T>())

    /** A call whose answer has no body worth decoding (204, 202). */
    suspend fun send(
        method: HttpMethod,
        path: String,
        body: String? = null,
        auth: Boolean = true,
    ): ApiResult<Unit> =
        when (val raw = execute(method, path, emptyList(), body, auth)) {
            is ApiResult.Ok -> ApiResult.Ok(Unit)
            is ApiResult.Err -> raw
        }

    suspend fun <T> call(
        method: HttpMethod,
        path: String,
        query: List<Pair<String, String>>,
        body: String?,
        auth: Boolean,
        deserializer: KSerializer<T>,
    ): ApiResult<T> =
        when (val raw = execute(method, path, query, body, auth)) {
            is ApiResult.Err -> raw
            is ApiResult.Ok -> decode(raw.value.body, deserializer)
        }

    /** Decodes a list that the server answers either as an array or as a page `{"results": [...]}`. */
    suspend fun <T> getList(
        path: String,
        deserializer: KSerializer<T>,
        query: List<Pair<String, String>> = emptyList(),
        auth: Boolean = true,
    ): ApiResult<List<T>> =
        when (val raw = execute(HttpMethod.Get, path, query, null, auth)) {
            is ApiResult.Err -> {
                raw
            }

            is ApiResult.Ok -> {
                try {
                    val element = json.parseToJsonElement(raw.value.body)
                    val array =
                        when (element) {
                            is JsonArray -> element
                            is JsonObject -> element["results"] as? JsonArray ?: JsonArray(emptyList())
                            else -> JsonArray(emptyList())
                        }
                    ApiResult.Ok(array.map { json.decodeFromJsonElement(deserializer, it) })
                } catch (e: Exception) {
                    ApiResult.Err(ApiError.Decoding(e.message ?: "invalid list"))
                }
            }
        }

    fun <T> decode(
        body: String,
        deserializer: KSerializer<T>,
    ): ApiResult<T> =
        try {
            @Suppress("UNCHECKED_CAST")
            if (deserializer.descriptor.serialName == "kotlin.Unit") {
                ApiResult.Ok(Unit as T)
            } else {
                ApiResult.Ok(json.decodeFromString(deserializer, body))
            }
        } catch (e: Exception) {
            ApiResult.Err(ApiError.Decoding(e.message ?: "invalid body"))
        }

    /** One API request with the retry rules; never throws except for cancellation. */
    suspend fun execute(
        method: HttpMethod,
        path: String,
        query: List<Pair<String, String>>,
        body: String?,
        auth: Boolean,
    ): ApiResult<RawResponse> {
        var token: String? = null
        if (auth) {
            val source = tokens ?: return ApiResult.Err(ApiError.SignedOut(SignOutReason.LoggedOut))
            when (val current = source.accessToken()) {
                is ApiResult.Ok -> token = current.value
                is ApiResult.Err -> return current
            }
        }
        var refreshed = false
        var notReady = 0
        while (true) {
            val raw =
                try {
                    sendOnce(method, url(path, query), body, token)
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    return ApiResult.Err(ApiError.Network(e.message ?: e::class.simpleName ?: "network"))
                }
            if (raw.status in 200..299) return ApiResult.Ok(raw)
            val error = errorOf(raw)
            if (error is ApiError.TenantNotReady && notReady < notReadyRetries) {
                notReady++
                delay((error.retryAfterSeconds * 1000).coerceIn(100, maxRetryAfterMillis))
                continue
            }
            if (auth && !refreshed && token != null && needsRefresh(error)) {
                refreshed = true
                when (val renewed = tokens!!.refreshAfterRejection(token, error)) {
                    is ApiResult.Ok -> {
                        token = renewed.value
                        continue
                    }

                    is ApiResult.Err -> {
                        return renewed
                    }
                }
            }
            return ApiResult.Err(error)
        }
    }

    /**
     * Sends [size] bytes to a presigned URL exactly as the pocs API describes it (method and headers),
     * emitting progress as chunks are written. Ends with a `done` step, or throws [UploadFailed].
     */
    fun upload(
        method: String,
        url: String,
        headers: Map<String, String>,
        size: Long,
        chunkSize: Int = 64 * 1024,
        open: () -> java.io.InputStream,
    ): Flow<UploadProgress> =
        channelFlow {
            val contentType = headers.entries.firstOrNull { it.key.equals(HttpHeaders.ContentType, true) }?.value
            val content = ProgressContent(size, contentType, chunkSize, open, this)
            val response =
                try {
                    http.request {
                        this.method = HttpMethod.parse(method.uppercase())
                        url(url)
                        headers.forEach { (k, v) -> if (!k.equals(HttpHeaders.ContentType, true)) header(k, v) }
                        setBody(content)
                    }
                } catch (e: CancellationException) {
                    throw e
                } catch (e: Exception) {
                    throw UploadFailed(ApiError.Network(e.message ?: "upload failed"))
                }
            if (response.status.value !in 200..299) {
                throw UploadFailed(ApiError.Server(response.status.value, "upload_failed", response.bodyAsText().take(200)))
            }
            send(UploadProgress(size, size, done = true))
        }

    /** Downloads an absolute URL (a report file's presigned URL) without the API's token. */
    suspend fun download(url: String): ApiResult<ByteArray> =
        try {
            val response = http.request(url)
            if (response.status.value in 200..299) {
                ApiResult.Ok(response.bodyAsBytes())
            } else {
                ApiResult.Err(ApiError.Server(response.status.value, "download_failed", response.status.description))
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            ApiResult.Err(ApiError.Network(e.message ?: "download failed"))
        }

    fun close() = http.close()

    private fun url(
        path: String,
        query: List<Pair<String, String>>,
    ): String {
        val builder = URLBuilder().takeFrom(if (path.startsWith("http")) path else baseUrl + path)
        query.forEach { (k, v) -> builder.parameters.append(k, v) }
        return builder.buildString()
    }

    private suspend fun sendOnce(
        method: HttpMethod,
        url: String,
        body: String?,
        token: String?,
    ): RawResponse {
        val response =
            http.request {
                this.method = method
                url(url)
                header(HttpHeaders.Accept, "application/json")
                header(HttpHeaders.AcceptLanguage, language())
                if (token != null) header(HttpHeaders.Authorization, "Bearer $token")
                if (body != null) setBody(TextContent(body, ContentType.Application.Json))
            }
        val headers = response.headers.entries().associate { it.key.lowercase() to it.value.joinToString(",") }
        return RawResponse(response.status.value, response.bodyAsText(), headers)
    }

    private fun needsRefresh(error: ApiError): Boolean =
        error is ApiError.TokenRevoked ||
            (error is ApiError.Unauthorized && error.code in REFRESHABLE)

    companion object {
        private fun httpClient(engine: HttpClientEngine): HttpClient =
            HttpClient(engine) {
                expectSuccess = false
                followRedirects = true
                install(HttpTimeout) {
                    requestTimeoutMillis = 30_000
                    connectTimeoutMillis = 10_000
                }
            }

        /** 401 codes a refreshed access token can cure. */
        val REFRESHABLE: Set<String> = setOf("token_expired", "token_revoked", "token_unknown_key", "not_authenticated")

        /** Maps an error answer to [ApiError] following the contract. */
        fun errorOf(raw: RawResponse): ApiError {
            var code = ""
            var message = ""
            var fields: Map<String, List<FieldError>> = emptyMap()
            try {
                val error = PocdexJson.parseToJsonElement(raw.body).jsonObject["error"]?.jsonObject
                if (error != null) {
                    code = error["code"]?.jsonPrimitive?.contentOrNull ?: ""
                    message = error["message"]?.jsonPrimitive?.contentOrNull ?: ""
                    val f = error["fields"] as? JsonObject
                    if (f != null) fields = f.mapValues { (_, v) -> fieldErrors(v) }
                }
            } catch (_: Exception) {
                // Not the contract (a proxy's HTML page …): keep status-based mapping below.
            }
            val retryAfter = raw.headers["retry-after"]?.trim()?.toLongOrNull() ?: 1
            return when {
                raw.status == 503 && code == "tenant_not_ready" -> ApiError.TenantNotReady(retryAfter, message)
                raw.status == 401 && code == "token_revoked" -> ApiError.TokenRevoked(message)
                raw.status == 401 -> ApiError.Unauthorized(code.ifEmpty { "unauthorized" }, message)
                raw.status == 429 -> ApiError.Throttled(retryAfter, message)
                raw.status >= 500 -> ApiError.Server(raw.status, code.ifEmpty { "server_error" }, message)
                else -> ApiError.Http(raw.status, code.ifEmpty { "http_${raw.status}" }, message, fields)
            }
        }

        private fun fieldErrors(value: JsonElement): List<FieldError> =
            when (value) {
                is JsonArray -> {
                    value.map { item ->
                        when (item) {
                            is JsonObject -> {
                                FieldError(
                                    item["code"]?.jsonPrimitive?.contentOrNull ?: "",
                                    item["message"]?.jsonPrimitive?.contentOrNull ?: "",
                                )
                            }

                            else -> {
                                FieldError("invalid", item.jsonPrimitive.contentOrNull ?: "")
                            }
                        }
                    }
                }

                is JsonObject -> {
                    value.entries.flatMap { fieldErrors(it.value) }
                }

                else -> {
                    listOf(FieldError("invalid", value.jsonPrimitive.contentOrNull ?: ""))
                }
            }
    }
}

/** An upload to storage failed; carried by the progress flow. */
class UploadFailed(
    val error: ApiError,
) : Exception(error.message)

private class ProgressContent(
    private val size: Long,
    contentType: String?,
    private val chunkSize: Int,
    private val open: () -> java.io.InputStream,
    private val progress: ProducerScope<UploadProgress>,
) : OutgoingContent.WriteChannelContent() {
    override val contentLength: Long = size
    override val contentType: ContentType? = contentType?.let { ContentType.parse(it) }

    override suspend fun writeTo(channel: ByteWriteChannel) {
        var sent = 0L
        open().use { input ->
            val buffer = ByteArray(chunkSize)
            while (true) {
                val read = input.read(buffer)
                if (read < 0) break
                channel.writeFully(buffer, 0, read)
                channel.flush()
                sent += read
                progress.send(UploadProgress(sent, size))
            }
        }
    }
}
