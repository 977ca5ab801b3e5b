import Foundation
import Observation

/// The app's root: restores the session at launch, follows sign-in/sign-out events, and holds
/// the deep link that arrived (an invitation, a password reset, an email confirmation).
@Observable @MainActor
public final class AppViewModel {
    public enum Phase: Sendable, Hashable {
        case launching
        case signedOut(reason: SignOutReason?)
        case signedIn(SessionInfo)
    }

    public private(set) var phase: Phase = .launching
    /// A link the app was opened with, until the screen it leads to takes it.
    public var pendingLink: DeepLink?

    public let services: PocdexServices
    @ObservationIgnored private var listening: Task<Void, Never>?

    public init(services: PocdexServices) {
        self.services = services
    }

    public var session: SessionInfo? {
        if case .signedIn(let info) = phase { return info }
        return nil
    }

    /// Reads the stored session and starts following session events (call once, at launch).
    public func start() async {
        let session = services.session
        let stream = await session.events()
        if let info = await session.restore() {
            phase = .signedIn(info)
        } else {
            phase = .signedOut(reason: nil)
        }
        listening?.cancel()
        listening = Task { [weak self] in
            for await event in stream {
                guard let self else { return }
                self.apply(event)
            }
        }
    }

    func apply(_ event: SessionEvent) {
        switch event {
        case .signedIn(let info), .refreshed(let info):
            phase = .signedIn(info)
        case .signedOut(let reason):
            phase = .signedOut(reason: reason == .loggedOut ? nil : reason)
        }
    }

    /// `onOpenURL` / universal links: remembers a link the app understands; false otherwise.
    @discardableResult
    public func open(_ url: URL) -> Bool {
        guard let link = DeepLink(url: url) else { return false }
        pendingLink = link
        return true
    }

    public func logout() async {
        await services.auth.logout()
        phase = .signedOut(reason: nil)
    }

    public func stop() {
        listening?.cancel()
        listening = nil
    }
}

/// Login with organization, email and password, then the second factor when asked. A member of
/// an organization that requires two-factor who has not turned it on (403 `two_factor_required`)
/// is handed to a `TwoFactorEnrollmentViewModel` with the credentials already typed; once the
/// recovery codes are saved, the login comes back at the second-factor step.
@Observable @MainActor
public final class LoginViewModel {
    public enum Step: Sendable, Hashable {
        case credentials
        /// The password was right; a TOTP or recovery code is needed.
        case secondFactor
        /// The organization requires two-factor and the person has not turned it on: `enrollment`.
        case twoFactorEnrollment
    }

    public var organization: String
    public var email: String
    public var password = ""
    public var otp = ""
    public private(set) var step: Step = .credentials
    public private(set) var isSubmitting = false
    public private(set) var error: ErrorMessage?
    public private(set) var fieldErrors: [String: FieldError] = [:]
    /// Why the previous session ended (shown above the form), if it ended on its own.
    public private(set) var signedOutReason: SignOutReason?
    public private(set) var signedIn: SessionInfo?
    /// The enrollment in progress (step `twoFactorEnrollment`).
    public private(set) var enrollment: TwoFactorEnrollmentViewModel?
    /// Two-factor was just turned on here: the second-factor step says to wait for a new code
    /// (the one that confirmed it is spent).
    public private(set) var justEnrolled = false

    @ObservationIgnored private let auth: AuthRepository
    @ObservationIgnored private var spentCode: String?

    public init(auth: AuthRepository, signedOutReason: SignOutReason? = nil, organization: String = "", email: String = "") {
        self.auth = auth
        self.signedOutReason = signedOutReason
        self.organization = organization
        self.email = email
    }

    public var canSubmit: Bool {
        guard !isSubmitting else { return false }
        switch step {
        case .credentials:
            return !organization.trimmingCharacters(in: .whitespaces).isEmpty
                && !email.trimmingCharacters(in: .whitespaces).isEmpty && !password.isEmpty
        case .secondFactor:
            return !otp.trimmingCharacters(in: .whitespaces).isEmpty
        case .twoFactorEnrollment:
            return false
        }
    }

