package app.pocdex.core.e2e

import app.pocdex.core.dojo.EndReason
import app.pocdex.core.dojo.ReplayPage
import app.pocdex.core.dojo.ReplaySnapshot
import app.pocdex.core.dojo.TicketRefusedException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import kotlinx.serialization.json.longOrNull
import kotlinx.serialization.json.put
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import okhttp3.RequestBody.Companion.toRequestBody
import java.io.IOException
import java.util.UUID
import java.util.concurrent.TimeUnit

/**
 * Small REST helpers for the dojo tests against the running platform (gateway and mail catcher):
 * sign up an organization, confirm the owner's address, invite and log in a member, schedule a
 * dojo, take tickets, read the replay. A 503 `tenant_not_ready` (and a 429 whose window is at most
 * 10 s) is retried after its Retry-After.
 */
class DojoTestGateway {
    val base: String = setting("pocdex.gateway.url", "POCDEX_GATEWAY_URL", "http://127.0.0.1:8000").trimEnd('/')
    private val mail: String = setting("pocdex.mail.url", "POCDEX_MAIL_URL", "http://127.0.0.1:8025").trimEnd('/')
    val http: OkHttpClient = OkHttpClient.Builder().callTimeout(30, TimeUnit.SECONDS).build()
    private val json = Json { ignoreUnknownKeys = true }
    private val verified =
        java.util.concurrent.ConcurrentHashMap
            .newKeySet<String>()

    data class Response(
        val status: Int,
        val body: JsonElement,
    ) {
        val obj: JsonObject get() = body.jsonObject
    }

    /** A person's session in one organization; [access] is renewed by [ticketUrl] as the app's session manager would. */
    class Member(
        @Volatile var access: String,
        val userId: String,
        val email: String,
        @Volatile var refresh: String,
    )

    data class Organization(
        val slug: String,
        val owner: Member,
    )

    fun call(
        method: String,
        path: String,
        body: JsonObject? = null,
        token: String? = null,
        language: String = "en",
    ): Response {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        while (true) {
            val request =
                Request
                    .Builder()
                    .url(base + path)
                    .header("Accept-Language", language)
                    .apply { if (token != null) header("Authorization", "Bearer $token") }
                    .method(method, requestBody(method, body))
                    .build()
            http.newCall(request).execute().use { response ->
                val text = response.body.string()
                val parsed =
                    if (text.isBlank()) JsonNull else runCatching { json.parseToJsonElement(text) }.getOrElse { JsonPrimitive(text) }
                val retryAfter = response.header("Retry-After")?.toLongOrNull()
                // 503 tenant_not_ready, and a short 429 throttle window: wait as told, then retry.
                val retryable = response.code == 503 || (response.code == 429 && (retryAfter ?: Long.MAX_VALUE) <= 10)
                if (retryable && retryAfter != null && System.nanoTime() < deadline) {
                    waitMillis(retryAfter.coerceIn(1, 5) * 1000)
                } else {
                    return Response(response.code, parsed)
                }
            }
        }
    }

    private fun requestBody(
        method: String,
        body: JsonObject?,
    ): RequestBody? =
        when {
            body != null -> body.toString().toRequestBody("application/json".toMediaType())
            method == "POST" -> ByteArray(0).toRequestBody()
            else -> null
        }

    fun signup(language: String = "en"): Organization {
        val suffix =
            UUID
                .randomUUID()
                .toString()
                .replace("-", "")
                .take(10)
        val email = "ana-$suffix@example.com"
        val response =
            call(
                "POST",
                "/api/v1/signup",
                buildJsonObject {
                    put("organization_name", "Android Dojo $suffix")
                    put("organization_slug", "android-dojo-$suffix")
                    put("owner_name", "Ana Android")
                    put("email", email)
                    put("password", PASSWORD)
                    put("locale", language)
                },
            )
        check(response.status == 201) { "signup: ${response.status} ${response.body}" }
        val access =
            response.obj
                .getValue("tokens")
                .jsonObject
                .getValue("access")
                .jsonPrimitive.content
        val userId =
            response.obj
                .getValue("user")
                .jsonObject
                .getValue("id")
                .jsonPrimitive.content
        val slug =
            response.obj
                .getValue("organization")
                .jsonObject
                .getValue("slug")
                .jsonPrimitive.content
        val refresh =
            response.obj
                .getValue("tokens")
                .jsonObject
                .getValue("refresh")
                .jsonPrimitive.content
        val owner = Member(access, userId, email, refresh)
        waitUntil("the organization is active") {
            call("GET", "/api/v1/me", token = access).let {
                it.status == 200 && it.obj
                    .getValue("organization")
                    .jsonObject
                    .getValue("status")
                    .jsonPrimitive.content == "active"
            }
        }
        waitUntil("the dojo service serves the organization") { call("GET", "/api/v1/dojos", token = access).status == 200 }
        return Organization(slug, owner)
    }

