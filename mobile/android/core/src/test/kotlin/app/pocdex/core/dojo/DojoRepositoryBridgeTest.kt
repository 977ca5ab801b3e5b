package app.pocdex.core.dojo

import app.pocdex.core.model.Dojo
import app.pocdex.core.model.DojoReplay
import app.pocdex.core.model.Snapshot
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.SignOutReason
import org.junit.jupiter.api.Test
import java.io.IOException
import kotlin.test.assertEquals
import kotlin.test.assertIs

class DojoRepositoryBridgeTest {
    private fun reason(error: ApiError) = assertIs<TicketRefusedException>(error.asTicketFailure()).reason

    @Test
    fun `final ticket refusals end the session and the rest is retried`() {
        assertEquals(EndReason.NOT_FOUND, reason(ApiError.Http(404, "dojo_not_found", "x")))
        assertEquals(EndReason.ACCESS_REMOVED, reason(ApiError.Http(403, "membership_revoked", "x")))
        assertEquals(EndReason.ORGANIZATION_SUSPENDED, reason(ApiError.Http(403, "tenant_suspended", "x")))
        assertEquals(EndReason.SIGNED_OUT, reason(ApiError.SignedOut(SignOutReason.SessionReused)))
        assertEquals(EndReason.ACCESS_REMOVED, reason(ApiError.SignedOut(SignOutReason.MembershipRevoked)))
        assertIs<IOException>(ApiError.Network("offline").asTicketFailure())
        assertIs<IOException>(ApiError.TenantNotReady(2, "wait").asTicketFailure())
        assertIs<IOException>(ApiError.Server(502, "bad_gateway", "x").asTicketFailure())
        assertIs<IOException>(ApiError.TokenRevoked("renewing").asTicketFailure())
    }

    @Test
    fun `a replay answer maps to a replay page field by field`() {
        val replay =
            DojoReplay(
                dojo = Dojo(id = "d1", title = "Boliche"),
                seq = 9,
                revision = 4,
                document = "abc",
                snapshots = listOf(Snapshot(revision = 2, seq = 5, at = "t", document = "ab")),
                events = emptyList(),
                nextAfterSeq = 7,
            )
        val page = replay.toReplayPage()
        assertEquals(ReplayPage("Boliche", 9, 4, "abc", listOf(ReplaySnapshot(2, 5, "t", "ab")), emptyList(), 7), page)
    }
}
