import Foundation
import Testing
@testable import PocdexKit

@Suite @MainActor struct DojoViewModelTests {
    @Test func listsByStateEmptyOfflineAndStart() async {
        let harness = Harness { method, path, query, _ in
            if method == "POST", path == "/api/v1/dojos/d1/start" { return Fixture.dojo("d1", status: "live") }
            switch query.first(where: { $0.0 == "state" })?.1 {
            case "upcoming": return "[\(Fixture.dojo("d1"))]"
            case "live": return "[]"
            default: throw offline
            }
        }
        let model = DojoListViewModel(repository: harness.dojos)
        await model.load()
        #expect(model.state == .content)
        #expect(model.dojos.map(\.id) == ["d1"])
        let live = await model.start(model.dojos[0])
        #expect(live?.status == .live)
        #expect(model.dojos[0].status == .live)
        await model.select(.live)
        #expect(model.state == .empty)
        await model.select(.past)
        #expect(model.state == .offline)
    }

    @Test func schedulingValidatesAndShowsServerErrors() async {
        let harness = Harness { _, _, _, _ in throw apiError(400, "validation_error", fields: ["scheduled_at": ["Must be in the future."]]) }
        let model = DojoScheduleViewModel(repository: harness.dojos, now: Date(timeIntervalSince1970: 1_800_000_123))
        #expect(model.draft.scheduledAt == Date(timeIntervalSince1970: 1_800_003_600))
        await model.schedule()
        #expect(model.fieldErrors["title"] == .local(.required))
        model.draft.title = "Kata"
        model.draft.language = "Python"
        await model.schedule()
        #expect(model.fieldErrors["scheduled_at"] == .server("Must be in the future."))
        #expect(model.scheduled == nil)
    }
}

@Suite @MainActor struct ReportsViewModelTests {
    @Test func requestFollowsProgressUntilTheFilesAreReady() async throws {
        let polls = Locked(0)
        let harness = Harness { method, path, _, body in
            if method == "POST" {
                #expect(path == "/api/v1/reports")
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                #expect(object["formats"] == .array([.string("csv"), .string("pdf")]))
                #expect(object["language"] == .string("pt-br"))
                #expect(object["from"] == .string("2026-01-01"))
                return Fixture.job("j1", status: "queued", progress: 0)
            }
            let count = polls.withLock { value -> Int in
                value += 1
                return value
            }
            return count < 3 ? Fixture.job("j1", status: "running", progress: count * 40)
                             : Fixture.job("j1", status: "succeeded", progress: 100, files: true)
        }
        let sleeper = ManualSleeper()
        let model = ReportsViewModel(repository: harness.media, language: .portuguese,
                                     now: PocdexJSON.parseDate("2026-12-06T12:00:00Z")!, sleeper: sleeper.sleeper)
        await model.request()
        #expect(model.activeJob?.status == .queued)
        var progress: [Int] = []
        for _ in 0..<3 {
            #expect(await sleeper.waitForSleepers(1))
            let before = model.activeJob?.progress
            sleeper.advance()
            #expect(await poll { model.activeJob?.progress != before })
            progress.append(model.activeJob?.progress ?? -1)
        }
        await model.settle()
        #expect(progress == [40, 80, 100])
        #expect(model.activeJob?.status == .succeeded)
        let file = try #require(model.activeJob?.files.first)
        #expect(model.url(of: file)?.absoluteString == "http://s3.test/r.pdf")
        let local = try #require(await model.download(file))
        #expect(try Data(contentsOf: local) == Data("file:r.pdf".utf8))
        #expect(model.jobs.first?.id == "j1")
    }

    @Test func pollingIsBounded() async {
        let harness = Harness { method, _, _, _ in
            method == "POST" ? Fixture.job("v1", kind: "video", status: "queued", progress: 0)
                             : Fixture.job("v1", kind: "video", status: "running", progress: 5)
        }
        let model = ReportsViewModel(repository: harness.media, maxPolls: 5, sleeper: Sleeper { _ in })
        model.kind = .video
        await model.request()
        await model.settle()
        #expect(model.activeJob?.status == .running)
        #expect(harness.api.calls.filter { $0.hasPrefix("GET /api/v1/videos/v1") }.count == 5)
    }

    @Test func emptyErrorAndFormValidation() async {
        let harness = Harness { method, _, _, _ in
            if method == "POST" { throw apiError(400, "validation_error", fields: ["to": ["Too far."]]) }
            return Fixture.page([])
        }
        let model = ReportsViewModel(repository: harness.media, sleeper: Sleeper { _ in })
        await model.load()
        #expect(model.state == .empty)
        model.formats = []
        await model.request()
        #expect(model.fieldErrors["formats"] == .local(.required))
        model.formats = ["pdf"]
        await model.request()
        #expect(model.fieldErrors["to"] == .server("Too far."))
        let failing = ReportsViewModel(repository: Harness { _, _, _, _ in throw apiError(503, "database_unavailable") }.media)
        await failing.load()
        #expect(failing.state == .error(ErrorMessage(kind: .server, code: "database_unavailable", serverMessage: "msg database_unavailable")))
    }
}

