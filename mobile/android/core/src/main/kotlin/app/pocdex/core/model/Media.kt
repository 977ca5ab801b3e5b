package app.pocdex.core.model

import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.JsonObject

object JobStatuses {
    const val QUEUED = "queued"
    const val RUNNING = "running"
    const val SUCCEEDED = "succeeded"
    const val FAILED = "failed"

    fun isFinished(status: String): Boolean = status == SUCCEEDED || status == FAILED
}

object JobKinds {
    const val REPORT = "report"
    const val VIDEO = "video"
}

object ReportFormats {
    const val PDF = "pdf"
    const val CSV = "csv"
}

object VideoFormats {
    const val VERTICAL = "vertical"
    const val SQUARE = "square"
}

/** Media spells its languages in lower case. */
object MediaLanguages {
    const val PT_BR = "pt-br"
    const val EN = "en"

    fun fromLocale(locale: String): String = if (locale.lowercase().startsWith("pt")) PT_BR else EN
}

@Serializable
data class JobError(
    val code: String = "",
    val message: String = "",
)

@Serializable
data class JobFile(
    val format: String,
    @SerialName("content_type") val contentType: String = "",
    val size: Long = 0,
    val filename: String = "",
    val url: String,
    @SerialName("expires_at") val expiresAt: String = "",
)

@Serializable
data class Job(
    val id: String,
    val kind: String,
    val status: String,
    val progress: Int = 0,
    val scope: String = "me",
    val language: String = MediaLanguages.EN,
    val parameters: JsonObject? = null,
    val error: JobError? = null,
    val warnings: List<String> = emptyList(),
    val files: List<JobFile> = emptyList(),
    @SerialName("created_at") val createdAt: String = "",
    @SerialName("started_at") val startedAt: String? = null,
    @SerialName("finished_at") val finishedAt: String? = null,
) {
    val isFinished: Boolean get() = JobStatuses.isFinished(status)
}

@Serializable
data class JobPage(
    val results: List<Job> = emptyList(),
    val next: String? = null,
)

@Serializable
data class ReportRequest(
    @SerialName("from") val from: String,
    val to: String,
    val scope: String? = null,
    val language: String? = null,
    val formats: List<String>? = null,
)

@Serializable
data class VideoRequest(
    val year: Int,
    val scope: String? = null,
    val format: String? = null,
    val language: String? = null,
    val exclude: List<String>? = null,
)
