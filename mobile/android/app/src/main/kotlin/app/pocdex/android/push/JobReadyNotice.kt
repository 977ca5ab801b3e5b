package app.pocdex.android.push

/**
 * The data of a "your report/video is ready" push (accounts' media-ready message): the app opens
 * the reports screen with it. Plain Kotlin, read from the FCM data map or from the extras of the
 * launcher intent when the system showed the notification while the app was in the background.
 */
data class JobReadyNotice(
    val kind: Kind,
    val jobId: String?,
    val organizationId: String?,
) {
    enum class Kind { Report, Video }

    companion object {
        const val TYPE = "media.ready"

        /** The notice in [data], or null when it is another message or incomplete. */
        fun parse(data: Map<String, String?>): JobReadyNotice? {
            if (data["type"] != TYPE) return null
            val kind =
                when (data["kind"]) {
                    "report" -> Kind.Report
                    "video" -> Kind.Video
                    else -> return null
                }
            return JobReadyNotice(
                kind = kind,
                jobId = data["job_id"]?.takeIf { it.isNotBlank() },
                organizationId = data["organization_id"]?.takeIf { it.isNotBlank() },
            )
        }
    }
}
