import Foundation
import Testing
@testable import PocdexKit

/// A member of an organization that requires two-factor, without it, as the accounts service
/// treats them: the login answers 403 `two_factor_required` until two-factor is on; the two
/// public enrollment endpoints take the login's credentials; the confirming code is spent (the
/// login after it needs a later one, as `_totp_spend` rules).
final class RequiredTwoFactorPlatform: @unchecked Sendable {
    struct State {
        var enabled = false
        var started = false
        var spent: Set<String> = []
        var bodies: [String: [[String: JSONValue]]] = [:]
        /// Errors to answer, once each, per path (before anything else).
        var failures: [String: [APIError]] = [:]
    }

    static let password = "a-long-password"
    static let secret = "JBSWY3DPEHPK3PXP"
    static let uri = "otpauth://totp/Pocdex:ana%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Pocdex"
    /// The code the authenticator shows now, and the next one.
    static let firstCode = "123456"
    static let nextCode = "654321"

    let state = Locked(State())

    var bodies: [String: [[String: JSONValue]]] { state.current.bodies }

    func fail(_ path: String, with error: APIError) {
        state.withLock { $0.failures[path, default: []].append(error) }
    }

    func route(_ method: String, _ path: String, _ body: Data?) throws -> String {
        #expect(method == "POST")
        let object = try JSONDecoder().decode([String: JSONValue].self, from: body ?? Data())
        let failure = state.withLock { state -> APIError? in
            state.bodies[path, default: []].append(object)
            guard var queued = state.failures[path], !queued.isEmpty else { return nil }
            let first = queued.removeFirst()
            state.failures[path] = queued
            return first
        }
        if let failure { throw failure }
        guard object["password"] == .string(Self.password) else { throw apiError(401, "invalid_credentials") }
        switch path {
        case "/api/v1/auth/token":
            return try state.withLock { state in
                guard state.enabled else { throw apiError(403, "two_factor_required") }
                guard case .string(let otp)? = object["otp"] else { throw apiError(401, "otp_required") }
                guard [Self.firstCode, Self.nextCode].contains(otp), !state.spent.contains(otp) else {
                    throw apiError(401, "otp_invalid")
                }
                state.spent.insert(otp)
                return TestJWT.pair(exp: Date().addingTimeInterval(600), refresh: "r1")
            }
        case "/api/v1/auth/totp-enrollment":
            return try state.withLock { state in
                guard !state.enabled else { throw apiError(409, "two_factor_enrollment_not_needed") }
                state.started = true
                return #"{"secret":"\#(Self.secret)","otpauth_uri":"\#(Self.uri)"}"#
            }
        case "/api/v1/auth/totp-enrollment/confirm":
            return try state.withLock { state in
                guard !state.enabled else { throw apiError(409, "two_factor_enrollment_not_needed") }
                guard state.started else { throw apiError(409, "totp_not_started") }
                guard object["code"] == .string(Self.firstCode) else {
                    throw apiError(400, "otp_invalid", fields: ["code": ["The code is not valid."]])
                }
                state.enabled = true
                state.spent.insert(Self.firstCode)
                return #"{"recovery_codes":["aaa111-bbb222","ccc333-ddd444"]}"#
            }
        default:
            throw apiError(404, "not_found")
        }
    }

    @MainActor
    func harness() -> Harness {
        Harness { [self] method, path, _, body in try self.route(method, path, body) }
    }
}

@Suite @MainActor struct TwoFactorEnrollmentViewModelTests {
    static let setup = TOTPSetup(secret: RequiredTwoFactorPlatform.secret, otpauthURI: RequiredTwoFactorPlatform.uri)

    /// A login at the enrollment step (the 403 answered, the secret asked for).
    static func enrolling(_ platform: RequiredTwoFactorPlatform) async -> (Harness, LoginViewModel) {
        let harness = platform.harness()
        let login = LoginViewModel(auth: harness.auth, organization: " Lab ", email: "ana@example.com")
        login.password = RequiredTwoFactorPlatform.password
        await login.submit()
        return (harness, login)
    }