    public func submit() async {
        guard !isSubmitting, step != .twoFactorEnrollment else { return }
        error = nil
        fieldErrors = Validation.required(step == .credentials
            ? [("organization", organization), ("email", email), ("password", password)]
            : [("otp", otp)])
        if step == .credentials, fieldErrors["email"] == nil, !Validation.isEmail(email) {
            fieldErrors["email"] = .local(.invalidEmail)
        }
        let code = step == .secondFactor ? otp.filter { !$0.isWhitespace } : nil
        if let code, let spentCode, code == spentCode {
            // The platform takes each code once: this one turned two-factor on a moment ago.
            fieldErrors["otp"] = .local(.codeAlreadyUsed)
            otp = ""
        }
        guard fieldErrors.isEmpty else { return }
        isSubmitting = true
        defer { isSubmitting = false }
        do {
            signedIn = try await auth.login(organization: organization, email: email, password: password, otp: code)
            signedOutReason = nil
            password = ""
            otp = ""
            justEnrolled = false
            spentCode = nil
        } catch {
            let api = APIError.from(transport: error)
            switch api.code {
            case "otp_required":
                step = .secondFactor
            case "otp_invalid":
                step = .secondFactor
                otp = ""
                self.error = ErrorMessage(error)
            case "two_factor_required":
                await beginEnrollment(notice: api.serverMessage)
            default:
                self.error = ErrorMessage(error)
                fieldErrors = FieldError.from(error)
            }
        }
    }

    /// Back from the second-factor step (another account, a typo in the password), or out of the
    /// two-factor enrollment.
    public func backToCredentials() {
        step = .credentials
        otp = ""
        error = nil
        enrollment?.onExit = nil  // an answer still on its way to it changes nothing here
        enrollment = nil
        justEnrolled = false
        spentCode = nil
    }

    public func dismissSignedOutReason() { signedOutReason = nil }

    /// The organization requires two-factor: enrollment with the credentials typed here, started at once.
    private func beginEnrollment(notice: String?) async {
        let enrollment = TwoFactorEnrollmentViewModel(auth: auth, organization: organization, email: email,
                                                      password: password, notice: notice)
        enrollment.onExit = { [weak self] exit in self?.enrollmentEnded(exit) }
        self.enrollment = enrollment
        step = .twoFactorEnrollment
        otp = ""
        fieldErrors = [:]
        await enrollment.start()
    }

    private func enrollmentEnded(_ exit: TwoFactorEnrollmentViewModel.Exit) {
        enrollment?.onExit = nil
        enrollment = nil
        otp = ""
        fieldErrors = [:]
        switch exit {
        case .enrolled(let code):
            step = .secondFactor
            error = nil
            justEnrolled = true
            spentCode = code
        case .cancelled:
            step = .credentials
            error = nil
        case .notNeeded(let message):
            // Two-factor is on already, or no longer required: logging in again works.
            step = .credentials
            error = message
        }
    }
}

/// Turning two-factor on from the login, for a member of an organization that requires it (the
/// platform gives them no tokens until then, so the profile's `TwoFactorViewModel` cannot be
/// used): the secret and its otpauth:// URI for the authenticator app, a first 6-digit code to
/// confirm, the recovery codes shown once until the person says they saved them. `LoginViewModel`
/// creates it, starts it, and takes the person back when it ends (`finish`, `cancel`, or the
/// platform saying it is not needed).
@Observable @MainActor
public final class TwoFactorEnrollmentViewModel {
    public enum Step: Sendable, Hashable {
        /// Asking the platform for a secret (`isWorking`), or that failed (`error`; `start` again).
        case starting
        case settingUp(TOTPSetup)
        /// Two-factor is on; the codes are shown only now.
        case showingRecoveryCodes([String])
        /// The codes were saved: the login asks for a current code.
        case finished
    }

    /// How the enrollment ended, for the login.
    enum Exit: Sendable, Hashable {
        /// With the code that confirmed it (spent: the login needs a later one).
        case enrolled(spentCode: String)
        case cancelled
        /// 409 `two_factor_enrollment_not_needed`, with the platform's message.
        case notNeeded(ErrorMessage)
    }

    public let organization: String
    public let email: String
    /// Why the person is here, as the platform said it (the 403's message, in their language).
    public let notice: String?
    public private(set) var step: Step = .starting
    /// The first code of the authenticator app: six digits, anything else is dropped as typed.
    public var code = "" {
        didSet {
            let digits = String(code.filter { $0.isASCII && $0.isNumber }.prefix(6))
            if digits != code { code = digits }
        }
    }
    /// The person says they saved the recovery codes (required to go on).
    public var hasSavedRecoveryCodes = false
    public private(set) var isWorking = false
    public private(set) var error: ErrorMessage?

    @ObservationIgnored private let auth: AuthRepository
    @ObservationIgnored private var password: String
    @ObservationIgnored private var confirmedCode: String?
    @ObservationIgnored private var ended = false
    @ObservationIgnored var onExit: (@MainActor (Exit) -> Void)?

    init(auth: AuthRepository, organization: String, email: String, password: String, notice: String?) {
        self.auth = auth
        self.organization = organization
        self.email = email
        self.password = password
        self.notice = notice
    }

    public var canConfirm: Bool {
        guard case .settingUp = step, !isWorking else { return false }
        return code.count == 6
    }

    public var canFinish: Bool {
        guard case .showingRecoveryCodes = step else { return false }
        return hasSavedRecoveryCodes
    }

