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

/// Login with organization, email and password, then the second factor when asked.
@Observable @MainActor
public final class LoginViewModel {
    public enum Step: Sendable, Hashable {
        case credentials
        /// The password was right; a TOTP or recovery code is needed.
        case secondFactor
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

    @ObservationIgnored private let auth: AuthRepository

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
        }
    }

    public func submit() async {
        guard !isSubmitting else { return }
        error = nil
        fieldErrors = Validation.required(step == .credentials
            ? [("organization", organization), ("email", email), ("password", password)]
            : [("otp", otp)])
        if step == .credentials, fieldErrors["email"] == nil, !Validation.isEmail(email) {
            fieldErrors["email"] = .local(.invalidEmail)
        }
        guard fieldErrors.isEmpty else { return }
        isSubmitting = true
        defer { isSubmitting = false }
        do {
            let code = step == .secondFactor ? otp.filter { !$0.isWhitespace } : nil
            signedIn = try await auth.login(organization: organization, email: email, password: password, otp: code)
            signedOutReason = nil
            password = ""
            otp = ""
        } catch {
            let api = APIError.from(transport: error)
            switch api.code {
            case "otp_required":
                step = .secondFactor
            case "otp_invalid":
                step = .secondFactor
                otp = ""
                self.error = ErrorMessage(error)
            default:
                self.error = ErrorMessage(error)
                fieldErrors = FieldError.from(error)
            }
        }
    }

    /// Back from the second-factor step (another account, a typo in the password).
    public func backToCredentials() {
        step = .credentials
        otp = ""
        error = nil
    }

    public func dismissSignedOutReason() { signedOutReason = nil }
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
