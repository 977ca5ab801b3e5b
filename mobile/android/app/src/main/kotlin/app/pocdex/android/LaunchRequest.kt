package app.pocdex.android

import android.content.Intent
import android.os.Bundle
import app.pocdex.android.push.JobNotifications
import app.pocdex.android.push.JobReadyNotice
import app.pocdex.core.state.DeepLink

/** What an intent asks the app to show: a mailed link, or the reports after a "ready" push. */
sealed interface LaunchRequest {
    data class Link(
        val link: DeepLink,
    ) : LaunchRequest

    data class Reports(
        val jobId: String?,
    ) : LaunchRequest

    companion object {
        /**
         * The request in [intent]: a VIEW link (pocdex://invite?token=, the https forms) read by
         * core's DeepLink parser; the app's own notification; or, when the system showed the push
         * while the app was in the background, the push's data in the launcher intent's extras.
         */
        fun from(intent: Intent?): LaunchRequest? {
            if (intent == null) return null
            if (intent.action == Intent.ACTION_VIEW) {
                return intent.dataString?.let(DeepLink::parse)?.let(::Link)
            }
            if (intent.action == JobNotifications.ACTION_OPEN_REPORTS) {
                return Reports(intent.getStringExtra(JobNotifications.EXTRA_JOB_ID))
            }
            val notice = intent.extras?.let { JobReadyNotice.parse(it.strings()) } ?: return null
            return Reports(notice.jobId)
        }

        private fun Bundle.strings(): Map<String, String?> = keySet().associateWith { key -> getString(key) }
    }
}
