package app.pocdex.core.data

import app.pocdex.core.model.Device
import app.pocdex.core.model.DeviceRegistration
import app.pocdex.core.model.Dojo
import app.pocdex.core.model.DojoInput
import app.pocdex.core.model.DojoReplay
import app.pocdex.core.model.DojoTicket
import app.pocdex.core.model.Invitation
import app.pocdex.core.model.InvitationCreate
import app.pocdex.core.model.Job
import app.pocdex.core.model.JobPage
import app.pocdex.core.model.Me
import app.pocdex.core.model.MeUpdate
import app.pocdex.core.model.Member
import app.pocdex.core.model.MemberUpdate
import app.pocdex.core.model.Participant
import app.pocdex.core.model.ReportRequest
import app.pocdex.core.model.TotpConfirm
import app.pocdex.core.model.TotpEnabled
import app.pocdex.core.model.TotpStart
import app.pocdex.core.model.VideoRequest
import app.pocdex.core.network.ApiClient
import app.pocdex.core.network.ApiResult
import io.ktor.http.HttpMethod

/** Dojos over REST (the live session goes through the WebSocket ticket). */
class DojoRepository(
    private val api: ApiClient,
) {
    suspend fun list(state: String? = null): ApiResult<List<Dojo>> =
        api.getList("/api/v1/dojos", Dojo.serializer(), state?.let { listOf("state" to it) } ?: emptyList())

    suspend fun get(id: String): ApiResult<Dojo> = api.get<Dojo>("/api/v1/dojos/$id")

    suspend fun schedule(input: DojoInput): ApiResult<Dojo> = api.post<DojoInput, Dojo>("/api/v1/dojos", input)

    suspend fun update(
        id: String,
        input: DojoInput,
    ): ApiResult<Dojo> = api.patch<DojoInput, Dojo>("/api/v1/dojos/$id", input)

    suspend fun delete(id: String): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/dojos/$id")

    suspend fun start(id: String): ApiResult<Dojo> = api.postEmpty<Dojo>("/api/v1/dojos/$id/start")

    suspend fun end(id: String): ApiResult<Dojo> = api.postEmpty<Dojo>("/api/v1/dojos/$id/end")

    suspend fun join(id: String): ApiResult<Participant> = api.postEmpty<Participant>("/api/v1/dojos/$id/join")

    /** A one-time ticket for the dojo's WebSocket. */
    suspend fun ticket(id: String): ApiResult<DojoTicket> = api.postEmpty<DojoTicket>("/api/v1/dojos/$id/ticket")

    suspend fun replay(
        id: String,
        afterSeq: Long? = null,
        limit: Int? = null,
    ): ApiResult<DojoReplay> =
        api.get<DojoReplay>(
            "/api/v1/dojos/$id/replay",
            buildList {
                afterSeq?.let { add("after_seq" to it.toString()) }
                limit?.let { add("limit" to it.toString()) }
            },
        )
}

/** Report and year-video jobs of the media service. */
class MediaRepository(
    private val api: ApiClient,
) {
    suspend fun requestReport(request: ReportRequest): ApiResult<Job> = api.post<ReportRequest, Job>("/api/v1/reports", request)

    suspend fun report(id: String): ApiResult<Job> = api.get<Job>("/api/v1/reports/$id")

    suspend fun reports(cursor: String? = null): ApiResult<JobPage> = api.get<JobPage>("/api/v1/reports", cursor?.let { listOf("cursor" to it) } ?: emptyList())

    suspend fun requestVideo(request: VideoRequest): ApiResult<Job> = api.post<VideoRequest, Job>("/api/v1/videos", request)

    suspend fun video(id: String): ApiResult<Job> = api.get<Job>("/api/v1/videos/$id")

    suspend fun videos(cursor: String? = null): ApiResult<JobPage> = api.get<JobPage>("/api/v1/videos", cursor?.let { listOf("cursor" to it) } ?: emptyList())

    /** The job again, by its kind. */
    suspend fun job(job: Job): ApiResult<Job> = if (job.kind == "video") video(job.id) else report(job.id)

    /** The bytes of a finished job's file (presigned URL, no token). */
    suspend fun download(url: String): ApiResult<ByteArray> = api.download(url)
}

/** Members and invitations of the current organization (owners and admins manage them). */
class OrganizationRepository(
    private val api: ApiClient,
) {
    suspend fun members(): ApiResult<List<Member>> = api.getList("/api/v1/members", Member.serializer())

    suspend fun changeRole(
        memberId: String,
        role: String,
    ): ApiResult<Member> = api.patch<MemberUpdate, Member>("/api/v1/members/$memberId", MemberUpdate(role))

    suspend fun remove(memberId: String): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/members/$memberId")

    suspend fun invitations(): ApiResult<List<Invitation>> = api.getList("/api/v1/invitations", Invitation.serializer())

    suspend fun invite(
        email: String,
        role: String,
    ): ApiResult<Invitation> = api.post<InvitationCreate, Invitation>("/api/v1/invitations", InvitationCreate(email.trim(), role))

    suspend fun revokeInvitation(id: String): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/invitations/$id")
}

/** The signed-in person: profile, language and two-factor. */
class ProfileRepository(
    private val api: ApiClient,
) {
    suspend fun me(): ApiResult<Me> = api.get<Me>("/api/v1/me")

    suspend fun update(update: MeUpdate): ApiResult<Me> = api.patch<MeUpdate, Me>("/api/v1/me", update)

    suspend fun startTotp(): ApiResult<TotpStart> = api.postEmpty<TotpStart>("/api/v1/me/totp")

    suspend fun confirmTotp(code: String): ApiResult<TotpEnabled> = api.post<TotpConfirm, TotpEnabled>("/api/v1/me/totp/confirm", TotpConfirm(code.trim()))

    suspend fun disableTotp(): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/me/totp")
}

/** Push devices of the signed-in person in this organization. */
class DeviceRepository(
    private val api: ApiClient,
) {
    suspend fun register(registration: DeviceRegistration): ApiResult<Device> = api.post<DeviceRegistration, Device>("/api/v1/devices", registration)

    suspend fun list(): ApiResult<List<Device>> = api.getList("/api/v1/devices", Device.serializer())

    suspend fun delete(id: String): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/devices/$id")
}
