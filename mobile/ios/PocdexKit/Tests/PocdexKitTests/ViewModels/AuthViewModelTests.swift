import Foundation
import Testing
@testable import PocdexKit

@Suite @MainActor struct LoginViewModelTests {
    static let later = Date().addingTimeInterval(600)

    @Test func credentialsThenTheSecondFactorThenSignedIn() async {
        let bodies = Locked<[[String: JSONValue]]>([])
        let harness = Harness { _, path, _, body in
            #expect(path == "/api/v1/auth/token")
            let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
            bodies.withLock { $0.append(object) }
            guard object["otp"] != nil else { throw apiError(401, "otp_required") }
            guard object["otp"] == .string("123456") else { throw apiError(401, "otp_invalid") }
            return TestJWT.pair(exp: Date().addingTimeInterval(600), refresh: "r1")
        }
        let model = LoginViewModel(auth: harness.auth)
        #expect(!model.canSubmit)
        model.organization = " Lab "
        model.email = "ana@example.com"
        model.password = "a-long-password"
        #expect(model.canSubmit)
        await model.submit()
        #expect(model.step == .secondFactor)
        #expect(model.error == nil)
        #expect(model.signedIn == nil)
        model.otp = "000 000"
        await model.submit()
        #expect(model.step == .secondFactor)
        #expect(model.error?.code == "otp_invalid")
        #expect(model.otp.isEmpty)
        model.otp = "123 456"
        await model.submit()
        #expect(model.signedIn?.organizationSlug == "lab")
        #expect(model.password.isEmpty)
        #expect(bodies.current.last?["organization"] == .string("lab"))
        #expect(bodies.current.last?["otp"] == .string("123456"))
        #expect(await harness.session.isSignedIn)
    }

    @Test func wrongCredentialsShowTheServersMessage() async {
        let harness = Harness { _, _, _, _ in throw apiError(401, "invalid_credentials") }
        let model = LoginViewModel(auth: harness.auth, organization: "lab", email: "ana@example.com")
        model.password = "x"
        await model.submit()
        #expect(model.error == ErrorMessage(kind: .server, code: "invalid_credentials", serverMessage: "msg invalid_credentials"))
        #expect(model.step == .credentials)
        #expect(!model.isSubmitting)
    }

    @Test func emptyOrMalformedFieldsNeverReachThePlatform() async {
        let harness = Harness { _, _, _, _ in "{}" }
        let model = LoginViewModel(auth: harness.auth)
        model.email = "not-an-email"
        model.password = "x"
        await model.submit()
        #expect(model.fieldErrors["organization"] == .local(.required))
        #expect(model.fieldErrors["email"] == .local(.invalidEmail))
        #expect(harness.api.calls.isEmpty)
    }

    @Test func offlineAndThrottled() async {
        let throttled = Locked(false)
        let harness = Harness { _, _, _, _ in
            if throttled.current { throw APIError.throttled(retryAfter: 30, message: "Too many attempts") }
            throw offline
        }
        let model = LoginViewModel(auth: harness.auth, organization: "lab", email: "a@b.co")
        model.password = "x"
        await model.submit()
        #expect(model.error?.kind == .offline)
        throttled.withLock { $0 = true }
        await model.submit()
        #expect(model.error == ErrorMessage(kind: .throttled, code: "throttled", serverMessage: "Too many attempts"))
    }

    @Test func theSignedOutReasonIsShownUntilDismissedOrSignedIn() {
        let model = LoginViewModel(auth: Harness().auth, signedOutReason: .sessionRevoked)
        #expect(model.signedOutReason == .sessionRevoked)
        model.dismissSignedOutReason()
        #expect(model.signedOutReason == nil)
    }
}

