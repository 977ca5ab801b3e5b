package app.pocdex.core.dojo

import app.pocdex.core.data.DojoRepository
import app.pocdex.core.model.DojoReplay
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.SignOutReason
import java.io.IOException

/**
 * The ticket call as [DojoSession] takes it: the `url` of a fresh ticket, a [TicketRefusedException]
 * for refusals that are final, an [IOException] for anything worth retrying (offline, 5xx,
 * `tenant_not_ready`, a token being renewed).
 */
fun DojoRepository.ticketUrlSource(dojoId: String): suspend () -> String =
    {
        when (val result = ticket(dojoId)) {
            is ApiResult.Ok -> result.value.url
            is ApiResult.Err -> throw result.error.asTicketFailure()
        }
    }

/** The replay pages as [ReplayStateHolder] reads them. */
fun DojoRepository.replaySource(dojoId: String): ReplaySource =
    ReplaySource { afterSeq ->
        when (val result = replay(dojoId, afterSeq = afterSeq)) {
            is ApiResult.Ok -> result.value.toReplayPage()
            is ApiResult.Err -> throw result.error.asTicketFailure()
        }
    }

fun DojoReplay.toReplayPage(): ReplayPage =
    ReplayPage(
        title = dojo.title,
        seq = seq,
        revision = revision,
        document = document,
        snapshots = snapshots.map { ReplaySnapshot(it.revision, it.seq, it.at, it.document) },
        events = events,
        nextAfterSeq = nextAfterSeq,
    )

/** Which API failures end a dojo session for good, and which are retried. */
fun ApiError.asTicketFailure(): Exception =
    when (this) {
        is ApiError.Http -> {
            when {
                code == "membership_revoked" -> TicketRefusedException(EndReason.ACCESS_REMOVED, message)
                code == "tenant_suspended" -> TicketRefusedException(EndReason.ORGANIZATION_SUSPENDED, message)
                status == 404 || status == 403 || status == 410 -> TicketRefusedException(EndReason.NOT_FOUND, message)
                else -> TicketRefusedException(EndReason.PROTOCOL_ERROR, message)
            }
        }

        is ApiError.SignedOut -> {
            when (reason) {
                SignOutReason.MembershipRevoked -> TicketRefusedException(EndReason.ACCESS_REMOVED, null)
                SignOutReason.TenantSuspended -> TicketRefusedException(EndReason.ORGANIZATION_SUSPENDED, null)
                else -> TicketRefusedException(EndReason.SIGNED_OUT, null)
            }
        }

        is ApiError.Unauthorized -> {
            TicketRefusedException(EndReason.SIGNED_OUT, message)
        }

        is ApiError.TokenRevoked, is ApiError.TenantNotReady, is ApiError.Throttled, is ApiError.Server,
        is ApiError.Network, is ApiError.Decoding,
        -> {
            IOException("$code: $message")
        }
    }
