package app.pocdex.core.auth

import app.pocdex.core.network.PocdexJson
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import java.util.Base64

/** The claims of an access token the app reads (it does not verify the signature: the server does). */
data class AccessClaims(
    val subject: String,
    val tenant: String,
    val role: String,
    val name: String,
    val issuedAt: Long,
    val expiresAt: Long,
    val session: String?,
) {
    val isOwner: Boolean get() = role == "owner"
    val canManageMembers: Boolean get() = role == "owner" || role == "admin"

    companion object {
        /** Reads the payload of a JWT; null when it is not one. */
        fun parse(token: String): AccessClaims? =
            try {
                val payload = token.split('.').getOrNull(1) ?: return null
                val json = String(Base64.getUrlDecoder().decode(payload.padEnd((payload.length + 3) / 4 * 4, '=')))
                val claims = PocdexJson.parseToJsonElement(json) as JsonObject

                fun text(name: String) = claims[name]?.jsonPrimitive?.contentOrNull

                fun number(name: String) = claims[name]?.jsonPrimitive?.longOrNull
                AccessClaims(
                    subject = text("sub") ?: "",
                    tenant = text("tid") ?: "",
                    role = text("role") ?: "",
                    name = text("name") ?: "",
                    issuedAt = number("iat") ?: 0,
                    expiresAt = number("exp") ?: return null,
                    session = text("sid"),
                )
            } catch (_: Exception) {
                null
            }
    }
}