    /** Confirm the owner's address (only a confirmed inviter invites) and bring a second member in. */
    fun inviteMember(
        organization: Organization,
        name: String,
    ): Member {
        val owner = organization.owner
        if (verified.add(owner.email)) {
            val verify = call("POST", "/api/v1/auth/verify-email", buildJsonObject { put("token", codeFromMail(owner.email)) })
            check(verify.status == 204) { "verify-email: ${verify.status} ${verify.body}" }
        }
        val email = "${name.substringBefore(' ').lowercase()}-${UUID.randomUUID().toString().take(8)}@example.com"
        val invited = call("POST", "/api/v1/invitations", buildJsonObject { put("email", email) }, owner.access)
        check(invited.status == 201) { "invite: ${invited.status} ${invited.body}" }
        val accepted =
            call(
                "POST",
                "/api/v1/invitations/accept",
                buildJsonObject {
                    put("token", codeFromMail(email))
                    put("name", name)
                    put("password", PASSWORD)
                },
            )
        check(accepted.status == 200) { "accept: ${accepted.status} ${accepted.body}" }
        val login =
            call(
                "POST",
                "/api/v1/auth/token",
                buildJsonObject {
                    put("organization", organization.slug)
                    put("email", email)
                    put("password", PASSWORD)
                },
            )
        check(login.status == 200) { "login: ${login.status} ${login.body}" }
        val me =
            call(
                "GET",
                "/api/v1/me",
                token =
                    login.obj
                        .getValue("access")
                        .jsonPrimitive.content,
            )
        return Member(
            login.obj
                .getValue("access")
                .jsonPrimitive.content,
            me.obj
                .getValue("id")
                .jsonPrimitive.content,
            email,
            login.obj
                .getValue("refresh")
                .jsonPrimitive.content,
        )
    }

    /** Remove a member (by address) from the organization, as its owner. */
    fun removeMember(
        organization: Organization,
        email: String,
    ) {
        val members = call("GET", "/api/v1/members", token = organization.owner.access)
        check(members.status == 200) { "members: ${members.status} ${members.body}" }
        val membership =
            members.obj
                .getValue("results")
                .jsonArray
                .map { it.jsonObject }
                .single {
                    it
                        .getValue("user")
                        .jsonObject["email"]
                        ?.jsonPrimitive
                        ?.content == email
                }
        val id = membership.getValue("id").jsonPrimitive.content
        val removed = call("DELETE", "/api/v1/members/$id", token = organization.owner.access)
        check(removed.status == 204) { "remove member: ${removed.status} ${removed.body}" }
    }

    fun createDojo(
        token: String,
        title: String,
        copilotoMayEdit: Boolean = true,
    ): String {
        val response =
            call(
                "POST",
                "/api/v1/dojos",
                buildJsonObject {
                    put("title", title)
                    put("kata", "Boliche")
                    put("language", "Kotlin")
                    put("rotation_minutes", 30)
                    put("scheduled_at", "2030-01-01T19:00:00Z")
                    put("copiloto_may_edit", copilotoMayEdit)
                },
                token,
            )
        check(response.status == 201) { "create dojo: ${response.status} ${response.body}" }
        return response.obj
            .getValue("id")
            .jsonPrimitive.content
    }

    fun startDojo(
        token: String,
        dojoId: String,
    ) = check(call("POST", "/api/v1/dojos/$dojoId/start", token = token).status == 200)

    /**
     * What the app's ticket call does: 201 gives the URL; a 401 renews the access token once (as
     * the session manager does) and a refused renewal ends the session with its reason; 404/403
     * end it too; anything else is retried by the session.
     */
    suspend fun ticketUrl(
        member: Member,
        dojoId: String,
        language: String = "en",
    ): String =
        withContext(Dispatchers.IO) {
            var response = call("POST", "/api/v1/dojos/$dojoId/ticket", token = member.access, language = language)
            if (response.status == 401) {
                val renewed = call("POST", "/api/v1/auth/refresh", buildJsonObject { put("refresh", member.refresh) })
                if (renewed.status != 200) throw TicketRefusedException(endReasonOf(errorCode(renewed)))
                member.access =
                    renewed.obj
                        .getValue("access")
                        .jsonPrimitive.content
                member.refresh =
                    renewed.obj
                        .getValue("refresh")
                        .jsonPrimitive.content
                response = call("POST", "/api/v1/dojos/$dojoId/ticket", token = member.access, language = language)
            }
            when (response.status) {
                201 -> {
                    response.obj
                        .getValue("url")
                        .jsonPrimitive.content
                }

                404 -> {
                    throw TicketRefusedException(EndReason.NOT_FOUND)
                }

                401, 403 -> {
                    throw TicketRefusedException(endReasonOf(errorCode(response)))
                }

                else -> {
                    throw IOException("ticket: ${response.status}")
                }
            }
        }

