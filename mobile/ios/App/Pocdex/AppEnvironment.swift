import Foundation
import PocdexKit

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

/// PocdexKit's POC and dojo visibility under a name SwiftUI does not also use (SwiftUI has its
/// own `Visibility`, so the bare name is ambiguous in the views; this file does not import it).
typealias PocVisibility = Visibility
