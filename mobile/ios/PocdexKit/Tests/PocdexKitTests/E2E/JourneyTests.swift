import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import PocdexKit

/// The app's journey against the running platform through the gateway (http://127.0.0.1:8000,
/// POCDEX_GATEWAY_URL overrides), with the real URLSession client and the view models the
/// screens use: sign up (code from the mail catcher), log in, create POCs, search with a typo,
/// an attachment through the presigned URL, delete with undo, a dojo, a report downloaded,
/// an invitation accepted, and another organization that sees none of it.
@Suite("Gateway journey", .serialized)
@MainActor
struct JourneyTests {
    @Test("sign up, log in, POCs, search with a typo, attachment, undo, dojo, report, invitation; another organization sees nothing")
    func journey() async throws {
        let platform = JourneyPlatform()
        let suffix = JourneyPlatform.suffix()
        let email = "ios-\(suffix)@example.com"
        let password = "ios-senha-bem-longa-2026"

        // Sign up through the form; the slug follows the name.
        let owner = platform.services()
        let signup = SignupViewModel(auth: owner.auth, language: .portuguese)
        signup.organizationName = "iOS Lab \(suffix)"
        #expect(signup.organizationSlug == "ios-lab-\(suffix)")
        signup.ownerName = "Ana iOS"
        signup.email = email
        signup.password = password
        await signup.submit()
        guard case .signedIn(let signedUp) = signup.outcome else {
            Issue.record("signup: \(String(describing: signup.error)) \(signup.fieldErrors)")
            return
        }
        #expect(signedUp.role == .owner)

        // Confirm the address with the code of the mail.
        signup.verificationCode = try await platform.mailbox.token(to: email, linkPath: "/verify-email")
        await signup.verifyEmail()
        #expect(signup.emailVerified, "verify: \(String(describing: signup.verificationError))")

        // Log out, then log in again through the login screen.
        let app = AppViewModel(services: owner)
        await app.start()
        #expect(app.session != nil)
        await app.logout()
        #expect(app.phase == .signedOut(reason: nil))
        let login = LoginViewModel(auth: owner.auth, organization: signup.organizationSlug, email: email)
        login.password = "wrong-password-123"
        await login.submit()
        #expect(login.error?.code == "invalid_credentials")
        login.password = password
        await login.submit()
        let session = try #require(login.signedIn, "login: \(String(describing: login.error))")
        #expect(session.organizationSlug == signup.organizationSlug)
        #expect(await poll { app.session?.userID == session.userID })

        let profile = ProfileViewModel(repository: owner.account)
        try await platform.eventually("the organization is active", within: 30) {
            await profile.load()
            return profile.me?.organization.isActive == true
        }
        #expect(profile.me?.emailVerified == true)
        #expect(profile.me?.locale == "pt-BR")

        // The list starts empty (tenant_not_ready is waited out by the client).
        let list = PocListViewModel(repository: owner.pocs)
        try await platform.eventually("the POC list answers", within: 30) {
            await list.load()
            return list.state == .empty
        }

        // Two POCs through the editor; the platform's field errors land on their fields.
        let invalid = PocEditorViewModel(repository: owner.pocs)
        invalid.draft.name = "Com link ruim"
        invalid.draft.repositoryURL = "isto não é uma URL"
        #expect(await invalid.save() == nil)
        #expect(invalid.error(for: "repository_url") != nil, "fields: \(invalid.fieldErrors)")

        let first = PocEditorViewModel(repository: owner.pocs)
        first.draft.name = "Busca offline no aplicativo"
        first.draft.summary = "Cache de leitura para consultar POCs sem rede"
        first.languagesText = "swift, kotlin"
        first.tagsText = "mobile, offline"
        first.draft.status = .inProgress
        let offlinePoc = try #require(await first.save(), "create: \(String(describing: first.error)) \(first.fieldErrors)")
        let second = PocEditorViewModel(repository: owner.pocs)
        second.draft.name = "Migração para filas gRPC"
        second.languagesText = "go"
        let grpcPoc = try #require(await second.save(), "create: \(String(describing: second.error))")
        #expect(offlinePoc.languages.map(\.slug).sorted() == ["kotlin", "swift"])

        await list.refresh()
        #expect(list.state == .content)
        #expect(Set(list.pocs.map(\.id)) == [offlinePoc.id, grpcPoc.id])

        // Search with a typo: the POC is found once indexed (bounded), with highlights and facets.
        let search = SearchViewModel(repository: owner.search)
        search.query = "aplicatvo"
        try await platform.eventually("the typo finds the POC", within: 40) {
            search.searchNow()
            await search.settle()
            return search.results.contains { $0.id == offlinePoc.id }
        }
        let hit = try #require(search.results.first { $0.id == offlinePoc.id })
        #expect(SearchViewModel.highlightedName(hit).segments.contains { $0.isMatch } ||
                SearchViewModel.highlightedSnippet(hit).segments.contains { $0.isMatch })
        #expect(search.facets.languages.contains { $0.value == "swift" })
        search.toggleLanguage("go")
        await search.settle()
        #expect(!search.results.contains { $0.id == offlinePoc.id })
        search.clearFilters()
        await search.settle()
        // Suggestions while typing a prefix of the name.
        search.query = "Busca off"
        await search.settle()
        #expect(search.suggestions.names.contains { $0.id == offlinePoc.id }, "suggestions: \(search.suggestions)")