    @Test func theWholeEnrollmentFromTheLoginThenALoginWithANewCode() async throws {
        let platform = RequiredTwoFactorPlatform()
        let (harness, login) = await Self.enrolling(platform)
        #expect(login.step == .twoFactorEnrollment)
        #expect(login.error == nil)
        #expect(login.signedIn == nil)
        #expect(!login.isSubmitting)
        #expect(!login.canSubmit)
        let enrollment = try #require(login.enrollment)
        #expect(enrollment.notice == "msg two_factor_required")
        #expect(enrollment.step == .settingUp(Self.setup))
        #expect(!enrollment.isWorking)
        #expect(enrollment.error == nil)
        // The credentials already typed, as the login sent them; no code yet.
        let started = try #require(platform.bodies["/api/v1/auth/totp-enrollment"]?.first)
        #expect(started == ["organization": .string("lab"), "email": .string("ana@example.com"),
                            "password": .string(RequiredTwoFactorPlatform.password)])

        // Digits only, six at most.
        #expect(!enrollment.canConfirm)
        enrollment.code = "12a 34-56 7"
        #expect(enrollment.code == "123456")
        #expect(enrollment.canConfirm)
        await enrollment.confirm()
        #expect(enrollment.step == .showingRecoveryCodes(["aaa111-bbb222", "ccc333-ddd444"]))
        #expect(enrollment.error == nil)
        #expect(enrollment.code.isEmpty)
        #expect(platform.bodies["/api/v1/auth/totp-enrollment/confirm"]?.first?["code"] == .string("123456"))
        #expect(platform.bodies["/api/v1/auth/totp-enrollment/confirm"]?.first?["organization"] == .string("lab"))

        // The codes stay until the person says they saved them; no way back meanwhile.
        #expect(!enrollment.canFinish)
        #expect(!enrollment.canCancel)
        enrollment.finish()
        enrollment.cancel()
        #expect(login.step == .twoFactorEnrollment)
        #expect(enrollment.step == .showingRecoveryCodes(["aaa111-bbb222", "ccc333-ddd444"]))
        enrollment.hasSavedRecoveryCodes = true
        #expect(enrollment.canFinish)
        enrollment.finish()

        // Back at the second-factor step; the confirming code is spent.
        #expect(login.step == .secondFactor)
        #expect(login.enrollment == nil)
        #expect(login.justEnrolled)
        #expect(login.error == nil)
        let callsBefore = harness.api.calls.count
        login.otp = "123 456"
        await login.submit()
        #expect(login.fieldErrors["otp"] == .local(.codeAlreadyUsed))
        #expect(login.otp.isEmpty)
        #expect(login.signedIn == nil)
        #expect(harness.api.calls.count == callsBefore)
        login.otp = RequiredTwoFactorPlatform.nextCode
        await login.submit()
        #expect(login.signedIn?.organizationSlug == "lab", "login: \(String(describing: login.error))")
        #expect(!login.justEnrolled)
        #expect(login.password.isEmpty)
        #expect(await harness.session.isSignedIn)
        #expect(harness.api.calls == ["POST /api/v1/auth/token", "POST /api/v1/auth/totp-enrollment",
                                      "POST /api/v1/auth/totp-enrollment/confirm", "POST /api/v1/auth/token"])
    }

    @Test func aWrongCodeShowsTheServersMessageAndKeepsTheSecret() async throws {
        let platform = RequiredTwoFactorPlatform()
        let (harness, login) = await Self.enrolling(platform)
        let enrollment = try #require(login.enrollment)
        enrollment.code = "000000"
        await enrollment.confirm()
        #expect(enrollment.error == ErrorMessage(kind: .validation, code: "otp_invalid", serverMessage: "msg otp_invalid"))
        #expect(enrollment.step == .settingUp(Self.setup))
        #expect(enrollment.code.isEmpty)
        #expect(!enrollment.isWorking)
        #expect(login.step == .twoFactorEnrollment)

        // Fewer than six digits never reach the platform.
        let calls = harness.api.calls.count
        enrollment.code = "123"
        #expect(!enrollment.canConfirm)
        await enrollment.confirm()
        #expect(enrollment.error == ErrorMessage(kind: .validation, code: FieldProblem.invalidCode.rawValue))
        #expect(harness.api.calls.count == calls)

        enrollment.code = RequiredTwoFactorPlatform.firstCode
        await enrollment.confirm()
        #expect(enrollment.error == nil)
        guard case .showingRecoveryCodes(let codes) = enrollment.step else {
            Issue.record("expected the recovery codes, got \(enrollment.step)")
            return
        }
        #expect(codes.count == 2)
    }

    @Test func notNeededGoesBackToTheLoginFormWithTheServersMessage() async throws {
        // Two-factor is on already (turned on elsewhere): the login then asks for a code.
        let platform = RequiredTwoFactorPlatform()
        platform.fail("/api/v1/auth/totp-enrollment", with: apiError(409, "two_factor_enrollment_not_needed"))
        let (_, login) = await Self.enrolling(platform)
        #expect(login.step == .credentials)
        #expect(login.enrollment == nil)
        #expect(login.error == ErrorMessage(kind: .server, code: "two_factor_enrollment_not_needed",
                                            serverMessage: "msg two_factor_enrollment_not_needed"))
        #expect(login.password == RequiredTwoFactorPlatform.password)
        #expect(login.organization == " Lab ")

        // The same when it turns out only at the confirmation (a second device was quicker).
        let other = RequiredTwoFactorPlatform()
        let (_, again) = await Self.enrolling(other)
        let enrollment = try #require(again.enrollment)
        other.state.withLock { $0.enabled = true }
        enrollment.code = RequiredTwoFactorPlatform.firstCode
        await enrollment.confirm()
        #expect(again.step == .credentials)
        #expect(again.enrollment == nil)
        #expect(again.error?.code == "two_factor_enrollment_not_needed")
        // Logging in again now asks for the second factor.
        await again.submit()
        #expect(again.step == .secondFactor)
    }

    @Test func throttledStartAndConfirmCanBeTriedAgain() async throws {
        let platform = RequiredTwoFactorPlatform()
        platform.fail("/api/v1/auth/totp-enrollment", with: .throttled(retryAfter: 30, message: "Too many attempts"))
        let (_, login) = await Self.enrolling(platform)
        #expect(login.step == .twoFactorEnrollment)
        let enrollment = try #require(login.enrollment)
        #expect(enrollment.step == .starting)
        #expect(enrollment.error == ErrorMessage(kind: .throttled, code: "throttled", serverMessage: "Too many attempts"))
        #expect(!enrollment.isWorking)
        #expect(!login.isSubmitting)
        await enrollment.start()
        #expect(enrollment.step == .settingUp(Self.setup))
        #expect(enrollment.error == nil)

        platform.fail("/api/v1/auth/totp-enrollment/confirm", with: .throttled(retryAfter: 30, message: "Too many attempts"))
        enrollment.code = RequiredTwoFactorPlatform.firstCode
        await enrollment.confirm()
        #expect(enrollment.error?.kind == .throttled)
        #expect(enrollment.error?.serverMessage == "Too many attempts")
        #expect(enrollment.step == .settingUp(Self.setup))
        enrollment.code = RequiredTwoFactorPlatform.firstCode
        await enrollment.confirm()
        #expect(enrollment.step == .showingRecoveryCodes(["aaa111-bbb222", "ccc333-ddd444"]))
    }

    @Test func offlineStartShowsTheOfflineError() async throws {
        let platform = RequiredTwoFactorPlatform()
        platform.fail("/api/v1/auth/totp-enrollment", with: offline)
        let (_, login) = await Self.enrolling(platform)
        let enrollment = try #require(login.enrollment)
        #expect(enrollment.step == .starting)
        #expect(enrollment.error?.kind == .offline)
        #expect(enrollment.canCancel)
    }

    @Test func cancelReturnsToTheLoginForm() async throws {
        let platform = RequiredTwoFactorPlatform()
        let (harness, login) = await Self.enrolling(platform)
        let enrollment = try #require(login.enrollment)
        enrollment.code = "000000"
        await enrollment.confirm()
        #expect(enrollment.error != nil)
        #expect(enrollment.canCancel)
        enrollment.cancel()
        #expect(login.step == .credentials)
        #expect(login.enrollment == nil)
        #expect(login.error == nil)
        #expect(login.organization == " Lab ")
        #expect(login.email == "ana@example.com")
        #expect(login.canSubmit)
        // A late call on the dropped enrollment changes nothing.
        let calls = harness.api.calls.count
        enrollment.code = RequiredTwoFactorPlatform.firstCode
        await enrollment.confirm()
        #expect(harness.api.calls.count == calls)
        #expect(login.step == .credentials)

        // Logging in again starts a new enrollment; "Use another account" also leaves it.
        await login.submit()
        #expect(login.step == .twoFactorEnrollment)
        #expect(login.enrollment != nil)
        #expect(login.enrollment !== enrollment)
        login.backToCredentials()
        #expect(login.step == .credentials)
        #expect(login.enrollment == nil)
    }

    @Test func theEnrollmentCallsSendTheLoginsCredentials() async throws {
        let bodies = Locked<[String: [String: JSONValue]]>([:])
        let harness = Harness { _, path, _, body in
            bodies.withLock { $0[path] = try? JSONDecoder().decode([String: JSONValue].self, from: body ?? Data()) }
            return path.hasSuffix("/confirm") ? #"{"recovery_codes":["a-b"]}"# : #"{"secret":"S","otpauth_uri":"otpauth://totp/x"}"#
        }
        let setup = try await harness.auth.startTwoFactorEnrollment(organization: " LAB ", email: " ana@example.com ",
                                                                    password: " p ")
        #expect(setup == TOTPSetup(secret: "S", otpauthURI: "otpauth://totp/x"))
        let codes = try await harness.auth.confirmTwoFactorEnrollment(organization: "lab", email: "ana@example.com",
                                                                      password: " p ", code: "123 456")
        #expect(codes == ["a-b"])
        #expect(bodies.current["/api/v1/auth/totp-enrollment"] == ["organization": .string("lab"),
                                                                   "email": .string("ana@example.com"),
                                                                   "password": .string(" p ")])
        #expect(bodies.current["/api/v1/auth/totp-enrollment/confirm"]?["code"] == .string("123456"))
        #expect(harness.api.calls == ["POST /api/v1/auth/totp-enrollment", "POST /api/v1/auth/totp-enrollment/confirm"])
        #expect(await harness.session.isSignedIn == false)
    }
}