@Suite @MainActor struct MembersViewModelTests {
    static let owner = SessionInfo(userID: "u-owner", name: "O", organizationID: "org", organizationSlug: "lab", role: .owner)
    static let admin = SessionInfo(userID: "u-admin", name: "A", organizationID: "org", organizationSlug: "lab", role: .admin)
    static let member = SessionInfo(userID: "u-member", name: "M", organizationID: "org", organizationSlug: "lab", role: .member)

    static func harness() -> Harness {
        Harness { method, path, _, body in
            switch (method, path) {
            case ("GET", "/api/v1/members"):
                return "[\(Fixture.member("m1", userID: "u-owner", role: "owner")),\(Fixture.member("m2", userID: "u-admin", role: "admin")),\(Fixture.member("m3", userID: "u-member", role: "member"))]"
            case ("GET", "/api/v1/invitations"):
                return #"[{"id":"i1","email":"x@y.co","role":"member","created_at":"2026-12-01T00:00:00Z","expires_at":"2026-12-08T00:00:00Z","accepted_at":null,"revoked_at":null}]"#
            case ("POST", "/api/v1/invitations"):
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                if object["email"] == .string("dup@y.co") { throw apiError(409, "already_member") }
                return #"{"id":"i2","email":"\#(object["email"]?.stringValue ?? "")","role":"admin","created_at":"2026-12-01T00:00:00Z","expires_at":"2026-12-08T00:00:00Z"}"#
            case ("PATCH", "/api/v1/members/m3"):
                return Fixture.member("m3", userID: "u-member", role: "admin")
            default:
                return ""
            }
        }
    }

    @Test func theOwnerManagesEveryoneButCannotLeaveAlone() async {
        let model = MembersViewModel(repository: Self.harness().account, me: Self.owner)
        await model.load()
        #expect(model.state == .content)
        #expect(model.members.count == 3)
        #expect(model.pendingInvitations.count == 1)
        #expect(model.invitableRoles == [.owner, .admin, .member])
        #expect(model.assignableRoles(for: model.members[2]) == [.owner, .admin, .member])
        #expect(model.assignableRoles(for: model.members[0]).isEmpty)  // the only owner
        #expect(!model.canRemove(model.members[0]))
        await model.changeRole(of: model.members[2], to: .admin)
        #expect(model.members[2].role == .admin)
    }

    @Test func anAdminCannotTouchOwnersNorGrantOwner() async {
        let model = MembersViewModel(repository: Self.harness().account, me: Self.admin)
        await model.load()
        #expect(model.invitableRoles == [.admin, .member])
        #expect(model.assignableRoles(for: model.members[0]).isEmpty)
        #expect(model.assignableRoles(for: model.members[2]) == [.admin, .member])
        #expect(!model.canRemove(model.members[0]))
        #expect(model.canRemove(model.members[2]))
        model.inviteEmail = "dup@y.co"
        await model.invite()
        #expect(model.actionError?.code == "already_member")
        model.inviteEmail = "new@y.co"
        model.inviteRole = .admin
        await model.invite()
        #expect(model.invitations.first?.id == "i2")
        #expect(model.inviteEmail.isEmpty)
    }

    @Test func aMemberOnlySeesTheListAndMayLeave() async {
        let harness = Self.harness()
        let model = MembersViewModel(repository: harness.account, me: Self.member)
        await model.load()
        #expect(!model.canManage)
        #expect(model.invitations.isEmpty)
        #expect(!harness.api.calls.contains("GET /api/v1/invitations"))
        #expect(model.assignableRoles(for: model.members[1]).isEmpty)
        #expect(model.canRemove(model.members[2]))   // themselves
        #expect(!model.canRemove(model.members[1]))
    }

    @Test func offlineAndError() async {
        let model = MembersViewModel(repository: Harness { _, _, _, _ in throw offline }.account, me: Self.owner)
        await model.load()
        #expect(model.state == .offline)
        let failing = MembersViewModel(repository: Harness { _, _, _, _ in throw apiError(403, "permission_denied") }.account, me: Self.owner)
        await failing.load()
        #expect(failing.state == .error(ErrorMessage(kind: .forbidden, code: "permission_denied", serverMessage: "msg permission_denied")))
    }
}

