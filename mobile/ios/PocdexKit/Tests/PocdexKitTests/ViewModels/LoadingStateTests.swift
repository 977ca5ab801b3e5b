import Foundation
import Testing
@testable import PocdexKit

/// While the first answer is on its way a screen says `loading` (and nothing else), then
/// shows what came; forms say they are submitting and refuse a second submit meanwhile.
@Suite @MainActor struct LoadingStateTests {
    /// A route that holds every answer until the test releases it.
    static func held(_ gate: ManualSleeper, _ answer: @escaping @Sendable (String) throws -> String) -> Harness {
        Harness { _, path, _, _ in
            try await gate.sleeper(.seconds(1))
            return try answer(path)
        }
    }

    @Test func pocListLoadingThenContent() async {
        let gate = ManualSleeper()
        let model = PocListViewModel(repository: Self.held(gate) { _ in Fixture.page([Fixture.poc("a")]) }.pocs)
        let load = Task { await model.load() }
        #expect(await gate.waitForSleepers(1))
        #expect(model.state == .loading)
        #expect(model.pocs.isEmpty)
        gate.advance()
        await load.value
        #expect(model.state == .content)
    }

    @Test func aRefreshKeepsTheListOnScreen() async {
        let gate = ManualSleeper()
        let model = PocListViewModel(repository: Self.held(gate) { _ in Fixture.page([Fixture.poc("a")]) }.pocs)
        let first = Task { await model.load() }
        #expect(await gate.waitForSleepers(1))
        gate.advance()
        await first.value
        let refresh = Task { await model.refresh() }
        #expect(await gate.waitForSleepers(1))
        #expect(model.isRefreshing)
        #expect(model.state == .content)  // not back to loading
        gate.advance()
        await refresh.value
        #expect(!model.isRefreshing)
    }

    @Test func searchLoadingThenResults() async {
        let gate = ManualSleeper()
        let harness = Self.held(gate) { path in
            path.hasSuffix("suggest") ? #"{"names":[],"tags":[],"languages":[]}"# : Fixture.searchPage([Fixture.hit("p", name: "x")])
        }
        let model = SearchViewModel(repository: harness.search, sleeper: Sleeper { _ in })
        model.query = "x"
        #expect(await gate.waitForSleepers(2))
        #expect(model.state == .loading)
        gate.advance()
        await model.settle()
        #expect(model.state == .content)
    }

    @Test func detailMembersDojosProfileReportsLoading() async {
        let gate = ManualSleeper()
        let harness = Self.held(gate) { path in
            switch path {
            case "/api/v1/pocs/p1": return Fixture.poc("p1")
            case "/api/v1/me": return Fixture.me
            case "/api/v1/members": return "[\(Fixture.member("m1", userID: "u", role: "owner"))]"
            case "/api/v1/dojos": return "[\(Fixture.dojo("d1"))]"
            default: return "[]"
            }
        }
        let detail = PocDetailViewModel(pocID: "p1", repository: harness.pocs)
        let members = MembersViewModel(repository: harness.account, me: SessionInfo(userID: "u", name: "", organizationID: "o", organizationSlug: "s", role: .member))
        let dojos = DojoListViewModel(repository: harness.dojos)
        let profile = ProfileViewModel(repository: harness.account)
        let reports = ReportsViewModel(repository: harness.media, sleeper: Sleeper { _ in })
        let tasks = [Task { await detail.load() }, Task { await members.load() }, Task { await dojos.load() },
                     Task { await profile.load() }, Task { await reports.load() }]
        #expect(await gate.waitForSleepers(6))
        #expect(detail.state == .loading)
        #expect(members.state == .loading)
        #expect(dojos.state == .loading)
        #expect(profile.state == .loading)
        #expect(reports.state == .loading)
        // The detail also fetches its attachments after the POC: release until everything answered.
        gate.advance()
        #expect(await gate.waitForSleepers(1))  // the detail's attachments
        gate.advance()
        for task in tasks { await task.value }
        #expect(detail.state == .content)
        #expect(members.state == .content)
        #expect(dojos.state == .content)
        #expect(profile.state == .content)
        #expect(reports.state == .empty)
    }

    @Test func formsSubmitOnceAtATimeAndSayOffline() async {
        let gate = ManualSleeper()
        let harness = Harness { _, _, _, _ in
            try await gate.sleeper(.seconds(1))
            throw offline
        }
        let login = LoginViewModel(auth: harness.auth, organization: "lab", email: "a@b.co")
        login.password = "x"
        let first = Task { await login.submit() }
        #expect(await gate.waitForSleepers(1))
        #expect(login.isSubmitting)
        #expect(!login.canSubmit)
        await login.submit()  // ignored while the first is running
        #expect(harness.api.calls.count == 1)
        gate.advance()
        await first.value
        #expect(login.error?.kind == .offline)

        let forgot = ForgotPasswordViewModel(auth: harness.auth)
        forgot.email = "a@b.co"
        let request = Task { await forgot.requestCode() }
        #expect(await gate.waitForSleepers(1))
        gate.advance()
        await request.value
        #expect(forgot.error?.kind == .offline)
        #expect(forgot.step == .request)

        let accept = AcceptInvitationViewModel(auth: harness.auth, token: "t")
        accept.name = "Bia"
        accept.password = "uma-senha-bem-longa"
        let accepting = Task { await accept.submit() }
        #expect(await gate.waitForSleepers(1))
        gate.advance()
        await accepting.value
        #expect(accept.error?.kind == .offline)
        #expect(accept.signedIn == nil)

        let editor = PocEditorViewModel(repository: harness.pocs)
        editor.draft.name = "x"
        let saving = Task { await editor.save() }
        #expect(await gate.waitForSleepers(1))
        #expect(editor.isSaving)
        gate.advance()
        await saving.value
        #expect(editor.error?.kind == .offline)
        #expect(editor.saved == nil)
    }
}
