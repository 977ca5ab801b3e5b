package app.pocdex.android.platform

import android.content.ActivityNotFoundException
import android.content.Context
import android.content.Intent
import android.widget.Toast
import androidx.core.net.toUri
import app.pocdex.android.R

/** Hands a report or video link to other apps: the share sheet, or a viewer for PDF and CSV. */
object ExternalIntents {
    /** The share sheet with [url] as text (ACTION_SEND, text/plain). */
    fun shareLink(
        context: Context,
        url: String,
        subject: String,
    ) {
        val send =
            Intent(Intent.ACTION_SEND)
                .setType("text/plain")
                .putExtra(Intent.EXTRA_TEXT, url)
                .putExtra(Intent.EXTRA_SUBJECT, subject)
        val chooser = Intent.createChooser(send, context.getString(R.string.share_chooser_title))
        start(context, chooser)
    }

    /**
     * Opens a downloaded report: ACTION_VIEW with its type (application/pdf, text/csv) so a PDF
     * viewer or a spreadsheet app takes it; the browser when no such app is installed.
     */
    fun openDocument(
        context: Context,
        url: String,
        mimeType: String?,
    ) {
        val uri = url.toUri()
        if (mimeType != null) {
            val typed = Intent(Intent.ACTION_VIEW).setDataAndType(uri, mimeType)
            try {
                context.startActivity(typed.withNewTaskIfNeeded(context))
                return
            } catch (_: ActivityNotFoundException) {
                // Nothing takes the type with a web link: the browser downloads it.
            }
        }
        start(context, Intent(Intent.ACTION_VIEW, uri).addCategory(Intent.CATEGORY_BROWSABLE))
    }

    /** The MIME type of a report format ("pdf", "csv"), or null when unknown. */
    fun mimeTypeOf(format: String?): String? =
        when (format?.lowercase()) {
            "pdf" -> "application/pdf"
            "csv" -> "text/csv"
            "mp4" -> "video/mp4"
            else -> null
        }

    private fun start(
        context: Context,
        intent: Intent,
    ) {
        try {
            context.startActivity(intent.withNewTaskIfNeeded(context))
        } catch (_: ActivityNotFoundException) {
            Toast.makeText(context, R.string.open_no_app, Toast.LENGTH_LONG).show()
        }
    }

    private fun Intent.withNewTaskIfNeeded(context: Context): Intent = if (context is android.app.Activity) this else addFlags(Intent.FLAG_ACTIVITY_NEW_TASK)
}
