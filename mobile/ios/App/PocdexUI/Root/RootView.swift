import PocdexKit
import SwiftUI

/// Launch, signed out (the login flow) or signed in (the tabs), and the sheets that links open.
struct RootView: View {
    @Environment(AppViewModel.self) private var app
    let push: PushRegistrationViewModel
    let pushToken: PushToken

    var body: some View {
        Group {
            switch app.phase {
            case .launching:
                LaunchView()
            case .signedOut(let reason):
                AuthFlowView(reason: reason)
            case .signedIn(let session):
                MainTabView(session: session, push: push)
                    .id(session.organizationID + session.userID)
                    .task(id: pushToken.deviceToken) {
                        if let token = pushToken.deviceToken { await push.register(deviceToken: token) }
                    }
                    .task { await AppDelegate.requestPushAuthorization() }
            }
        }
        .animation(.default, value: app.phase)
        .sheet(item: linkBinding) { link in
            DeepLinkSheet(link: link)
        }
    }

    /// The pending link, taken by the sheet it opens.
    private var linkBinding: Binding<DeepLink?> {
        Binding(get: { app.pendingLink }, set: { app.pendingLink = $0 })
    }
}

extension DeepLink: @retroactive Identifiable {
    public var id: String {
        switch self {
        case .invitation(let token): "invitation:\(token)"
        case .passwordReset(let token): "reset:\(token)"
        case .verifyEmail(let token): "verify:\(token)"
        }
    }
}

/// What a link opens: accepting an invitation, a new password, the email confirmation.
struct DeepLinkSheet: View {
    @Environment(AppViewModel.self) private var app
    let link: DeepLink

    var body: some View {
        NavigationStack {
            switch link {
            case .invitation(let token):
                AcceptInvitationView(model: AcceptInvitationViewModel(auth: app.services.auth, token: token))
            case .passwordReset(let token):
                ForgotPasswordView(model: ForgotPasswordViewModel(auth: app.services.auth, resetToken: token))
            case .verifyEmail(let token):
                VerifyEmailView(token: token, signedIn: app.session != nil)
            }
        }
    }
}

private struct LaunchView: View {
    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "shippingbox.fill")
                .font(.system(size: 56))
                .foregroundStyle(.tint)
                .accessibilityHidden(true)
            ProgressView {
                Text("Opening Pocdex…")
            }
        }
        .frame(maxWidth: .infinity, maxHeight: .infinity)
    }
}

/// The tabs of a signed-in person.
struct MainTabView: View {
    @Environment(AppViewModel.self) private var app
    let session: SessionInfo
    let push: PushRegistrationViewModel

    var body: some View {
        TabView {
            PocsTab()
                .tabItem { Label("POCs", systemImage: "shippingbox") }
            DojosTab()
                .tabItem { Label("Dojos", systemImage: "person.3") }
            ReportsTab()
                .tabItem { Label("Reports", systemImage: "chart.bar.doc.horizontal") }
            MembersTab(session: session)
                .tabItem { Label("Team", systemImage: "person.2.badge.gearshape") }
            ProfileTab(session: session, push: push)
                .tabItem { Label("Profile", systemImage: "person.crop.circle") }
        }
    }
}
