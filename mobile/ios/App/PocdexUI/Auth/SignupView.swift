import PocdexKit
import SwiftUI

/// A new organization and its owner; then the email confirmation with the mail's code.
struct SignupView: View {
    @State private var model: SignupViewModel

    init(model: SignupViewModel) {
        _model = State(initialValue: model)
    }

    var body: some View {
        Form {
            switch model.outcome {
            case nil:
                form
            case .some(.mailSent):
                Section {
                    Label {
                        Text("This address already has an account. We sent it a mail with what to do next.")
                    } icon: {
                        Image(systemName: "envelope.badge")
                    }
                }
            case .some(.signedIn):
                verification
            }
        }
        .navigationTitle("Create an organization")
        .navigationBarTitleDisplayMode(.inline)
    }

    @ViewBuilder private var form: some View {
        Section {
            field("organization_name") {
                TextField("Organization name", text: $model.organizationName)
                    .textContentType(.organizationName)
                    .accessibilityIdentifier("signup.organizationName")
            }
            field("organization_slug") {
                TextField("Address", text: Binding(get: { model.organizationSlug }, set: { model.editSlug($0) }),
                          prompt: Text("your-team"))
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .accessibilityIdentifier("signup.organizationSlug")
                    .accessibilityHint("Lower-case letters, digits and hyphens; your team types it to log in")
            }
        } header: {
            Text("Organization")
        }
        Section {
            field("owner_name") {
                TextField("Your name", text: $model.ownerName)
                    .textContentType(.name)
            }
            field("email") {
                TextField("Email", text: $model.email)
                    .textContentType(.emailAddress)
                    .keyboardType(.emailAddress)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
            }
            field("password") {
                SecureField("Password", text: $model.password)
                    .textContentType(.newPassword)
            }
            Picker("Language", selection: $model.language) {
                Text("Português (Brasil)").tag(AppLanguage.portuguese)
                Text("English").tag(AppLanguage.english)
            }
        } header: {
            Text("You, the owner")
        } footer: {
            Text("Use at least 10 characters for the password.")
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
                    if model.isSubmitting { ProgressView() } else { Text("Create organization").bold() }
                    Spacer()
                }
            }
            .disabled(model.isSubmitting)
            .accessibilityIdentifier("signup.submit")
        }
    }

    @ViewBuilder private var verification: some View {
        Section {
            if model.emailVerified {
                Label {
                    Text("Your email is confirmed. Welcome to Pocdex!")
                } icon: {
                    Image(systemName: "checkmark.seal.fill").foregroundStyle(.green)
                }
            } else {
                Text("We sent you a mail. Paste its code here to confirm your address (you need it to invite people).")
                TextField("Confirmation code", text: $model.verificationCode)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                if let error = model.verificationError {
                    error.text.foregroundStyle(.red).font(.footnote)
                }
                Button {
                    Task { await model.verifyEmail() }
                } label: {
                    if model.isVerifying { ProgressView() } else { Text("Confirm email") }
                }
                .disabled(model.isVerifying)
            }
        } header: {
            Text("Confirm your email")
        } footer: {
            Text("You can also confirm it later in your profile.")
        }
    }

    private func field<Content: View>(_ key: String, @ViewBuilder content: () -> Content) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            content()
            FieldErrorText(model.fieldErrors[key])
        }
    }
}
