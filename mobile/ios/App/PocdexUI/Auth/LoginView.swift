import PocdexKit
import SwiftUI

/// Signed out: login, with signup, forgot password and "I have an invitation code" one tap away.
struct AuthFlowView: View {
    @Environment(AppViewModel.self) private var app
    let reason: SignOutReason?

    var body: some View {
        NavigationStack {
            LoginView(model: LoginViewModel(auth: app.services.auth, signedOutReason: reason))
        }
    }
}

private enum AuthRoute: Hashable {
    case signup, forgotPassword, invitation
}

struct LoginView: View {
    @Environment(AppViewModel.self) private var app
    @State private var model: LoginViewModel
    @FocusState private var focus: Field?

    private enum Field: Hashable { case organization, email, password, otp }

    init(model: LoginViewModel) {
        _model = State(initialValue: model)
    }

    var body: some View {
        Group {
            if model.step == .twoFactorEnrollment, let enrollment = model.enrollment {
                // The organization requires two-factor: turn it on, then back here for a code.
                TwoFactorEnrollmentView(model: enrollment)
            } else {
                form
                    .navigationTitle("Pocdex")
            }
        }
        .navigationDestination(for: AuthRoute.self) { route in
            switch route {
            case .signup: SignupView(model: SignupViewModel(auth: app.services.auth, language: AppLanguageSetting.current))
            case .forgotPassword: ForgotPasswordView(model: ForgotPasswordViewModel(auth: app.services.auth))
            case .invitation: AcceptInvitationView(model: AcceptInvitationViewModel(auth: app.services.auth, token: ""))
            }
        }
    }

    private var form: some View {
        Form {
            if let reason = model.signedOutReason {
                Section {
                    StatusBanner(reason.localizedKey, kind: .info, actionTitle: "Dismiss") {
                        model.dismissSignedOutReason()
                    }
                    .listRowInsets(EdgeInsets())
                    .listRowBackground(Color.clear)
                }
            }
            switch model.step {
            case .credentials, .twoFactorEnrollment:
                credentials
            case .secondFactor:
                if model.justEnrolled {
                    Section {
                        StatusBanner("Two-factor authentication is on. Wait for your authenticator app to show a new code, then enter it.",
                                     kind: .success)
                            .listRowInsets(EdgeInsets())
                            .listRowBackground(Color.clear)
                    }
                }
                secondFactor
            }
            if let error = model.error {
                Section {
                    Label { error.text } icon: { Image(systemName: error.systemImage) }
                        .foregroundStyle(.red)
                }
            }
            Section {
                Button {
                    Task { await model.submit() }
                } label: {
                    HStack {
                        Spacer()
                        if model.isSubmitting {
                            ProgressView()
                        } else {
                            if model.step == .credentials {
                                Text("Log in").bold()
                            } else {
                                Text("Verify").bold()
                            }
                        }
                        Spacer()
                    }
                }
                .disabled(!model.canSubmit)
                .accessibilityIdentifier("login.submit")
            }
            if model.step == .credentials {
                Section {
                    NavigationLink(value: AuthRoute.forgotPassword) { Text("Forgot your password?") }
                    NavigationLink(value: AuthRoute.invitation) { Text("I have an invitation code") }
                    NavigationLink(value: AuthRoute.signup) { Text("Create an organization") }
                }
            }
        }
        .onSubmit {
            switch focus {
            case .organization: focus = .email
            case .email: focus = .password
            default: Task { await model.submit() }
            }
        }
    }

    @ViewBuilder private var credentials: some View {
        Section {
            VStack(alignment: .leading, spacing: 4) {
                TextField("Organization", text: $model.organization, prompt: Text("your-team"))
                    .textContentType(.organizationName)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .focused($focus, equals: .organization)
                    .submitLabel(.next)
                    .accessibilityIdentifier("login.organization")
                    .accessibilityHint("The short name of your organization, as in its address")
                FieldErrorText(model.fieldErrors["organization"])
            }
            VStack(alignment: .leading, spacing: 4) {
                TextField("Email", text: $model.email)
                    .textContentType(.username)
                    .keyboardType(.emailAddress)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .focused($focus, equals: .email)
                    .submitLabel(.next)
                    .accessibilityIdentifier("login.email")
                FieldErrorText(model.fieldErrors["email"])
            }
            VStack(alignment: .leading, spacing: 4) {
                SecureField("Password", text: $model.password)
                    .textContentType(.password)
                    .focused($focus, equals: .password)
                    .submitLabel(.go)
                    .accessibilityIdentifier("login.password")
                FieldErrorText(model.fieldErrors["password"])
            }
        } header: {
            Text("Log in to your organization")
        }
    }

    @ViewBuilder private var secondFactor: some View {
        Section {
            VStack(alignment: .leading, spacing: 4) {
                TextField("Code", text: $model.otp)
                    .textContentType(.oneTimeCode)
                    .keyboardType(.numbersAndPunctuation)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .focused($focus, equals: .otp)
                    .submitLabel(.go)
                    .accessibilityIdentifier("login.otp")
                    .accessibilityHint("The 6-digit code of your authenticator app, or a recovery code")
                FieldErrorText(model.fieldErrors["otp"])
            }
            Button {
                model.backToCredentials()
            } label: {
                Text("Use another account")
            }
        } header: {
            Text("Two-factor authentication")
        } footer: {
            Text("Enter the 6-digit code of your authenticator app, or one of your recovery codes.")
        }
        .onAppear { focus = .otp }
    }
}

extension SignOutReason {
    /// The same texts as `text`, as a key for components that take one.
    var localizedKey: LocalizedStringKey {
        switch self {
        case .loggedOut: LocalizedStringKey("You logged out.")
        case .sessionRevoked: LocalizedStringKey("Your session was ended (it was revoked or used on another device). Log in again.")
        case .sessionExpired: LocalizedStringKey("Your session expired. Log in again.")
        case .membershipRevoked: LocalizedStringKey("You are no longer a member of this organization.")
        case .organizationSuspended: LocalizedStringKey("This organization is suspended.")
        }
    }
}
