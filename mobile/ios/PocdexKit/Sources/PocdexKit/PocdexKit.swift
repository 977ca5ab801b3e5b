import Foundation

/// PocdexKit's version and the base URL the app talks to when nothing else is configured.
public enum PocdexKit {
    public static let version = "0.1.0"
    public static let defaultBaseURL = URL(string: "https://api.pocdex.com.br")!
}
