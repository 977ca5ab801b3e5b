import Foundation
import Observation

/// Members and invitations. Owners and admins manage them; only an owner grants, takes or
/// removes the owner role, and the last owner stays (the platform enforces the same rules).
@Observable @MainActor
public final class MembersViewModel {
    public private(set) var members: [Member] = []
    public private(set) var invitations: [Invitation] = []
    public private(set) var state: ScreenState = .idle
    public private(set) var actionError: ErrorMessage?
    public var inviteEmail = ""
    public var inviteRole: Role = .member
    public private(set) var inviteFieldErrors: [String: FieldError] = [:]
    public private(set) var isInviting = false

    public let me: SessionInfo
    @ObservationIgnored private let repository: AccountRepository

    public init(repository: AccountRepository, me: SessionInfo) {
        self.repository = repository
        self.me = me
    }

    public var canManage: Bool { me.role.canManageMembers }

    /// Roles this person may give in an invitation.
    public var invitableRoles: [Role] { me.role == .owner ? Role.assignable : canManage ? [.admin, .member] : [] }

    private var ownerCount: Int { members.filter { $0.role == .owner }.count }

    /// Roles this person may set on `member` (empty: no change allowed).
    public func assignableRoles(for member: Member) -> [Role] {
        guard canManage else { return [] }
        if member.role == .owner {
            guard me.role == .owner, ownerCount > 1 else { return [] }
            return Role.assignable
        }
        return me.role == .owner ? Role.assignable : [.admin, .member]
    }

    public func canRemove(_ member: Member) -> Bool {
        if member.role == .owner && ownerCount <= 1 { return false }
        if member.user.id == me.userID { return true }  // leaving
        guard canManage else { return false }
        return member.role != .owner || me.role == .owner
    }

    public var pendingInvitations: [Invitation] { invitations.filter(\.isPending) }

    public func load() async {
        if members.isEmpty { state = .loading }
        do {
            members = try await repository.members()
            invitations = canManage ? (try await repository.invitations()) : []
            state = members.isEmpty ? .empty : .content
        } catch {
            let message = ErrorMessage(error)
            if members.isEmpty { state = message.isOffline ? .offline : .error(message) } else { actionError = message }
        }
    }

    public func invite() async {
        inviteFieldErrors = Validation.required([("email", inviteEmail)])
        if inviteFieldErrors.isEmpty, !Validation.isEmail(inviteEmail) { inviteFieldErrors["email"] = .local(.invalidEmail) }
        guard inviteFieldErrors.isEmpty, !isInviting else { return }
        isInviting = true
        defer { isInviting = false }
        do {
            let invitation = try await repository.invite(email: inviteEmail, role: inviteRole)
            invitations.insert(invitation, at: 0)
            inviteEmail = ""
            actionError = nil
        } catch {
            actionError = ErrorMessage(error)
            inviteFieldErrors = FieldError.from(error)
        }
    }

