import Foundation
import Testing
@testable import PocdexKit

/// Two-factor against the platform through the view models: set up with a code computed from
/// the secret (RFC 6238), log in through the second-factor step with a recovery code (spent
/// once), turn it off with the password and another recovery code.
@Suite("Two-factor against the platform", .serialized)
@MainActor
struct JourneyTwoFactorTests {
    @Test("set up, log in with the second-factor step, a recovery code works once, turn off")
    func twoFactorJourney() async throws {
        let platform = JourneyPlatform()
        let (services, signup) = try await JourneySessionTests.signedUp(platform, offset: Locked(0))

        let setup = TwoFactorViewModel(repository: services.account, enabled: false)
        await setup.begin()
        guard case .settingUp(let secret) = setup.step else {
            Issue.record("setup: \(String(describing: setup.error))")
            return
        }
        #expect(secret.otpauthURI.hasPrefix("otpauth://totp/"))
        setup.code = "000000" == TOTP.code(secret: secret.secret, at: Date()) ? "111111" : "000000"
        await setup.confirm()
        #expect(setup.error?.code == "otp_invalid")
        setup.code = try #require(TOTP.code(secret: secret.secret, at: Date()))
        await setup.confirm()
        guard case .showingRecoveryCodes(let recovery) = setup.step else {
            Issue.record("confirm: \(String(describing: setup.error))")
            return
        }
        #expect(recovery.count == 10)
        setup.finish()
        #expect(setup.step == .on)
        #expect(try await services.account.me().totpEnabled)

        // Log in again: the password is right, then the second factor is asked.
        await services.auth.logout()
        let login = LoginViewModel(auth: services.auth, organization: signup.organizationSlug, email: signup.email)
        login.password = signup.password
        await login.submit()
        #expect(login.step == .secondFactor, "login: \(String(describing: login.error))")
        #expect(login.signedIn == nil)
        login.otp = recovery[0]
        await login.submit()
        #expect(login.signedIn != nil, "second factor: \(String(describing: login.error))")

        // The same recovery code does not work twice.
        await services.auth.logout()
        let again = LoginViewModel(auth: services.auth, organization: signup.organizationSlug, email: signup.email)
        again.password = signup.password
        await again.submit()
        again.otp = recovery[0]
        await again.submit()
        #expect(again.error?.code == "otp_invalid")
        #expect(again.step == .secondFactor)
        again.otp = recovery[1]
        await again.submit()
        #expect(again.signedIn != nil, "second factor: \(String(describing: again.error))")

        // Off: the password and a code are required.
        let off = TwoFactorViewModel(repository: services.account, enabled: true)
        off.password = "not-the-password"
        off.code = recovery[2]
        await off.disable()
        #expect(off.error?.code == "invalid_credentials")
        #expect(off.step == .on)
        off.password = signup.password
        off.code = recovery[3]
        await off.disable()
        #expect(off.step == .off, "disable: \(String(describing: off.error))")
        #expect(try await services.account.me().totpEnabled == false)
    }

    /// The login's enrollment for a member an organization's two-factor rule keeps out, against
    /// the platform, from the outside: the rule is set in the web console only (no API the app's
    /// client reaches), so this proves the two public endpoints, their budgets' first check and
    /// the "not needed" answer everyone else gets, through the view model. The whole flow under the
    /// rule is tested with a fake platform (TwoFactorEnrollmentViewModelTests).
    @Test("the login's two-factor enrollment: a wrong password is refused, anyone the rule does not keep out is sent back to log in")
    func enrollmentOutsideTheRule() async throws {
        let platform = JourneyPlatform()
        let (services, signup) = try await JourneySessionTests.signedUp(platform, offset: Locked(0))
        await services.auth.logout()

        do {
            _ = try await services.auth.startTwoFactorEnrollment(organization: signup.organizationSlug,
                                                                 email: signup.email, password: "not-the-password")
            Issue.record("a wrong password opened the enrollment")
        } catch {
            #expect(APIError.from(transport: error).code == "invalid_credentials")
        }

        let exits = Locked<[TwoFactorEnrollmentViewModel.Exit]>([])
        let enrollment = TwoFactorEnrollmentViewModel(auth: services.auth, organization: signup.organizationSlug,
                                                      email: signup.email, password: signup.password, notice: nil)
        enrollment.onExit = { exit in exits.withLock { $0.append(exit) } }
        await enrollment.start()
        #expect(enrollment.step == .starting)
        let error = try #require(enrollment.error, "start: \(enrollment.step)")
        #expect(error.code == "two_factor_enrollment_not_needed")
        #expect(error.serverMessage?.isEmpty == false)
        #expect(exits.current == [.notNeeded(error)])

        do {
            _ = try await services.auth.confirmTwoFactorEnrollment(organization: signup.organizationSlug, email: signup.email,
                                                                   password: signup.password, code: "000000")
            Issue.record("the confirmation answered 200 outside the rule")
        } catch {
            #expect(APIError.from(transport: error).code == "two_factor_enrollment_not_needed")
            #expect(APIError.from(transport: error).status == 409)
        }
        // Nothing changed for the account: the password alone still logs in.
        let login = LoginViewModel(auth: services.auth, organization: signup.organizationSlug, email: signup.email)
        login.password = signup.password
        await login.submit()
        #expect(login.signedIn != nil, "login: \(String(describing: login.error))")
    }
}

/// RFC 6238 codes (HMAC-SHA1, 30-second steps, six digits) from a base32 secret.
enum TOTP {
    static func code(secret: String, at date: Date) -> String? {
        guard let key = base32(secret) else { return nil }
        var counter = UInt64(date.timeIntervalSince1970 / 30).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = hmacSHA1(key: key, message: message)
        let offset = Int(mac[19] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let digits = String(value % 1_000_000)
        return String(repeating: "0", count: 6 - digits.count) + digits
    }

    static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? SHA1.digest(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = SHA1.digest(block.map { $0 ^ 0x36 } + message)
        return SHA1.digest(block.map { $0 ^ 0x5C } + inner)
    }

    static func base32(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var bytes: [UInt8] = []
        for character in text.uppercased() where character != "=" {
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            value = (value << 5) | index
            bits += 5
            if bits >= 8 {
                bytes.append(UInt8((value >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return bytes
    }
}

@Suite struct TOTPTests {
    @Test func rfc6238SHA1Vectors() {
        // RFC 6238 appendix B, SHA-1, key "12345678901234567890", last six digits.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        #expect(TOTP.code(secret: secret, at: Date(timeIntervalSince1970: 59)) == "287082")
        #expect(TOTP.code(secret: secret, at: Date(timeIntervalSince1970: 1_111_111_109)) == "081804")
        #expect(TOTP.code(secret: secret, at: Date(timeIntervalSince1970: 2_000_000_000)) == "279037")
    }
}
