import Foundation
import Testing
@testable import PocdexKit

/// Members, invitations, profile and password reset against the platform through the view
/// models: an owner invites, promotes and removes a member (whose app is then signed out),
/// revokes an invitation, changes their language, and resets a forgotten password.
@Suite("Account management against the platform", .serialized)
@MainActor
struct JourneyAccountTests {
    @Test("invite, promote and remove a member (whose app signs out); revoke an invitation; language; password reset")
    func accountManagement() async throws {
        let platform = JourneyPlatform()
        let (owner, signup) = try await JourneySessionTests.signedUp(platform, offset: Locked(0))
        signup.verificationCode = try await platform.mailbox.token(to: signup.email, linkPath: "/verify-email")
        await signup.verifyEmail()
        #expect(signup.emailVerified)

        // Profile: name and language.
        let profile = ProfileViewModel(repository: owner.account)
        var switched: AppLanguage?
        profile.onLanguageChange = { switched = $0 }
        await profile.load()
        #expect(profile.me?.emailVerified == true)
        profile.name = "Sam Souza"
        profile.language = .portuguese
        await profile.save()
        #expect(profile.me?.name == "Sam Souza", "profile: \(String(describing: profile.error))")
        #expect(profile.me?.locale == "pt-BR")
        #expect(switched == .portuguese)

        // Invite two people; one accepts, the other invitation is revoked.
        let me = try #require(await owner.session.info)
        let members = MembersViewModel(repository: owner.account, me: me)
        await members.load()
        let suffix = JourneyPlatform.suffix()
        let biaEmail = "bia-acct-\(suffix)@example.com"
        let caioEmail = "caio-acct-\(suffix)@example.com"
        for email in [biaEmail, caioEmail] {
            members.inviteEmail = email
            members.inviteRole = .member
            await members.invite()
            #expect(members.actionError == nil, "invite: \(String(describing: members.actionError))")
        }
        let caioInvitation = try #require(members.pendingInvitations.first { $0.email == caioEmail })
        await members.revoke(caioInvitation)
        #expect(!members.pendingInvitations.contains { $0.email == caioEmail })
        let revokedToken = try await platform.mailbox.token(to: caioEmail, linkPath: "/invitations/accept")
        let caio = AcceptInvitationViewModel(auth: platform.services().auth, token: revokedToken)
        caio.name = "Caio"
        caio.password = "caio-senha-bem-longa-2026"
        await caio.submit()
        #expect(caio.signedIn == nil)
        #expect(caio.error != nil)

        let bia = platform.services()
        let accept = AcceptInvitationViewModel(auth: bia.auth,
                                               token: try await platform.mailbox.token(to: biaEmail, linkPath: "/invitations/accept"))
        accept.name = "Bia"
        accept.password = "bia-senha-bem-longa-2026"
        await accept.submit()
        #expect(accept.signedIn?.role == .member, "accept: \(String(describing: accept.error))")
        let biaApp = AppViewModel(services: bia)
        await biaApp.start()

        // Promote: the member's next refresh carries the new role.
        await members.load()
        let biaMember = try #require(members.members.first { $0.user.email == biaEmail })
        #expect(members.assignableRoles(for: biaMember).contains(.admin))
        await members.changeRole(of: biaMember, to: .admin)
        #expect(members.members.first { $0.id == biaMember.id }?.role == .admin, "role: \(String(describing: members.actionError))")
        try await platform.eventually("the member's session carries the new role", within: 15) {
            _ = try await bia.account.me()
            return await bia.session.info?.role == .admin
        }
        #expect(await poll { biaApp.session?.role == .admin })

        // Remove: the member's app is signed out. Accounts refuses the access token from its deny
        // list (`token_revoked`, which does not say why) or for the missing membership
        // (`membership_revoked`), whichever it meets first; either way the session is over.
        let promoted = try #require(members.members.first { $0.id == biaMember.id })
        #expect(members.canRemove(promoted))
        await members.remove(promoted)
        #expect(!members.members.contains { $0.id == biaMember.id }, "remove: \(String(describing: members.actionError))")
        try await platform.eventually("the removed member is signed out", within: 15) {
            do {
                _ = try await bia.account.me()
                return false
            } catch let error as APIError {
                #expect(error == .signedOut(.sessionRevoked) || error == .signedOut(.membershipRevoked))
                return true
            }
        }
        #expect(await poll {
            biaApp.phase == .signedOut(reason: .sessionRevoked) || biaApp.phase == .signedOut(reason: .membershipRevoked)
        })
        #expect(await bia.session.isSignedIn == false)
        biaApp.stop()

        // Forgot password: the mailed code sets a new one; the old one stops working.
        await owner.auth.logout()
        let forgot = ForgotPasswordViewModel(auth: owner.auth)
        forgot.email = signup.email
        await forgot.requestCode()
        #expect(forgot.step == .codeSent, "forgot: \(String(describing: forgot.error))")
        forgot.code = try await platform.mailbox.token(to: signup.email, linkPath: "/reset-password")
        forgot.newPassword = "uma-senha-nova-e-longa-2026"
        await forgot.resetPassword()
        #expect(forgot.step == .done, "reset: \(String(describing: forgot.error))")
        let old = LoginViewModel(auth: owner.auth, organization: signup.organizationSlug, email: signup.email)
        old.password = signup.password
        await old.submit()
        #expect(old.error?.code == "invalid_credentials")
        old.password = "uma-senha-nova-e-longa-2026"
        await old.submit()
        #expect(old.signedIn != nil, "login: \(String(describing: old.error))")
    }
}
