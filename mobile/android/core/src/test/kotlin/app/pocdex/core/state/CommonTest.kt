package app.pocdex.core.state

import app.pocdex.core.network.ApiError
import app.pocdex.core.network.FieldError
import app.pocdex.core.network.SignOutReason
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class CommonTest {
    @Test
    fun `API errors map to the kinds the screens show`() {
        assertEquals(ErrorKind.Network, UiError.from(ApiError.Network("down")).kind)
        assertEquals(ErrorKind.InvalidCredentials, UiError.from(ApiError.Unauthorized("invalid_credentials", "Wrong.")).kind)
        assertEquals(ErrorKind.OtpInvalid, UiError.from(ApiError.Unauthorized("otp_invalid", "Wrong code.")).kind)
        assertEquals(ErrorKind.Gone, UiError.from(ApiError.Http(410, "restore_window_passed", "Too late.")).kind)
        assertEquals(ErrorKind.Conflict, UiError.from(ApiError.Http(409, "last_owner", "One owner.")).kind)
        assertEquals(ErrorKind.TenantNotReady, UiError.from(ApiError.TenantNotReady(1, "Preparing.")).kind)
        val ended = UiError.from(ApiError.SignedOut(SignOutReason.SessionReused))
        assertEquals(ErrorKind.SessionEnded, ended.kind)
        assertEquals(SignOutReason.SessionReused, ended.signOutReason)
        val validation = ApiError.Http(400, "validation_error", "Invalid.", mapOf("x" to listOf(FieldError("required", "Required."))))
        assertEquals(ErrorKind.Validation, UiError.from(validation).kind)
        assertEquals("Invalid.", UiError.from(validation).message)
    }

    @Test
    fun `field errors are keyed by their top-level field, first message each`() {
        val error =
            ApiError.Http(
                400,
                "validation_error",
                "Invalid.",
                mapOf(
                    "links.1.url" to listOf(FieldError("invalid", "Bad URL.")),
                    "links.0.title" to listOf(FieldError("max_length", "Too long.")),
                    "name" to listOf(FieldError("required", "Required."), FieldError("other", "Other.")),
                ),
            )
        val fields = fieldErrorsOf(error)
        assertEquals(setOf("links", "name"), fields.keys)
        assertEquals("required", fields["name"]!!.code)
        assertTrue(fieldErrorsOf(ApiError.Network("down")).isEmpty())
    }

    @Test
    fun `organization slugs come from names`() {
        assertEquals("acao-e-reacao", slugify("Ação e Reação!"))
        assertEquals("pocdex-labs", slugify("  --Pocdex   Labs-- "))
        assertEquals(63, slugify("a".repeat(100)).length)
        assertEquals("", slugify("!!!"))
    }
}