@Suite @MainActor struct AppViewModelTests {
    @Test func followsSignInAndARevokedSession() async throws {
        let harness = Harness { _, path, _, _ in
            if path == "/api/v1/auth/refresh" { throw apiError(401, "refresh_token_reused") }
            throw APIError.tokenRevoked
        }
        let services = PocdexServices(baseURL: URL(string: "http://127.0.0.1:8000")!, session: harness.session,
                                      api: harness.api, cache: harness.cache)
        let app = AppViewModel(services: services)
        await app.start()
        #expect(app.phase == .signedOut(reason: nil))
        await harness.session.establish(TokenPair(access: TestJWT.make(exp: Date().addingTimeInterval(5)), refresh: "r1", expiresIn: 600),
                                        organizationSlug: "lab")
        #expect(await poll { app.session != nil })
        // The access token is about to expire: the refresh is refused as a reuse.
        await #expect(throws: APIError.signedOut(.sessionRevoked)) { _ = try await harness.session.validAccessToken() }
        #expect(await poll { app.phase == .signedOut(reason: .sessionRevoked) })
        let login = LoginViewModel(auth: services.auth, signedOutReason: {
            if case .signedOut(let reason) = app.phase { return reason }
            return nil
        }())
        #expect(login.signedOutReason == .sessionRevoked)
        app.stop()
    }

    @Test func deepLinksAreKeptForTheirScreen() {
        let app = AppViewModel(services: PocdexServices(baseURL: URL(string: "http://x")!, session: Harness().session,
                                                        api: FakeAPI(), cache: OfflineCache(storage: MemoryCacheStorage())))
        #expect(app.open(URL(string: "pocdex://invite?token=abc")!))
        #expect(app.pendingLink == .invitation(token: "abc"))
        let auth = Harness().auth
        #expect(AcceptInvitationViewModel(auth: auth, link: app.pendingLink!)?.token == "abc")
        #expect(!app.open(URL(string: "https://elsewhere.example/invite?token=x")!))
        #expect(AcceptInvitationViewModel(auth: auth, link: .passwordReset(token: "r")) == nil)
    }
}

/// Polls a main-actor condition (yielding), for state that follows an event stream.
@MainActor
func poll(_ condition: @MainActor () -> Bool) async -> Bool {
    for _ in 0..<2_000 {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 1_000_000)
    }
    return condition()
}

@Suite @MainActor struct SignupViewModelTests {
    @Test func theSlugFollowsTheNameUntilEdited() {
        let model = SignupViewModel(auth: Harness().auth)
        model.organizationName = "Laboratório Ágil"
        #expect(model.organizationSlug == "laboratorio-agil")
        model.editSlug("Meu-Lab")
        model.organizationName = "Outro"
        #expect(model.organizationSlug == "meu-lab")
    }

    @Test func validationThenSignedIn() async {
        let harness = Harness { _, path, _, body in
            #expect(path == "/api/v1/signup")
            let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
            #expect(object["locale"] == .string("pt-BR"))
            #expect(object["organization_slug"] == .string("lab-agil"))
            return #"{"organization":{"id":"o","slug":"lab-agil","name":"Lab","status":"provisioning","plan":"free"},"user":{"id":"u","name":"Ana","email":"a@b.co"},"role":"owner","tokens":\#(TestJWT.pair(exp: Date().addingTimeInterval(600), refresh: "r"))}"#
        }
        let model = SignupViewModel(auth: harness.auth, language: .portuguese)
        await model.submit()
        #expect(model.fieldErrors.keys.sorted() == ["email", "organization_name", "organization_slug", "owner_name", "password"])
        model.organizationName = "Lab Ágil"
        model.ownerName = "Ana"
        model.email = "a@b.co"
        model.password = "short"
        await model.submit()
        #expect(model.fieldErrors == ["password": .local(.passwordTooShort)])
        model.password = "uma-senha-bem-longa"
        await model.submit()
        #expect(model.fieldErrors.isEmpty)
        guard case .signedIn(let info) = model.outcome else {
            Issue.record("expected signed in, got \(String(describing: model.outcome))")
            return
        }
        #expect(info.organizationSlug == "lab-agil")
    }

