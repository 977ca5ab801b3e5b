import PocdexKit
import SwiftUI

/// Two-factor setup: the QR code and the secret for an authenticator app, the confirmation
/// code, the recovery codes shown once; or turning it off.
struct TwoFactorView: View {
    @State private var model: TwoFactorViewModel
    @State private var isConfirmingDisable = false

    init(model: TwoFactorViewModel) {
        _model = State(initialValue: model)
    }

    var body: some View {
        Form {
            switch model.step {
            case .off:
                Section {
                    Text("Protect your account with a code from an authenticator app each time you log in.")
                    Button {
                        Task { await model.begin() }
                    } label: {
                        if model.isWorking { ProgressView() } else { Text("Set up two-factor authentication") }
                    }
                    .disabled(model.isWorking)
                }
            case .settingUp(let setup):
                Section {
                    QRCodeView(content: setup.otpauthURI)
                        .frame(maxWidth: 240)
                        .frame(maxWidth: .infinity)
                    TOTPSecretRow(secret: setup.secret)
                } header: {
                    Text("1. Scan with your authenticator app")
                }
                Section {
                    TextField("6-digit code", text: $model.code)
                        .textContentType(.oneTimeCode)
                        .keyboardType(.numberPad)
                    Button {
                        Task { await model.confirm() }
                    } label: {
                        if model.isWorking { ProgressView() } else { Text("Turn on") }
                    }
                    .disabled(model.isWorking)
                } header: {
                    Text("2. Enter the code it shows")
                }
            case .showingRecoveryCodes(let codes):
                Section {
                    RecoveryCodesList(codes: codes)
                    Button {
                        model.finish()
                    } label: {
                        Text("I saved them")
                    }
                } header: {
                    Text("Recovery codes")
                } footer: {
                    Text("Each code logs you in once if you lose your phone. They are shown only now.")
                }
            case .on:
                Section {
                    Label("Two-factor authentication is on", systemImage: "lock.shield.fill")
                        .foregroundStyle(.green)
                }
                Section {
                    SecureField("Password", text: $model.password)
                        .textContentType(.password)
                    TextField("Code or recovery code", text: $model.code)
                        .textContentType(.oneTimeCode)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                    Button(role: .destructive) {
                        isConfirmingDisable = true
                    } label: {
                        if model.isWorking { ProgressView() } else { Text("Turn off") }
                    }
                    .disabled(model.isWorking)
                } header: {
                    Text("Turn off")
                } footer: {
                    Text("Enter your password and a code from your authenticator app, or a recovery code.")
                }
            }
            if let error = model.error {
                Section { error.text.foregroundStyle(.red) }
            }
        }
        .navigationTitle("Two-factor authentication")
        .navigationBarTitleDisplayMode(.inline)
        .confirmationDialog("Turn off two-factor authentication?", isPresented: $isConfirmingDisable,
                            titleVisibility: .visible) {
            Button(role: .destructive) {
                Task { await model.disable() }
            } label: {
                Text("Turn off")
            }
        }
    }
}
