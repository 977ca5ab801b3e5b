import Observation
import UIKit
import UserNotifications

/// The APNs device token as UIKit hands it over, observed by the root view, which forwards it
/// to `PushRegistrationViewModel` once someone is signed in. Only touched on the main thread
/// (UIKit's delegate calls and the views); not actor-isolated so that the delegate's
/// NSObject initializer can create it.
@Observable
final class PushToken {
    private(set) var deviceToken: Data?
    private(set) var registrationFailed = false

    func received(_ token: Data) {
        deviceToken = token
        registrationFailed = false
    }

    func failed() { registrationFailed = true }
}

/// UIKit's side of push: asking iOS for a device token and receiving it.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate {
    let pushToken = PushToken()

    func application(_ application: UIApplication,
                     didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        pushToken.received(deviceToken)
    }

    func application(_ application: UIApplication,
                     didFailToRegisterForRemoteNotificationsWithError error: Error) {
        pushToken.failed()
    }

    /// Asks the person (once; iOS remembers the answer) and registers with APNs when allowed.
    static func requestPushAuthorization() async {
        let center = UNUserNotificationCenter.current()
        let granted = (try? await center.requestAuthorization(options: [.alert, .badge, .sound])) ?? false
        if granted {
            UIApplication.shared.registerForRemoteNotifications()
        }
    }
}
