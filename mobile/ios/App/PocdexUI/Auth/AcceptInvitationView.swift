import PocdexKit
import SwiftUI

/// Accepting an invitation (from a link, or with the code pasted from the mail).
struct AcceptInvitationView: View {
    @Environment(\.dismiss) private var dismiss
    @State private var model: AcceptInvitationViewModel

    init(model: AcceptInvitationViewModel) {
        _model = State(initialValue: model)
    }

    var body: some View {
        Form {
            Section {
                TextField("Invitation code", text: $model.token, axis: .vertical)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .lineLimit(1...3)
                    .accessibilityIdentifier("invitation.token")
            } footer: {
                Text("The code is in the invitation mail, under the link.")
            }
            Section {
                Toggle("I already have a Pocdex account", isOn: $model.hasAccount)
                if !model.hasAccount {
                    TextField("Your name", text: $model.name)
                        .textContentType(.name)
                    FieldErrorText(model.fieldErrors["name"])
                }
                SecureField("Password", text: $model.password)
                    .textContentType(model.hasAccount ? .password : .newPassword)
                FieldErrorText(model.fieldErrors["password"])
                if model.needsSecondFactor {
                    TextField("Two-factor code", text: $model.otp)
                        .textContentType(.oneTimeCode)
                        .keyboardType(.numbersAndPunctuation)
                    FieldErrorText(model.fieldErrors["otp"])
                }
            } footer: {
                if model.hasAccount {
                    Text("Use the password of your existing account.")
                } else {
                    Text("Choose a password of at least 10 characters.")
                }
            }
            if let error = model.error {
                Section { error.text.foregroundStyle(.red) }
            }
            Section {
                Button {
                    Task { await model.submit() }
                } label: {
                    HStack {
                        Spacer()
                        if model.isSubmitting { ProgressView() } else { Text("Join the organization").bold() }
                        Spacer()
                    }
                }
                .disabled(!model.canSubmit)
                .accessibilityIdentifier("invitation.submit")
            }
        }
        .navigationTitle("Accept invitation")
        .navigationBarTitleDisplayMode(.inline)
        .onChange(of: model.signedIn) { _, session in
            // The app's view model follows the session event and shows the tabs.
            if session != nil { dismiss() }
        }
    }
}

/// A link from the confirmation mail: confirms the address of the signed-in person.
struct VerifyEmailView: View {
    @Environment(AppViewModel.self) private var app
    @Environment(\.dismiss) private var dismiss
    let token: String
    let signedIn: Bool
    @State private var model: ProfileViewModel?

    var body: some View {
        Form {
            if !signedIn {
                Text("Log in first, then open the link again (or paste its code in your profile).")
            } else if let model {
                if model.me?.emailVerified == true {
                    Label {
                        Text("Your email is confirmed.")
                    } icon: {
                        Image(systemName: "checkmark.seal.fill").foregroundStyle(.green)
                    }
                } else if let error = model.error {
                    error.text.foregroundStyle(.red)
                } else {
                    ProgressView()
                }
            }
        }
        .navigationTitle("Confirm email")
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .confirmationAction) {
                Button {
                    dismiss()
                } label: {
                    Text("Done")
                }
            }
        }
        .task {
            guard signedIn, model == nil else { return }
            let profile = ProfileViewModel(repository: app.services.account, auth: app.services.auth)
            profile.verificationCode = token
            model = profile
            await profile.confirmEmail()
        }
    }
}
