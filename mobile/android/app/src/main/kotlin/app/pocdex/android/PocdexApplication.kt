package app.pocdex.android

import android.app.Application
import app.pocdex.android.push.JobNotifications

/** Builds the graph once per process, the notification channel, and restores the session. */
class PocdexApplication : Application() {
    lateinit var graph: AppGraph
        private set

    override fun onCreate() {
        super.onCreate()
        graph = AppGraph(this)
        JobNotifications.createChannel(this)
        graph.start()
    }
}
