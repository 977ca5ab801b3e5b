package app.pocdex.android.push

import app.pocdex.android.PocdexApplication
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * Receives FCM events. A new token goes to the platform's device endpoint; a "report/video ready"
 * message that arrives while the app is in the foreground is shown here (in the background the
 * system shows it from the message's notification part, in the "jobs" channel).
 */
class PocdexMessagingService : FirebaseMessagingService() {
    override fun onNewToken(token: String) {
        (application as PocdexApplication).graph.push.onNewToken(token)
    }

    override fun onMessageReceived(message: RemoteMessage) {
        val notice = JobReadyNotice.parse(message.data) ?: return
        JobNotifications.show(this, notice, message.notification?.title, message.notification?.body)
    }
}
