import PocdexKit
import SwiftUI

/// Profile: name, language (the app's and the platform's mails and notifications), email
/// confirmation, two-factor authentication, notifications, logout.
struct ProfileTab: View {
    @Environment(AppViewModel.self) private var app
    let session: SessionInfo
    let push: PushRegistrationViewModel
    @State private var model: ProfileViewModel?

    var body: some View {
        NavigationStack {
            Group {
                if let model {
                    ProfileView(model: model, session: session, push: push)
                } else {
                    LoadingView(title: "Loading…")
                }
            }
            .navigationTitle("Profile")
        }
        .task {
            if model == nil {
                let profile = ProfileViewModel(repository: app.services.account, auth: app.services.auth)
                profile.onLanguageChange = { language in
                    UserDefaults.standard.set(language.rawValue, forKey: AppLanguageSetting.key)
                }
                model = profile
            }
        }
    }
}

private struct ProfileView: View {
    @Environment(AppViewModel.self) private var app
    @Bindable var model: ProfileViewModel
    let session: SessionInfo
    let push: PushRegistrationViewModel
    @State private var isConfirmingLogout = false

    var body: some View {
        content
            .task { await model.load() }
            .refreshable { await model.load() }
            .confirmationDialog("Log out of Pocdex?", isPresented: $isConfirmingLogout, titleVisibility: .visible) {
                Button(role: .destructive) {
                    Task {
                        await push.unregister()
                        await app.logout()
                    }
                } label: {
                    Text("Log out")
                }
            }
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .idle, .loading:
            LoadingView(title: "Loading…")
        case .offline:
            OfflineStateView { await model.load() }
        case .error(let error):
            ErrorStateView(error: error) { await model.load() }
        case .empty, .content:
            if let me = model.me {
                form(me)
            }
        }
    }

    private func form(_ me: Me) -> some View {
        Form {
            Section {
                LabeledContent {
                    Text(verbatim: me.organization.name)
                } label: {
                    Text("Organization")
                }
                LabeledContent {
                    RoleName(role: me.role)
                } label: {
                    Text("Role")
                }
                TextField("Name", text: $model.name)
                    .textContentType(.name)
                FieldErrorText(model.fieldErrors["name"])
                Picker("Language", selection: $model.language) {
                    Text("Português (Brasil)").tag(AppLanguage.portuguese)
                    Text("English").tag(AppLanguage.english)
                }
                FieldErrorText(model.fieldErrors["locale"])
                if model.hasChanges {
                    Button {
                        Task { await model.save() }
                    } label: {
                        if model.isSaving { ProgressView() } else { Text("Save changes") }
                    }
                    .disabled(model.isSaving)
                }
            } header: {
                Text("You")
            } footer: {
                Text("The language is used in the app, in mails and in notifications.")
            }

            Section {
                LabeledContent {
                    Text(verbatim: me.email)
                } label: {
                    Text("Email")
                }
                if me.emailVerified {
                    Label("Confirmed", systemImage: "checkmark.seal.fill")
                        .foregroundStyle(.green)
                } else {
                    TextField("Code from the confirmation mail", text: $model.verificationCode)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    FieldErrorText(model.fieldErrors["token"])
                    Button {
                        Task { await model.confirmEmail() }
                    } label: {
                        Text("Confirm email")
                    }
                    Button {
                        Task { await model.resendVerification() }
                    } label: {
                        if model.verificationSent {
                            Text("Mail sent again")
                        } else {
                            Text("Send the mail again")
                        }
                    }
                    .disabled(model.verificationSent)
                }
            } header: {
                Text("Email")
            } footer: {
                if !me.emailVerified {
                    Text("Confirm your address to invite people.")
                }
            }

            Section {
                NavigationLink {
                    TwoFactorView(model: TwoFactorViewModel(repository: app.services.account, enabled: me.totpEnabled))
                } label: {
                    LabeledContent {
                        if me.totpEnabled { Text("On") } else { Text("Off") }
                    } label: {
                        Label("Two-factor authentication", systemImage: "lock.shield")
                    }
                }
                PushStatusRow(status: push.status)
            } header: {
                Text("Security and notifications")
            }

            if let error = model.error {
                Section { error.text.foregroundStyle(.red) }
            }

            Section {
                Button(role: .destructive) {
                    isConfirmingLogout = true
                } label: {
                    Label("Log out", systemImage: "rectangle.portrait.and.arrow.right")
                }
                .accessibilityIdentifier("profile.logout")
            }
        }
    }
}

private struct PushStatusRow: View {
    let status: PushRegistrationViewModel.Status

    var body: some View {
        LabeledContent {
            switch status {
            case .unregistered: Text("Off")
            case .registering: ProgressView()
            case .registered: Text("On")
            case .failed: Text("Not available")
            }
        } label: {
            Label("Notifications", systemImage: "bell.badge")
        }
        .accessibilityHint("Turn them on or off in the Settings app")
    }
}
