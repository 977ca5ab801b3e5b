import Foundation

/// The repository the tests run from: `POCDEX_REPO` when set (mobile/ios/test.sh sets
/// it), else the first folder above this source file that holds `shared/protocol/ot`.
enum RepositoryPaths {
    static let root: URL = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["POCDEX_REPO"], !env.isEmpty,
           fm.fileExists(atPath: env + "/shared/protocol/ot") {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if fm.fileExists(atPath: url.appendingPathComponent("shared/protocol/ot").path) { return url }
        }
        return URL(fileURLWithPath: #filePath)
    }()
}