    private fun errorCode(response: Response): String? =
        (response.body as? JsonObject)
            ?.get("error")
            ?.jsonObject
            ?.get("code")
            ?.jsonPrimitive
            ?.content

    private fun endReasonOf(code: String?): EndReason =
        when (code) {
            "membership_revoked" -> EndReason.ACCESS_REMOVED
            "tenant_suspended" -> EndReason.ORGANIZATION_SUSPENDED
            "dojo_not_found", "not_found" -> EndReason.NOT_FOUND
            else -> EndReason.SIGNED_OUT
        }

    /** One page of the replay, as the app's repository maps it. */
    fun replayPage(
        token: String,
        dojoId: String,
        afterSeq: Long,
        limit: Int = 200,
    ): ReplayPage {
        val response = call("GET", "/api/v1/dojos/$dojoId/replay?after_seq=$afterSeq&limit=$limit", token = token)
        if (response.status == 404) throw TicketRefusedException(EndReason.NOT_FOUND)
        check(response.status == 200) { "replay: ${response.status} ${response.body}" }
        val body = response.obj
        return ReplayPage(
            title =
                body
                    .getValue("dojo")
                    .jsonObject
                    .getValue("title")
                    .jsonPrimitive.content,
            seq = body.getValue("seq").jsonPrimitive.long,
            revision = body.getValue("revision").jsonPrimitive.int,
            document = body.getValue("document").jsonPrimitive.content,
            snapshots =
                body.getValue("snapshots").jsonArray.map {
                    val s = it.jsonObject
                    ReplaySnapshot(
                        s.getValue("revision").jsonPrimitive.int,
                        s.getValue("seq").jsonPrimitive.long,
                        s.getValue("at").jsonPrimitive.content,
                        s.getValue("document").jsonPrimitive.content,
                    )
                },
            events = body.getValue("events").jsonArray.map { it.jsonObject },
            nextAfterSeq = (body["next_after_seq"] as? JsonPrimitive)?.longOrNull,
        )
    }

    /** Every sequenced event of the dojo, all pages. */
    fun allEvents(
        token: String,
        dojoId: String,
    ): Pair<ReplayPage, List<JsonObject>> {
        val events = ArrayList<JsonObject>()
        var page = replayPage(token, dojoId, 0)
        val first = page
        while (true) {
            events.addAll(page.events)
            page = replayPage(token, dojoId, page.nextAfterSeq ?: break)
        }
        return first to events
    }

    /** The code a mail tells the person to paste: the line after a prompt ending with ":" that mentions a code. */
    fun codeFromMail(to: String): String {
        var found: String? = null
        waitUntil("a mail to $to") {
            val url = "$mail/api/messages".toHttpUrl().newBuilder().addQueryParameter("to", to).build()
            http.newCall(Request.Builder().url(url).build()).execute().use { response ->
                val messages = json.parseToJsonElement(response.body.string()) as? JsonArray ?: return@waitUntil false
                val text =
                    messages
                        .firstOrNull()
                        ?.jsonObject
                        ?.get("text")
                        ?.jsonPrimitive
                        ?.content ?: return@waitUntil false
                val lines = text.lines().map { it.trim() }
                found =
                    lines.indices
                        .firstOrNull { i ->
                            i + 1 < lines.size && lines[i].endsWith(":") &&
                                (lines[i].lowercase().contains("code") || lines[i].lowercase().contains("código"))
                        }?.let { lines[it + 1] }
                found != null
            }
        }
        return found!!
    }

    companion object {
        const val PASSWORD = "android-dojo-2026"

        private fun setting(
            property: String,
            env: String,
            default: String,
        ): String =
            System.getProperty(property)?.takeIf { it.isNotBlank() && !it.startsWith("\${") }
                ?: System.getenv(env)?.takeIf { it.isNotBlank() }
                ?: default

        /** Poll [condition] until it holds, up to a generous deadline (the platform is shared and busy). */
        fun waitUntil(
            what: String,
            timeoutMs: Long = 30_000,
            condition: () -> Boolean,
        ) {
            val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
            while (!condition()) {
                check(System.nanoTime() < deadline) { "timed out waiting for $what" }
                waitMillis(100)
            }
        }

        private fun waitMillis(ms: Long) = Thread.sleep(ms) // between polls only; never a wait for an outcome
    }
}