    public func revoke(_ invitation: Invitation) async {
        do {
            try await repository.revokeInvitation(id: invitation.id)
            invitations.removeAll { $0.id == invitation.id }
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    public func changeRole(of member: Member, to role: Role) async {
        guard assignableRoles(for: member).contains(role), role != member.role else { return }
        do {
            let updated = try await repository.changeRole(memberID: member.id, to: role)
            if let index = members.firstIndex(where: { $0.id == member.id }) { members[index] = updated }
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    public func remove(_ member: Member) async {
        guard canRemove(member) else { return }
        do {
            try await repository.removeMember(id: member.id)
            members.removeAll { $0.id == member.id }
        } catch {
            actionError = ErrorMessage(error)
        }
    }

    public func dismissError() { actionError = nil }
}

/// Profile: name, language, email confirmation.
@Observable @MainActor
public final class ProfileViewModel {
    public private(set) var me: Me?
    public private(set) var state: ScreenState = .idle
    public var name = ""
    public var language: AppLanguage = .english
    public private(set) var isSaving = false
    public private(set) var error: ErrorMessage?
    public private(set) var fieldErrors: [String: FieldError] = [:]
    public private(set) var verificationSent = false
    public var verificationCode = ""

    @ObservationIgnored private let repository: AccountRepository
    @ObservationIgnored private let auth: AuthRepository?
    /// Called after the language was saved (the app switches its own language).
    @ObservationIgnored public var onLanguageChange: (@MainActor (AppLanguage) -> Void)?

    public init(repository: AccountRepository, auth: AuthRepository? = nil) {
        self.repository = repository
        self.auth = auth
    }

    public var hasChanges: Bool {
        guard let me else { return false }
        return name.trimmingCharacters(in: .whitespaces) != me.name || language.rawValue != me.locale
    }

    public func load() async {
        if me == nil { state = .loading }
        do {
            let me = try await repository.me()
            apply(me)
            state = .content
        } catch {
            let message = ErrorMessage(error)
            if me == nil { state = message.isOffline ? .offline : .error(message) } else { self.error = message }
        }
    }

    private func apply(_ me: Me) {
        self.me = me
        name = me.name
        language = AppLanguage(rawValue: me.locale)
    }

    public func save() async {
        fieldErrors = Validation.required([("name", name)])
        guard fieldErrors.isEmpty, !isSaving, let previous = me else { return }
        isSaving = true
        defer { isSaving = false }
        do {
            let updated = try await repository.updateProfile(name: name.trimmingCharacters(in: .whitespaces),
                                                             locale: language.rawValue)
            apply(updated)
            error = nil
            if previous.locale != updated.locale { onLanguageChange?(AppLanguage(rawValue: updated.locale)) }
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
        }
    }

    public func resendVerification() async {
        do {
            _ = try await repository.api.send(Endpoints.resendVerification())
            verificationSent = true
        } catch {
            self.error = ErrorMessage(error)
        }
    }

    public func confirmEmail() async {
        let code = verificationCode.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !code.isEmpty else {
            fieldErrors["token"] = .local(.required)
            return
        }
        do {
            _ = try await repository.api.send(Endpoints.verifyEmail(token: code))
            verificationCode = ""
            await load()
        } catch {
            self.error = ErrorMessage(error)
            fieldErrors = FieldError.from(error)
        }
    }
}

/// Two-factor setup: show the secret (and its otpauth:// URI for a QR code), confirm with a
/// code, show the recovery codes once; or turn it off, which the platform allows only with the
/// password (`password`) and a current or recovery code (`code`).
@Observable @MainActor
public final class TwoFactorViewModel {
    public enum Step: Sendable, Hashable {
        case off
        case settingUp(TOTPSetup)
        case showingRecoveryCodes([String])
        case on
    }

    public private(set) var step: Step
    /// The code from the authenticator (confirming) or a current/recovery code (turning off).
    public var code = ""
    /// The account's password, asked when turning two-factor off.
    public var password = ""
    public private(set) var isWorking = false
    public private(set) var error: ErrorMessage?

    @ObservationIgnored private let repository: AccountRepository

    public init(repository: AccountRepository, enabled: Bool) {
        self.repository = repository
        step = enabled ? .on : .off
    }

    public func begin() async {
        guard !isWorking else { return }
        isWorking = true
        defer { isWorking = false }
        do {
            step = .settingUp(try await repository.startTwoFactor())
            error = nil
        } catch {
            self.error = ErrorMessage(error)
        }
    }

    public func confirm() async {
        let digits = code.filter { !$0.isWhitespace }
        guard case .settingUp = step, !isWorking else { return }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            error = ErrorMessage(kind: .validation, code: FieldProblem.invalidCode.rawValue)
            return
        }
        isWorking = true
        defer { isWorking = false }
        do {
            step = .showingRecoveryCodes(try await repository.confirmTwoFactor(code: digits))
            code = ""
            error = nil
        } catch {
            self.error = ErrorMessage(error)
            code = ""
        }
    }

    /// The person saved the recovery codes.
    public func finish() { if case .showingRecoveryCodes = step { step = .on } }

    /// Turns two-factor off with `password` and `code`.
    public func disable() async {
        guard !isWorking else { return }
        guard !password.isEmpty, !code.trimmingCharacters(in: .whitespaces).isEmpty else {
            error = ErrorMessage(kind: .validation, code: FieldProblem.required.rawValue)
            return
        }
        isWorking = true
        defer { isWorking = false }
        do {
            try await repository.disableTwoFactor(password: password, code: code)
            step = .off
            error = nil
        } catch {
            self.error = ErrorMessage(error)
        }
        password = ""
        code = ""
    }
}

/// Push registration: the APNs device token (hex) goes to `POST /api/v1/devices` after login
/// and whenever iOS gives a new one; logout deletes it (best effort).
@Observable @MainActor
public final class PushRegistrationViewModel {
    public enum Status: Sendable, Hashable {
        case unregistered
        case registering
        case registered(Device)
        case failed(ErrorMessage)
    }

    public private(set) var status: Status = .unregistered
    public private(set) var lastTokenHex: String?

    @ObservationIgnored private let repository: AccountRepository
    @ObservationIgnored private let locale: @MainActor () -> String
    @ObservationIgnored private let appVersion: String?

    public init(repository: AccountRepository, appVersion: String? = nil,
                locale: @escaping @MainActor () -> String = { AppLanguage.english.rawValue }) {
        self.repository = repository
        self.appVersion = appVersion
        self.locale = locale
    }

    /// APNs gives bytes; the platform takes them as lower-case hex.
    public nonisolated static func hex(_ token: Data) -> String {
        token.map { String(format: "%02x", $0) }.joined()
    }

    /// `application(_:didRegisterForRemoteNotificationsWithDeviceToken:)`.
    public func register(deviceToken: Data) async {
        await register(tokenHex: Self.hex(deviceToken))
    }

    public func register(tokenHex: String) async {
        guard !tokenHex.isEmpty else { return }
        if case .registered = status, lastTokenHex == tokenHex { return }
        lastTokenHex = tokenHex
        status = .registering
        do {
            let device = try await repository.registerDevice(DeviceRegistration(
                platform: "apns", token: tokenHex, locale: locale(), appVersion: appVersion))
            status = .registered(device)
        } catch {
            status = .failed(ErrorMessage(error))
        }
    }

    /// Logout: forget this device on the platform (errors ignored: the session ends anyway).
    public func unregister() async {
        if case .registered(let device) = status {
            try? await repository.deleteDevice(id: device.id)
        }
        status = .unregistered
        lastTokenHex = nil
    }
}
