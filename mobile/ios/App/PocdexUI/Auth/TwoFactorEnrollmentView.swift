import PocdexKit
import SwiftUI

/// From the login, for a member of an organization that requires two-factor who has not turned
/// it on: the QR code, a link to an authenticator app on this device and the secret, the first
/// code, then the recovery codes shown once. `LoginView` shows it in place of its form while
/// `LoginViewModel.step` is `twoFactorEnrollment`; the view model takes the person back.
struct TwoFactorEnrollmentView: View {
    @Bindable var model: TwoFactorEnrollmentViewModel

    var body: some View {
        Form {
            switch model.step {
            case .starting:
                Section {
                    notice
                    if model.isWorking {
                        HStack(spacing: 12) {
                            ProgressView()
                            Text("Preparing your two-factor setup…")
                        }
                        .accessibilityElement(children: .combine)
                    } else {
                        Button {
                            Task { await model.start() }
                        } label: {
                            Text("Try again")
                        }
                    }
                }
            case .settingUp(let setup):
                Section {
                    notice
                }
                Section {
                    QRCodeView(content: setup.otpauthURI)
                        .frame(maxWidth: 240)
                        .frame(maxWidth: .infinity)
                    if let url = URL(string: setup.otpauthURI) {
                        Link(destination: url) {
                            Label("Add to an authenticator app on this device", systemImage: "key.fill")
                        }
                        .accessibilityHint("Opens your authenticator app with this account")
                    }
                    TOTPSecretRow(secret: setup.secret)
                } header: {
                    Text("1. Scan with your authenticator app")
                }
                Section {
                    TextField("6-digit code", text: $model.code)
                        .textContentType(.oneTimeCode)
                        .keyboardType(.numberPad)
                        .accessibilityIdentifier("enrollment.code")
                        .accessibilityHint("The 6-digit code your authenticator app shows for Pocdex")
                    Button {
                        Task { await model.confirm() }
                    } label: {
                        HStack {
                            Spacer()
                            if model.isWorking { ProgressView() } else { Text("Turn on").bold() }
                            Spacer()
                        }
                    }
                    .disabled(!model.canConfirm)
                    .accessibilityIdentifier("enrollment.confirm")
                } header: {
                    Text("2. Enter the code it shows")
                }
            case .showingRecoveryCodes(let codes):
                Section {
                    RecoveryCodesList(codes: codes)
                } header: {
                    Text("Recovery codes")
                } footer: {
                    Text("Each code logs you in once if you lose your phone. They are shown only now.")
                }
                Section {
                    Toggle("I saved my recovery codes", isOn: $model.hasSavedRecoveryCodes)
                        .accessibilityIdentifier("enrollment.saved")
                    Button {
                        model.finish()
                    } label: {
                        HStack {
                            Spacer()
                            Text("Continue to log in").bold()
                            Spacer()
                        }
                    }
                    .disabled(!model.canFinish)
                    .accessibilityIdentifier("enrollment.finish")
                } footer: {
                    Text("Two-factor authentication is on. Next, log in with a new code from your authenticator app.")
                }
            case .finished:
                EmptyView()
            }
            if let error = model.error {
                Section {
                    Label { error.text } icon: { Image(systemName: error.systemImage) }
                        .foregroundStyle(.red)
                }
            }
            if model.canCancel {
                Section {
                    Button(role: .cancel) {
                        model.cancel()
                    } label: {
                        Text("Cancel")
                    }
                    .accessibilityHint("Back to the login form")
                }
            }
        }
        .navigationTitle("Two-factor authentication")
        .navigationBarTitleDisplayMode(.inline)
    }

    /// Why the person is here: the platform's words when it gave them (already in their language).
    @ViewBuilder private var notice: some View {
        Label {
            if let notice = model.notice {
                Text(verbatim: notice)
            } else {
                Text("Your organization requires two-factor authentication. Turn it on to log in.")
            }
        } icon: {
            Image(systemName: "lock.shield")
                .accessibilityHidden(true)
        }
    }
}