        // An attachment: created, uploaded to the presigned URL with progress, completed, downloaded.
        let detail = PocDetailViewModel(pocID: offlinePoc.id, repository: owner.pocs)
        await detail.load()
        #expect(detail.state == .content)
        let bytes = Data((0..<4_000).map { "Notas da POC de busca offline, linha \($0)\n" }.joined().utf8)
        await detail.upload(filename: "notas.txt", contentType: "text/plain", data: bytes)
        #expect(detail.uploads.isEmpty, "upload: \(detail.uploads)")
        let attachment = try #require(detail.attachments.first { $0.filename == "notas.txt" })
        #expect(attachment.isReady)
        let link = try #require(await detail.downloadURL(for: attachment))
        #expect(try await owner.api.download(from: link) == bytes)
        // A bigger file reports progress as its bytes go (Foundation's upload callbacks).
        let big = Data(String(repeating: "linha de texto de um anexo maior\n", count: 40_000).utf8)
        var fractions: [Double] = []
        var completed: Attachment?
        for try await event in owner.pocs.uploadAttachment(pocID: offlinePoc.id, filename: "maior.txt",
                                                            contentType: "text/plain", data: big) {
            switch event {
            case .progress(let progress): fractions.append(progress.fraction)
            case .completed(let done): completed = done
            case .created: break
            }
        }
        #expect(completed?.isReady == true)
        #expect(fractions.first == 0)
        #expect(fractions.last == 1)
        #expect(fractions.contains { $0 > 0 && $0 < 1 }, "progress: \(fractions)")
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })

        // Delete, then undo inside the window: the POC is back.
        let doomed = PocDetailViewModel(pocID: grpcPoc.id, repository: owner.pocs, undoWindow: .seconds(60))
        await doomed.load()
        await doomed.delete()
        #expect(doomed.pendingUndo?.pocID == grpcPoc.id, "delete: \(String(describing: doomed.actionError))")
        await list.refresh()
        #expect(!list.pocs.contains { $0.id == grpcPoc.id })
        await doomed.undoDelete()
        #expect(doomed.pendingUndo == nil && !doomed.isDeleted, "undo: \(String(describing: doomed.actionError))")
        await list.refresh()
        #expect(list.pocs.contains { $0.id == grpcPoc.id })

        // A dojo: scheduled, started, and a ticket for its WebSocket on the gateway.
        let schedule = DojoScheduleViewModel(repository: owner.dojos)
        schedule.draft.title = "Kata do Boliche \(suffix)"
        schedule.draft.language = "Python"
        let dojo = try #require(await schedule.schedule(), "dojo: \(String(describing: schedule.error)) \(schedule.fieldErrors)")
        let dojos = DojoListViewModel(repository: owner.dojos)
        await dojos.load()
        #expect(dojos.dojos.contains { $0.id == dojo.id })
        let live = try #require(await dojos.start(dojo), "start: \(String(describing: dojos.actionError))")
        #expect(live.status == .live)
        await dojos.select(.live)
        #expect(dojos.dojos.contains { $0.id == dojo.id })
        let socket = try await owner.dojos.ticketURL(dojoID: dojo.id)
        #expect(socket.scheme == "ws")
        #expect(socket.host == owner.baseURL.host)
        #expect(socket.query?.contains("ticket=") == true || socket.path.contains(dojo.id))
        await dojos.end(live)
        #expect(dojos.actionError == nil, "end: \(String(describing: dojos.actionError))")
        let replay = try await owner.dojos.replay(id: dojo.id)
        #expect(replay.dojo.status == .ended)
        #expect(replay.document.isEmpty)
        await dojos.select(.past)
        #expect(dojos.dojos.contains { $0.id == dojo.id })

        // A report, followed until ready, then downloaded (a PDF).
        let reports = ReportsViewModel(repository: owner.media, language: .english, pollInterval: .milliseconds(500), maxPolls: 480)
        reports.formats = ["pdf"]
        await reports.request()
        #expect(reports.activeJob != nil, "report: \(String(describing: reports.error)) \(reports.fieldErrors)")
        await reports.settle()
        let job = try #require(reports.activeJob)
        #expect(job.status == .succeeded, "report job: \(job.status.rawValue) \(String(describing: job.error))")
        let pdf = try #require(job.files.first { $0.format == "pdf" })
        let local = try #require(await reports.download(pdf))
        #expect(try Data(contentsOf: local).prefix(4) == Data("%PDF".utf8))
        await reports.load()
        #expect(reports.jobs.contains { $0.id == job.id })

        // An invitation: the owner (email confirmed) invites; the invitee accepts with the link's token.
        let me = try #require(app.session)
        let members = MembersViewModel(repository: owner.account, me: me)
        await members.load()
        #expect(members.members.count == 1)
        let inviteeEmail = "bia-ios-\(suffix)@example.com"
        members.inviteEmail = inviteeEmail
        members.inviteRole = .member
        await members.invite()
        #expect(members.pendingInvitations.contains { $0.email == inviteeEmail }, "invite: \(String(describing: members.actionError))")
        let invitee = platform.services()
        let accept = AcceptInvitationViewModel(auth: invitee.auth,
                                               token: try await platform.mailbox.token(to: inviteeEmail, linkPath: "/invitations/accept"))
        accept.name = "Bia iOS"
        accept.password = "outra-senha-bem-longa-2026"
        await accept.submit()
        let bia = try #require(accept.signedIn, "accept: \(String(describing: accept.error)) \(accept.fieldErrors)")
        #expect(bia.role == .member)
        let biaList = PocListViewModel(repository: invitee.pocs)
        try await platform.eventually("the new member reads the team's POCs", within: 20) {
            await biaList.load()
            return biaList.pocs.contains { $0.id == offlinePoc.id }
        }
        await members.load()
        #expect(members.members.count == 2)

        // Push: the APNs token goes to the platform as hex, once per person and organization.
        let apnsToken = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let push = PushRegistrationViewModel(repository: owner.account, appVersion: "1.0", locale: { "pt-BR" })
        await push.register(deviceToken: apnsToken)
        guard case .registered(let device) = push.status else {
            Issue.record("push: \(push.status)")
            return
        }
        #expect(device.tokenSuffix == String(PushRegistrationViewModel.hex(apnsToken).suffix(6)))
        #expect(device.platform == "apns")
        let relaunched = PushRegistrationViewModel(repository: owner.account, appVersion: "1.0", locale: { "pt-BR" })
        await relaunched.register(deviceToken: apnsToken)
        if case .registered(let same) = relaunched.status { #expect(same.id == device.id) } else { Issue.record("re-register: \(relaunched.status)") }
        let devices = try await owner.account.devices()
        #expect(devices.map(\.id) == [device.id])

        // Another organization: none of it is visible, by id, in lists or in search.
        let outsider = platform.services()
        let other = SignupViewModel(auth: outsider.auth, language: .english)
        other.organizationName = "Outra Org \(suffix)"
        other.ownerName = "Olga"
        other.email = "olga-ios-\(suffix)@example.com"
        other.password = password
        await other.submit()
        guard case .signedIn = other.outcome else {
            Issue.record("second signup: \(String(describing: other.error))")
            return
        }
        let foreign = PocDetailViewModel(pocID: offlinePoc.id, repository: outsider.pocs)
        try await platform.eventually("the other organization is served", within: 30) {
            await foreign.load()
            if case .error(let message) = foreign.state { return message.kind == .notFound }
            return false
        }
        #expect(foreign.poc == nil)
        let foreignList = PocListViewModel(repository: outsider.pocs)
        await foreignList.load()
        #expect(foreignList.state == .empty)
        let foreignSearch = SearchViewModel(repository: outsider.search)
        foreignSearch.query = "aplicativo"
        await foreignSearch.settle()
        #expect(!foreignSearch.results.contains { $0.id == offlinePoc.id })
        await #expect(throws: APIError.self) { _ = try await outsider.pocs.attachmentDownload(pocID: offlinePoc.id, id: attachment.id) }
        await #expect(throws: APIError.self) { _ = try await outsider.media.job(kind: .report, id: job.id) }
        await #expect(throws: APIError.self) { _ = try await outsider.dojos.ticketURL(dojoID: dojo.id) }
        do {
            try await outsider.account.deleteDevice(id: device.id)
            Issue.record("another organization deleted the device")
        } catch let error as APIError {
            #expect(error.status == 404)
        }
        #expect(try await outsider.account.devices().isEmpty)

        // Logout forgets the device (the app does it before ending the session).
        await push.unregister()
        #expect(try await owner.account.devices().isEmpty)
        app.stop()
    }

    @Test("keystroke to results through SearchViewModel (debounce included): p50/p95 written to a file")
    func keystrokeToResults() async throws {
        let platform = JourneyPlatform()
        let suffix = JourneyPlatform.suffix()
        let services = platform.services()
        let signup = SignupViewModel(auth: services.auth, language: .english)
        signup.organizationName = "iOS Bench \(suffix)"
        signup.ownerName = "Bench"
        signup.email = "bench-ios-\(suffix)@example.com"
        signup.password = "ios-senha-bem-longa-2026"
        await signup.submit()
        guard case .signedIn = signup.outcome else {
            Issue.record("signup: \(String(describing: signup.error))")
            return
        }
        let names = ["Busca offline no aplicativo", "Migração para filas gRPC", "Relatórios com ReportLab",
                     "Editor colaborativo em tempo real", "Cache distribuído com Redis", "Pipeline de vídeo anual"]
        try await platform.eventually("POCs can be created", within: 30) {
            let editor = PocEditorViewModel(repository: services.pocs)
            editor.draft.name = names[0]
            return await editor.save() != nil
        }
        for name in names.dropFirst() {
            let editor = PocEditorViewModel(repository: services.pocs)
            editor.draft.name = name
            editor.languagesText = "swift"
            #expect(await editor.save() != nil)
        }
        let search = SearchViewModel(repository: services.search)
        search.query = "Pipeline"
        try await platform.eventually("the last POC is indexed", within: 40) {
            search.searchNow()
            await search.settle()
            return !search.results.isEmpty
        }

        // ~50 keystrokes: prefixes of the names, typed one after another.
        var queries: [String] = []
        for name in names {
            let words = name.split(separator: " ").map(String.init)
            for word in words.prefix(4) where word.count >= 3 {
                queries.append(String(word.prefix(3)))
                queries.append(String(word.prefix(max(3, word.count - 1))))
                queries.append(word)
            }
        }
        queries = Array(queries.prefix(51))
        search.query = ""
        await search.settle()
        var millis: [Double] = []
        var answered = 0
        for query in queries {
            let start = ContinuousClock.now
            search.query = query
            await search.settle()
            let elapsed = ContinuousClock.now - start
            millis.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            if search.resultsQuery == query.trimmingCharacters(in: .whitespaces) { answered += 1 }
            search.query = ""  // the next query is a new keystroke sequence
            await search.settle()
        }
        #expect(answered == queries.count)
        let sorted = millis.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))] }
        let report: [String: JSONValue] = [
            "benchmark": .string("ios keystroke to results (SearchViewModel, debounce included)"),
            "gateway": .string(platform.baseURL.absoluteString),
            "debounce_ms": .number(Double(search.debounce.components.attoseconds) / 1e15),
            "queries": .number(Double(millis.count)),
            "p50_ms": .number((percentile(0.5) * 10).rounded() / 10),
            "p95_ms": .number((percentile(0.95) * 10).rounded() / 10),
            "max_ms": .number(((sorted.last ?? 0) * 10).rounded() / 10),
            "measured_at": .string(PocdexJSON.formatDate(Date())),
        ]
        let data = try PocdexJSON.encoder().encode(report)
        let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["POCDEX_RESULTS_DIR"]
            ?? FileManager.default.currentDirectoryPath + "/.build")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("search-keystroke-latency.json")
        try data.write(to: file)
        print("ios keystroke-to-results: \(String(decoding: data, as: UTF8.self)) -> \(file.path)")
        #expect(millis.count == queries.count)
    }
}

