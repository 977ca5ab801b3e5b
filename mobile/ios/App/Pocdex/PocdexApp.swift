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

/// The language the app shows: the one chosen in the profile, else the system's.
enum AppLanguageSetting {
    static let key = "pocdex.language"

    static var current: AppLanguage {
        if let saved = UserDefaults.standard.string(forKey: key), !saved.isEmpty {
            return AppLanguage(rawValue: saved)
        }
        let preferred = Locale.preferredLanguages.first ?? "en"
        return preferred.lowercased().hasPrefix("pt") ? .portuguese : .english
    }

    static func locale(for code: String) -> Locale {
        code.isEmpty ? Locale.autoupdatingCurrent : Locale(identifier: code)
    }
}

/// The composition root's settings.
enum AppEnvironment {
    /// `PocdexGatewayURL` in Info.plist (the build configuration's POCDEX_GATEWAY_URL); the UI tests
    /// may point the app elsewhere with the `-PocdexGatewayURL <url>` launch argument.
    static var gatewayURL: URL {
        if let override = UserDefaults.standard.string(forKey: "PocdexGatewayURL"), let url = URL(string: override) {
            return url
        }
        if let value = Bundle.main.object(forInfoDictionaryKey: "PocdexGatewayURL") as? String,
           let url = URL(string: value), url.scheme != nil {
            return url
        }
        return PocdexKit.defaultBaseURL
    }

    static var appVersion: String? {
        Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String
    }

    /// UI tests start with `-PocdexUITesting YES`: tokens in memory, so every run starts signed out.
    static var isUITesting: Bool { UserDefaults.standard.bool(forKey: "PocdexUITesting") }

    static func makeServices() -> PocdexServices {
        let store: any SecureStore = isUITesting ? InMemorySecureStore() : KeychainSecureStore()
        let cache: any CacheStorage = isUITesting ? MemoryCacheStorage() : FileCacheStorage.standard()
        return PocdexServices.live(
            baseURL: gatewayURL, store: store, cacheStorage: cache,
            language: { AppLanguageSetting.current.rawValue })
    }
}