    /// Asks for a secret with the login's credentials (again after a failure).
    public func start() async {
        guard step == .starting, !isWorking, !ended else { return }
        isWorking = true
        defer { isWorking = false }
        error = nil
        do {
            step = .settingUp(try await auth.startTwoFactorEnrollment(organization: organization, email: email,
                                                                      password: password))
        } catch {
            failed(error)
        }
    }

    /// Turns two-factor on with the code the authenticator app shows.
    public func confirm() async {
        guard case .settingUp = step, !isWorking, !ended else { return }
        guard code.count == 6 else {
            error = ErrorMessage(kind: .validation, code: FieldProblem.invalidCode.rawValue)
            return
        }
        let digits = code
        isWorking = true
        defer { isWorking = false }
        error = nil
        do {
            let codes = try await auth.confirmTwoFactorEnrollment(organization: organization, email: email,
                                                                  password: password, code: digits)
            confirmedCode = digits
            hasSavedRecoveryCodes = false
            step = .showingRecoveryCodes(codes)
            code = ""
        } catch {
            code = ""
            failed(error)
        }
    }

    /// The recovery codes are saved: back to the login, at the second-factor step.
    public func finish() {
        guard canFinish else { return }
        step = .finished
        end(.enrolled(spentCode: confirmedCode ?? ""))
    }

    /// Whether `cancel` is possible now: not while a code is being confirmed, and not once
    /// two-factor is on (the recovery codes must be saved first).
    public var canCancel: Bool {
        switch step {
        case .starting: return true
        case .settingUp: return !isWorking
        case .showingRecoveryCodes, .finished: return false
        }
    }

    /// Back to the login form. Before the code is confirmed nothing changes for the account (a
    /// secret that was never confirmed is not used).
    public func cancel() {
        guard canCancel else { return }
        end(.cancelled)
    }

    private func failed(_ error: Error) {
        let message = ErrorMessage(error)
        self.error = message
        if message.code == "two_factor_enrollment_not_needed" { end(.notNeeded(message)) }
    }

    /// Hands the person back to the login, once (an answer arriving after a cancel changes nothing).
    private func end(_ exit: Exit) {
        guard !ended else { return }
        ended = true
        password = ""
        onExit?(exit)
    }
}

/// Signup: a new organization and its owner.
@Observable @MainActor
public final class SignupViewModel {
    public enum Outcome: Sendable, Hashable {
        case signedIn(SessionInfo)
        /// The address already has an account: a mail tells its owner what to do.
        case mailSent
    }

    public var organizationName = "" {
        didSet { if !slugEdited { organizationSlug = Validation.slug(from: organizationName) } }
    }
    public var organizationSlug = ""
    public var ownerName = ""
    public var email = ""
    public var password = ""
    public var language: AppLanguage
    public private(set) var isSubmitting = false
    public private(set) var error: ErrorMessage?
    public private(set) var fieldErrors: [String: FieldError] = [:]
    public private(set) var outcome: Outcome?
    /// Email confirmation right after signup (the code of the mail).
    public var verificationCode = ""
    public private(set) var emailVerified = false
    public private(set) var isVerifying = false
    public private(set) var verificationError: ErrorMessage?

    @ObservationIgnored private var slugEdited = false
    @ObservationIgnored private let auth: AuthRepository
    public static let minimumPasswordLength = 10

    public init(auth: AuthRepository, language: AppLanguage = .english) {
        self.auth = auth
        self.language = language
    }

    /// The person typed a slug: stop deriving it from the name.
    public func editSlug(_ slug: String) {
        slugEdited = true
        organizationSlug = slug.lowercased()
    }

    public func validate() -> Bool {
        var errors = Validation.required([("organization_name", organizationName), ("organization_slug", organizationSlug),
                                          ("owner_name", ownerName), ("email", email), ("password", password)])
        if errors["email"] == nil, !Validation.isEmail(email) { errors["email"] = .local(.invalidEmail) }
        if errors["organization_slug"] == nil, !Validation.isSlug(organizationSlug) {
            errors["organization_slug"] = .local(.invalidSlug)
        }
        if errors["password"] == nil, password.count < Self.minimumPasswordLength {
            errors["password"] = .local(.passwordTooShort)
        }
        fieldErrors = errors
        return errors.isEmpty
    }

    public func submit() async {
        guard !isSubmitting else { return }
        error = nil
        guard validate() else { return }
        isSubmitting = true
        defer { isSubmitting = false }
        do {
            let result = try await auth.signup(SignupRequest(
                organizationName: organizationName.trimmingCharacters(in: .whitespaces),
                organizationSlug: organizationSlug, ownerName: ownerName.trimmingCharacters(in: .whitespaces),
                email: email.trimmingCharacters(in: .whitespaces), password: password, locale: language.rawValue))
            switch result {
            case .signedIn(let info): outcome = .signedIn(info)
            case .mailSent: outcome = .mailSent
            }
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
        }
    }

