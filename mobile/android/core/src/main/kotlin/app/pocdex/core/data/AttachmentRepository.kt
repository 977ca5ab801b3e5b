package app.pocdex.core.data

import app.pocdex.core.model.Attachment
import app.pocdex.core.model.AttachmentCreate
import app.pocdex.core.network.ApiClient
import app.pocdex.core.network.ApiError
import app.pocdex.core.network.ApiResult
import app.pocdex.core.network.UploadFailed
import io.ktor.http.HttpMethod
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import java.io.InputStream

/** One step of an attachment upload, for a progress bar. */
sealed interface UploadStep {
    data object Creating : UploadStep

    data class Sending(
        val sent: Long,
        val total: Long,
    ) : UploadStep {
        val fraction: Float get() = if (total <= 0) 0f else (sent.toFloat() / total).coerceIn(0f, 1f)
    }

    data object Completing : UploadStep

    data class Done(
        val attachment: Attachment,
    ) : UploadStep

    data class Failed(
        val error: ApiError,
    ) : UploadStep
}

/**
 * Attachments go straight to storage: the pocs API answers a presigned request (PUT with the
 * Content-Type header it names), the app sends the bytes there, then confirms with `complete`.
 */
class AttachmentRepository(
    private val api: ApiClient,
) {
    suspend fun list(pocId: String): ApiResult<List<Attachment>> = api.getList("/api/v1/pocs/$pocId/attachments", Attachment.serializer())

    /** The attachment with a presigned GET in `download` (open or share it). */
    suspend fun download(
        pocId: String,
        attachmentId: String,
    ): ApiResult<Attachment> = api.get<Attachment>("/api/v1/pocs/$pocId/attachments/$attachmentId")

    suspend fun delete(
        pocId: String,
        attachmentId: String,
    ): ApiResult<Unit> = api.send(HttpMethod.Delete, "/api/v1/pocs/$pocId/attachments/$attachmentId")

    /** Creates the attachment, sends the bytes with progress and completes it. Ends with Done or Failed. */
    fun upload(
        pocId: String,
        filename: String,
        contentType: String,
        size: Long,
        open: () -> InputStream,
    ): Flow<UploadStep> =
        flow {
            emit(UploadStep.Creating)
            val created =
                when (
                    val answer =
                        api.post<AttachmentCreate, Attachment>(
                            "/api/v1/pocs/$pocId/attachments",
                            AttachmentCreate(filename, contentType, size),
                        )
                ) {
                    is ApiResult.Err -> {
                        emit(UploadStep.Failed(answer.error))
                        return@flow
                    }

                    is ApiResult.Ok -> {
                        answer.value
                    }
                }
            val target = created.upload
            if (target == null) {
                emit(UploadStep.Failed(ApiError.Decoding("no presigned upload in the answer")))
                return@flow
            }
            try {
                api.upload(target.method, target.url, target.headers, size, open = open).collect { progress ->
                    if (!progress.done) emit(UploadStep.Sending(progress.sent, progress.total))
                }
            } catch (e: CancellationException) {
                throw e
            } catch (e: UploadFailed) {
                emit(UploadStep.Failed(e.error))
                return@flow
            } catch (e: Exception) {
                emit(UploadStep.Failed(ApiError.Network(e.message ?: "upload failed")))
                return@flow
            }
            emit(UploadStep.Sending(size, size))
            emit(UploadStep.Completing)
            when (val done = api.postEmpty<Attachment>("/api/v1/pocs/$pocId/attachments/${created.id}/complete")) {
                is ApiResult.Ok -> emit(UploadStep.Done(done.value))
                is ApiResult.Err -> emit(UploadStep.Failed(done.error))
            }
        }
}
