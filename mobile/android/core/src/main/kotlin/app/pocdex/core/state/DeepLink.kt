package app.pocdex.core.state

import java.net.URI
import java.net.URLDecoder

/**
 * The links the platform mails: `pocdex://invite?token=…` and the https forms the mails carry
 * (`/invitations/accept?token=`, `/verify-email?token=`, `/reset-password?token=`).
 */
sealed interface DeepLink {
    val token: String

    data class Invitation(
        override val token: String,
    ) : DeepLink

    data class VerifyEmail(
        override val token: String,
    ) : DeepLink

    data class ResetPassword(
        override val token: String,
    ) : DeepLink

    companion object {
        fun parse(link: String): DeepLink? {
            val uri = runCatching { URI(link.trim()) }.getOrNull() ?: return null
            val scheme = uri.scheme?.lowercase() ?: return null
            val token = tokenOf(uri.rawQuery) ?: return null
            val route =
                when (scheme) {
                    "pocdex" -> (uri.host ?: uri.schemeSpecificPart.substringBefore('?').trim('/')).lowercase() + (uri.path ?: "")
                    "https", "http" -> (uri.path ?: "").trim('/').lowercase()
                    else -> return null
                }.trim('/')
            return when (route) {
                "invite", "invitations/accept", "invitation" -> Invitation(token)
                "verify-email" -> VerifyEmail(token)
                "reset-password" -> ResetPassword(token)
                else -> null
            }
        }

        private fun tokenOf(rawQuery: String?): String? =
            rawQuery
                ?.split('&')
                ?.map { it.split('=', limit = 2) }
                ?.firstOrNull { it.size == 2 && it[0] == "token" }
                ?.let { runCatching { URLDecoder.decode(it[1], "UTF-8") }.getOrNull() }
                ?.trim()
                ?.takeIf { it.isNotEmpty() && it.length <= 1024 }
    }
}