    /// Confirms the email with the code of the verification mail.
    public func verifyEmail() async {
        let code = verificationCode.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !code.isEmpty, !isVerifying else {
            verificationError = ErrorMessage(kind: .validation, code: "required")
            return
        }
        isVerifying = true
        defer { isVerifying = false }
        do {
            try await auth.verifyEmail(token: code)
            emailVerified = true
            verificationError = nil
        } catch {
            verificationError = ErrorMessage(error)
        }
    }
}

/// Forgot password: ask for a reset mail, then set a new password with its code.
@Observable @MainActor
public final class ForgotPasswordViewModel {
    public enum Step: Sendable, Hashable {
        case request
        /// The mail was sent (always said, whether the address exists or not).
        case codeSent
        case done
    }

    public var email = ""
    public var code = ""
    public var newPassword = ""
    public private(set) var step: Step = .request
    public private(set) var isSubmitting = false
    public private(set) var error: ErrorMessage?
    public private(set) var fieldErrors: [String: FieldError] = [:]

    @ObservationIgnored private let auth: AuthRepository

    /// `resetToken` comes from a reset link: the form opens at the new-password step.
    public init(auth: AuthRepository, resetToken: String? = nil) {
        self.auth = auth
        if let resetToken {
            code = resetToken
            step = .codeSent
        }
    }

    public func requestCode() async {
        error = nil
        fieldErrors = Validation.required([("email", email)])
        if fieldErrors.isEmpty, !Validation.isEmail(email) { fieldErrors["email"] = .local(.invalidEmail) }
        guard fieldErrors.isEmpty, !isSubmitting else { return }
        isSubmitting = true
        defer { isSubmitting = false }
        do {
            try await auth.forgotPassword(email: email)
            step = .codeSent
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
        }
    }

    public func resetPassword() async {
        error = nil
        fieldErrors = Validation.required([("token", code), ("new_password", newPassword)])
        if fieldErrors["new_password"] == nil, newPassword.count < SignupViewModel.minimumPasswordLength {
            fieldErrors["new_password"] = .local(.passwordTooShort)
        }
        guard fieldErrors.isEmpty, !isSubmitting else { return }
        isSubmitting = true
        defer { isSubmitting = false }
        do {
            try await auth.resetPassword(token: code, newPassword: newPassword)
            newPassword = ""
            step = .done
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
        }
    }

    public func startOver() {
        step = .request
        code = ""
        error = nil
        fieldErrors = [:]
    }
}

/// Accepting an invitation from its link: a new person gives a name and a password; someone
/// who already has an account gives their password (and a second factor when they use one).
@Observable @MainActor
public final class AcceptInvitationViewModel {
    public var token: String
    public var name = ""
    public var password = ""
    public var otp = ""
    /// The person says they already have a Pocdex account (no name asked).
    public var hasAccount = false
    public private(set) var needsSecondFactor = false
    public private(set) var isSubmitting = false
    public private(set) var error: ErrorMessage?
    public private(set) var fieldErrors: [String: FieldError] = [:]
    public private(set) var signedIn: SessionInfo?

    @ObservationIgnored private let auth: AuthRepository

    public init(auth: AuthRepository, token: String) {
        self.auth = auth
        self.token = token
    }

    public convenience init?(auth: AuthRepository, link: DeepLink) {
        guard case .invitation(let token) = link else { return nil }
        self.init(auth: auth, token: token)
    }

    public var canSubmit: Bool {
        !isSubmitting && !token.isEmpty && !password.isEmpty && (hasAccount || !name.trimmingCharacters(in: .whitespaces).isEmpty)
    }

    public func submit() async {
        guard !isSubmitting else { return }
        error = nil
        var fields: [(String, String)] = [("password", password)]
        if !hasAccount { fields.append(("name", name)) }
        if needsSecondFactor { fields.append(("otp", otp)) }
        fieldErrors = Validation.required(fields)
        guard fieldErrors.isEmpty else { return }
        isSubmitting = true
        defer { isSubmitting = false }
        do {
            signedIn = try await auth.acceptInvitation(AcceptInvitationRequest(
                token: token, name: hasAccount ? nil : name.trimmingCharacters(in: .whitespaces),
                password: password, otp: needsSecondFactor ? otp.filter { !$0.isWhitespace } : nil))
            password = ""
        } catch {
            let api = APIError.from(transport: error)
            if api.code == "otp_required" || api.code == "otp_invalid" {
                needsSecondFactor = true
                otp = ""
                if api.code == "otp_invalid" { self.error = ErrorMessage(error) }
            } else {
                self.error = ErrorMessage(error)
                fieldErrors = FieldError.from(error)
            }
        }
    }
}
