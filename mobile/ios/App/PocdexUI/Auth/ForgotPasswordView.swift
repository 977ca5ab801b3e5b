import PocdexKit
import SwiftUI

/// A reset mail, then a new password with the mail's code (or straight from a reset link).
struct ForgotPasswordView: View {
    @Environment(\.dismiss) private var dismiss
    @State private var model: ForgotPasswordViewModel

    init(model: ForgotPasswordViewModel) {
        _model = State(initialValue: model)
    }

    var body: some View {
        Form {
            switch model.step {
            case .request:
                Section {
                    TextField("Email", text: $model.email)
                        .textContentType(.emailAddress)
                        .keyboardType(.emailAddress)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    FieldErrorText(model.fieldErrors["email"])
                } footer: {
                    Text("We will send a code to this address if it has an account.")
                }
                submitButton("Send code") { await model.requestCode() }
            case .codeSent:
                Section {
                    TextField("Code from the mail", text: $model.code)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    FieldErrorText(model.fieldErrors["token"])
                    SecureField("New password", text: $model.newPassword)
                        .textContentType(.newPassword)
                    FieldErrorText(model.fieldErrors["new_password"])
                } header: {
                    Text("Check your mail")
                } footer: {
                    Text("Use at least 10 characters. Every session of your account ends when the password changes.")
                }
                submitButton("Set new password") { await model.resetPassword() }
                Section {
                    Button {
                        model.startOver()
                    } label: {
                        Text("Use another address")
                    }
                }
            case .done:
                Section {
                    Label {
                        Text("Your password was changed. Log in with the new one.")
                    } icon: {
                        Image(systemName: "checkmark.circle.fill").foregroundStyle(.green)
                    }
                    Button {
                        dismiss()
                    } label: {
                        Text("Back to login")
                    }
                }
            }
            if let error = model.error {
                Section { error.text.foregroundStyle(.red) }
            }
        }
        .navigationTitle("Forgot password")
        .navigationBarTitleDisplayMode(.inline)
    }

    private func submitButton(_ title: LocalizedStringKey, action: @escaping @MainActor () async -> Void) -> some View {
        Section {
            Button {
                Task { await action() }
            } label: {
                HStack {
                    Spacer()
                    if model.isSubmitting { ProgressView() } else { Text(title).bold() }
                    Spacer()
                }
            }
            .disabled(model.isSubmitting)
        }
    }
}