    @Test func takenSlugAndExistingAccount() async {
        let existing = Locked(false)
        let harness = Harness { _, _, _, _ in
            if existing.current { return #"{"status":"mail_sent"}"# }
            throw apiError(400, "validation_error", fields: ["organization_slug": ["This slug is taken."]])
        }
        let model = SignupViewModel(auth: harness.auth)
        model.organizationName = "Lab"
        model.ownerName = "Ana"
        model.email = "a@b.co"
        model.password = "uma-senha-bem-longa"
        await model.submit()
        #expect(model.fieldErrors["organization_slug"] == .server("This slug is taken."))
        #expect(model.outcome == nil)
        existing.withLock { $0 = true }
        await model.submit()
        #expect(model.outcome == .mailSent)
    }

    @Test func emailVerificationWithTheMailedCode() async {
        let harness = Harness { _, path, _, body in
            #expect(path == "/api/v1/auth/verify-email")
            let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
            if object["token"] != .string("GOOD") { throw apiError(400, "verification_invalid") }
            return ""
        }
        let model = SignupViewModel(auth: harness.auth)
        model.verificationCode = "BAD"
        await model.verifyEmail()
        #expect(model.verificationError?.code == "verification_invalid")
        #expect(!model.emailVerified)
        model.verificationCode = " GOOD\n"
        await model.verifyEmail()
        #expect(model.emailVerified)
        #expect(model.verificationError == nil)
    }
}

@Suite @MainActor struct ForgotPasswordViewModelTests {
    @Test func requestThenResetThenDone() async {
        let harness = Harness { _, path, _, body in
            if path == "/api/v1/auth/password-reset/confirm" {
                let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
                if object["token"] != .string("CODE") { throw apiError(400, "reset_token_invalid") }
            }
            return ""
        }
        let model = ForgotPasswordViewModel(auth: harness.auth)
        model.email = "nope"
        await model.requestCode()
        #expect(model.fieldErrors["email"] == .local(.invalidEmail))
        model.email = "ana@example.com"
        await model.requestCode()
        #expect(model.step == .codeSent)
        model.code = "WRONG"
        model.newPassword = "uma-senha-bem-longa"
        await model.resetPassword()
        #expect(model.error?.code == "reset_token_invalid")
        #expect(model.step == .codeSent)
        model.code = "CODE"
        await model.resetPassword()
        #expect(model.step == .done)
        #expect(model.newPassword.isEmpty)
    }

    @Test func aResetLinkOpensAtTheNewPasswordStep() {
        let model = ForgotPasswordViewModel(auth: Harness().auth, resetToken: "T")
        #expect(model.step == .codeSent)
        #expect(model.code == "T")
    }
}

@Suite @MainActor struct AcceptInvitationViewModelTests {
    @Test func anExistingPersonWithTwoFactorIsAskedForTheCode() async {
        let harness = Harness { _, _, _, body in
            let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
            #expect(object["name"] == nil)
            guard object["otp"] == .string("654321") else { throw apiError(401, "otp_required") }
            return #"{"organization":{"id":"o2","slug":"team","name":"Team","status":"active","plan":"free"},"role":"member","created_user":false,"tokens":\#(TestJWT.pair(exp: Date().addingTimeInterval(600), refresh: "r"))}"#
        }
        let model = AcceptInvitationViewModel(auth: harness.auth, token: "tok")
        model.hasAccount = true
        model.password = "minha-senha"
        #expect(model.canSubmit)
        await model.submit()
        #expect(model.needsSecondFactor)
        #expect(model.signedIn == nil)
        model.otp = "654321"
        await model.submit()
        #expect(model.signedIn?.organizationSlug == "team")
    }

    @Test func aNewPersonNeedsANameAndAnExpiredInvitationSaysSo() async {
        let harness = Harness { _, _, _, _ in throw apiError(410, "invitation_used") }
        let model = AcceptInvitationViewModel(auth: harness.auth, token: "tok")
        model.password = "uma-senha-bem-longa"
        await model.submit()
        #expect(model.fieldErrors["name"] == .local(.required))
        #expect(harness.api.calls.isEmpty)
        model.name = "Bia"
        await model.submit()
        #expect(model.error?.code == "invitation_used")
    }
}