@Suite @MainActor struct ProfileAndTwoFactorTests {
    @Test func profileSavesNameAndLanguage() async {
        let harness = Harness { method, _, _, body in
            if method == "PATCH" {
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                #expect(object["locale"] == .string("pt-BR"))
                return Fixture.me.replacingOccurrences(of: #""locale":"en""#, with: #""locale":"pt-BR""#)
                    .replacingOccurrences(of: #""name":"Ana""#, with: #""name":"Ana B""#)
            }
            return Fixture.me
        }
        let model = ProfileViewModel(repository: harness.account)
        var changed: AppLanguage?
        model.onLanguageChange = { changed = $0 }
        await model.load()
        #expect(model.state == .content)
        #expect(!model.hasChanges)
        model.name = "Ana B"
        model.language = .portuguese
        #expect(model.hasChanges)
        await model.save()
        #expect(model.me?.locale == "pt-BR")
        #expect(changed == .portuguese)
        #expect(!model.hasChanges)
    }

    @Test func profileOffline() async {
        let model = ProfileViewModel(repository: Harness { _, _, _, _ in throw offline }.account)
        await model.load()
        #expect(model.state == .offline)
    }

    @Test func twoFactorSetupConfirmAndRecoveryCodes() async {
        let harness = Harness { method, path, _, body in
            switch (method, path) {
            case ("POST", "/api/v1/me/totp"): return #"{"secret":"JBSWY3DP","otpauth_uri":"otpauth://totp/Pocdex:ana?secret=JBSWY3DP"}"#
            case ("DELETE", "/api/v1/me/totp"):
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                if object["password"] != .string("minha-senha") { throw apiError(401, "invalid_credentials") }
                return ""
            case ("POST", "/api/v1/me/totp/confirm"):
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                if object["code"] != .string("123456") { throw apiError(400, "otp_invalid") }
                return #"{"recovery_codes":["a","b"]}"#
            default: return ""
            }
        }
        let model = TwoFactorViewModel(repository: harness.account, enabled: false)
        await model.begin()
        guard case .settingUp(let setup) = model.step else {
            Issue.record("expected setup")
            return
        }
        #expect(setup.otpauthURI.hasPrefix("otpauth://"))
        model.code = "12"
        await model.confirm()
        #expect(model.error?.code == FieldProblem.invalidCode.rawValue)
        model.code = "999999"
        await model.confirm()
        #expect(model.error?.code == "otp_invalid")
        model.code = "123 456"
        await model.confirm()
        #expect(model.step == .showingRecoveryCodes(["a", "b"]))
        model.finish()
        #expect(model.step == .on)
        await model.disable()  // without password and code: refused here
        #expect(model.step == .on)
        #expect(model.error?.code == FieldProblem.required.rawValue)
        model.password = "wrong"
        model.code = "a"
        await model.disable()
        #expect(model.error?.code == "invalid_credentials")
        #expect(model.step == .on)
        model.password = "minha-senha"
        model.code = "b"
        await model.disable()
        #expect(model.step == .off)
        #expect(model.password.isEmpty)
    }
}

@Suite @MainActor struct PushRegistrationViewModelTests {
    @Test func registersTheHexTokenOnceAndForgetsItOnLogout() async {
        let harness = Harness { method, path, _, body in
            if method == "POST" {
                #expect(path == "/api/v1/devices")
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                #expect(object["platform"] == .string("apns"))
                #expect(object["token"] == .string("0aff"))
                #expect(object["locale"] == .string("pt-BR"))
                #expect(object["app_version"] == .string("1.0"))
                return #"{"id":"dev1","platform":"apns","token_suffix":"0aff","locale":"pt-BR","created_at":"2026-12-06T10:00:00Z","last_seen_at":"2026-12-06T10:00:00Z"}"#
            }
            return ""
        }
        let model = PushRegistrationViewModel(repository: harness.account, appVersion: "1.0", locale: { "pt-BR" })
        await model.register(deviceToken: Data([0x0A, 0xFF]))
        guard case .registered(let device) = model.status else {
            Issue.record("expected registered, got \(model.status)")
            return
        }
        #expect(device.tokenSuffix == "0aff")
        await model.register(deviceToken: Data([0x0A, 0xFF]))  // the same token: not sent again
        #expect(harness.api.calls.filter { $0.hasPrefix("POST") }.count == 1)
        await model.unregister()
        #expect(harness.api.calls.last == "DELETE /api/v1/devices/dev1")
        #expect(model.status == .unregistered)
    }

    @Test func aFailureIsShownAndRetried() async {
        let fail = Locked(true)
        let harness = Harness { _, _, _, _ in
            if fail.current { throw offline }
            return #"{"id":"dev1","platform":"apns","token_suffix":"00","locale":"en"}"#
        }
        let model = PushRegistrationViewModel(repository: harness.account)
        await model.register(tokenHex: "00")
        #expect(model.status == .failed(ErrorMessage(kind: .offline)))
        fail.withLock { $0 = false }
        await model.register(tokenHex: "00")
        if case .registered = model.status {} else { Issue.record("expected registered") }
    }
}
