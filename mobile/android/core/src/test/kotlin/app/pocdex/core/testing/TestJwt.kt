package app.pocdex.core.testing

import java.util.Base64

/** Unsigned JWT-shaped tokens for tests (the client reads claims, the server verifies signatures). */
object TestJwt {
    private val encoder = Base64.getUrlEncoder().withoutPadding()

    fun access(
        expiresAt: Long,
        subject: String = "00000000-0000-0000-0000-000000000001",
        tenant: String = "00000000-0000-0000-0000-0000000000aa",
        role: String = "owner",
        name: String = "Ana",
        id: String =
            java.util.UUID
                .randomUUID()
                .toString(),
    ): String {
        val header = encoder.encodeToString("""{"alg":"RS256","typ":"at+jwt"}""".toByteArray())
        val payload =
            encoder.encodeToString(
                """{"sub":"$subject","tid":"$tenant","role":"$role","name":"$name","iat":${expiresAt - 600},"exp":$expiresAt,"jti":"$id","sid":"s1"}"""
                    .toByteArray(),
            )
        return "$header.$payload.c2lnbmF0dXJl"
    }

    fun pairJson(
        access: String,
        refresh: String,
    ): String = """{"access":"$access","refresh":"$refresh","token_type":"Bearer","expires_in":600,"refresh_expires_at":"2027-01-01T00:00:00Z"}"""
}