/// The platform under test and the mail catcher.
struct JourneyPlatform {
    let baseURL: URL
    let mailbox: JourneyMailbox

    init() {
        let environment = ProcessInfo.processInfo.environment
        baseURL = URL(string: environment["POCDEX_GATEWAY_URL"] ?? "http://127.0.0.1:8000")!
        mailbox = JourneyMailbox(baseURL: URL(string: environment["POCDEX_MAILCATCHER_URL"] ?? "http://127.0.0.1:8025")!)
    }

    static func suffix() -> String { String(UUID().uuidString.lowercased().prefix(8)) }

    /// A fresh app: its own session in a file store, its own offline cache.
    func services() -> PocdexServices {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pocdex-journey-\(UUID().uuidString)")
        let store = (try? FileSecureStore(directory: directory)) as (any SecureStore)? ?? InMemorySecureStore()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        return PocdexServices.live(baseURL: baseURL, store: store, cacheStorage: MemoryCacheStorage(),
                                   urlSession: URLSession(configuration: configuration), language: { "pt-BR" })
    }

    /// Polls a condition every 250 ms until it holds, or fails after `seconds`.
    @MainActor
    func eventually(_ what: String, within seconds: Double, _ condition: @MainActor () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try await condition() { return }
            guard Date() < deadline else { throw JourneyTimeout(what: what, seconds: seconds) }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
    }
}

struct JourneyTimeout: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    var description: String { "\(what): not within \(seconds) s" }
}

/// The mail catcher's HTTP API: the newest mail to an address with a link to `linkPath`.
struct JourneyMailbox {
    let baseURL: URL

    struct Message: Decodable {
        var subject: String
        var text: String
        var links: [String]?
    }

    func token(to address: String, linkPath: String, within seconds: Double = 20) async throws -> String {
        var components = URLComponents(url: baseURL.appendingPathComponent("api/messages"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "to", value: address)]
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let (data, _) = try await URLSession.shared.data(from: components.url!)
            let messages = try JSONDecoder().decode([Message].self, from: data)
            for message in messages {
                let links = message.links ?? message.text.split(whereSeparator: \.isWhitespace).map(String.init)
                for link in links where link.contains(linkPath) {
                    if let token = URLComponents(string: link)?.queryItems?.first(where: { $0.name == "token" })?.value {
                        return token
                    }
                }
            }
            guard Date() < deadline else { throw JourneyTimeout(what: "a mail to \(address) with \(linkPath)", seconds: seconds) }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
    }
}
