package app.pocdex.android

/** What the screens ask of the phone, implemented by MainActivity with intents and system APIs. */
interface PlatformActions {
    /** A download link (a report, an attachment) in an app for [mimeType] (a PDF or CSV viewer), else the browser. */
    fun openDocument(
        url: String,
        mimeType: String?,
    )

    /** The share sheet with a link (a report, the year video). */
    fun shareLink(
        url: String,
        subject: String,
    )

    /** The year video in the Media3 player. */
    fun playVideo(url: String)

    /** Tells whether the mailed address confirmation link worked. */
    fun showEmailVerification(verified: Boolean)

    /** Asks for POST_NOTIFICATIONS (Android 13+) before a job whose end is notified. */
    fun requestNotificationPermission()
}
