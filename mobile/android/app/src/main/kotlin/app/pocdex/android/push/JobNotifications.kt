package app.pocdex.android.push

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import app.pocdex.android.MainActivity
import app.pocdex.android.R

/** The "jobs" notification channel and the notification of a finished report or video. */
object JobNotifications {
    /** Creates the channel (idempotent; the system keeps the user's settings of an existing one). */
    fun createChannel(context: Context) {
        val channel =
            NotificationChannel(
                context.getString(R.string.notification_channel_jobs_id),
                context.getString(R.string.notification_channel_jobs_name),
                NotificationManager.IMPORTANCE_DEFAULT,
            ).apply { description = context.getString(R.string.notification_channel_jobs_description) }
        context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
    }

    /**
     * Shows [notice] with the server's localized [title] and [body] (the app's own text when the
     * push carried none). Does nothing when notifications are not allowed.
     */
    fun show(
        context: Context,
        notice: JobReadyNotice,
        title: String?,
        body: String?,
    ) {
        // Below Android 13 ContextCompat answers from whether notifications are enabled.
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) !=
            PackageManager.PERMISSION_GRANTED
        ) {
            return
        }
        val manager = NotificationManagerCompat.from(context)
        val fallback =
            when (notice.kind) {
                JobReadyNotice.Kind.Report -> R.string.notification_report_ready
                JobReadyNotice.Kind.Video -> R.string.notification_video_ready
            }
        val open =
            Intent(context, MainActivity::class.java)
                .setAction(ACTION_OPEN_REPORTS)
                .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_CLEAR_TOP)
                .putExtra(EXTRA_JOB_ID, notice.jobId)
        val pending =
            PendingIntent.getActivity(
                context,
                (notice.jobId ?: notice.kind.name).hashCode(),
                open,
                PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
            )
        val text = body?.takeIf { it.isNotBlank() } ?: context.getString(fallback)
        val notification =
            NotificationCompat
                .Builder(context, context.getString(R.string.notification_channel_jobs_id))
                .setSmallIcon(R.drawable.ic_notification)
                .setContentTitle(title?.takeIf { it.isNotBlank() } ?: context.getString(R.string.notification_job_ready_title))
                .setContentText(text)
                .setStyle(NotificationCompat.BigTextStyle().bigText(text))
                .setCategory(NotificationCompat.CATEGORY_STATUS)
                .setAutoCancel(true)
                .setContentIntent(pending)
                .build()
        try {
            manager.notify(notice.jobId ?: notice.kind.name, NOTIFICATION_ID, notification)
        } catch (_: SecurityException) {
            // The permission was revoked between the check and the call.
        }
    }

    /** The action of the intent a tapped notification sends to MainActivity. */
    const val ACTION_OPEN_REPORTS = "app.pocdex.android.action.OPEN_REPORTS"
    const val EXTRA_JOB_ID = "job_id"
    private const val NOTIFICATION_ID = 1
}
