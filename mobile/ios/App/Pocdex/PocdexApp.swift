import PocdexKit
import SwiftUI

/// The app: wires PocdexKit's services once (Keychain for the tokens, files for the offline
/// cache, the gateway URL of the build configuration) and shows the root view. Links
/// (`pocdex://invite?token=…` and the universal links of the mails) go to the app's view model.
@main
struct PocdexApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    @State private var app: AppViewModel
    @State private var push: PushRegistrationViewModel
    @AppStorage(AppLanguageSetting.key) private var languageCode = ""

    init() {
        let services = AppEnvironment.makeServices()
        _app = State(initialValue: AppViewModel(services: services))
        _push = State(initialValue: PushRegistrationViewModel(
            repository: services.account,
            appVersion: AppEnvironment.appVersion,
            locale: { AppLanguageSetting.current.rawValue }))
    }

    var body: some Scene {
        WindowGroup {
            RootView(push: push, pushToken: appDelegate.pushToken)
                .environment(app)
                .environment(\.locale, AppLanguageSetting.locale(for: languageCode))
                .task { await app.start() }
                .onOpenURL { url in app.open(url) }
                .onContinueUserActivity(NSUserActivityTypeBrowsingWeb) { activity in
                    if let url = activity.webpageURL { app.open(url) }
                }
        }
    }
}
