package app.pocdex.android

/** What the screens ask of the phone, implemented by MainActivity with intents and system APIs. */
interface PlatformActions {
    /** A report's download link: a PDF or CSV viewer, else the browser. */
    fun openDocument(
        url: String,
        format: String?,
    )

    /** The share sheet with a link (a report, the year video). */
    fun shareLink(
        url: String,
        subject: String,
    )

    /** The year video in the Media3 player. */
    fun playVideo(url: String)

    /** The app's language ("en", "pt-BR"): the activity is recreated in it. */
    fun setLanguage(tag: String)

    /** Asks for POST_NOTIFICATIONS (Android 13+) before a job whose end is notified. */
    fun requestNotificationPermission()
}
