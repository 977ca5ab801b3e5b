import PocdexKit
import SwiftUI

/// The app's wording of PocdexKit's errors. The platform's own messages arrive already in the
/// person's language and are shown as they are; the rest is worded here, in the String Catalog.
extension ErrorMessage {
    var text: Text {
        if let serverMessage, !serverMessage.isEmpty { return Text(verbatim: serverMessage) }
        switch kind {
        case .offline: return Text("You are offline. Check your connection and try again.")
        case .timeout: return Text("The server took too long to answer. Try again.")
        case .server: return Text("The server could not do this now. Try again in a moment.")
        case .validation:
            if code == FieldProblem.invalidCode.rawValue { return Text("Enter the 6-digit code from your authenticator app.") }
            if code == FieldProblem.required.rawValue { return Text("Fill in the fields above.") }
            return Text("Check the highlighted fields.")
        case .throttled: return Text("Too many attempts. Wait a little and try again.")
        case .notFound: return Text("This no longer exists, or you cannot see it.")
        case .forbidden: return Text("You do not have permission to do this.")
        case .sessionEnded(let reason): return reason.text
        case .notReady: return Text("Your organization is still being set up. Try again in a few seconds.")
        case .unexpected: return Text("Something went wrong. Try again.")
        }
    }

    var systemImage: String {
        switch kind {
        case .offline, .timeout: "wifi.slash"
        case .notFound: "questionmark.folder"
        case .forbidden: "lock"
        default: "exclamationmark.triangle"
        }
    }
}

extension SignOutReason {
    var text: Text {
        switch self {
        case .loggedOut: Text("You logged out.")
        case .sessionRevoked: Text("Your session was ended (it was revoked or used on another device). Log in again.")
        case .sessionExpired: Text("Your session expired. Log in again.")
        case .membershipRevoked: Text("You are no longer a member of this organization.")
        case .organizationSuspended: Text("This organization is suspended.")
        }
    }
}

extension FieldProblem {
    var text: Text {
        switch self {
        case .required: Text("Fill in this field.")
        case .invalidEmail: Text("Enter a valid email address.")
        case .invalidSlug: Text("Use 3 to 63 lower-case letters, digits and hyphens.")
        case .passwordTooShort: Text("Use at least 10 characters.")
        case .tooLong: Text("This is too long.")
        case .invalidCode: Text("Enter the 6-digit code.")
        case .codeAlreadyUsed: Text("This code was just used. Wait for your app to show the next one.")
        case .invalidRange: Text("The start must come before the end.")
        }
    }
}

/// A form field's error under the field: the app's wording or the platform's message.
struct FieldErrorText: View {
    let error: FieldError?

    init(_ error: FieldError?) {
        self.error = error
    }

    var body: some View {
        if let error {
            Label {
                switch error {
                case .local(let problem): problem.text
                case .server(let message): Text(verbatim: message)
                }
            } icon: {
                Image(systemName: "exclamationmark.circle.fill")
            }
            .font(.footnote)
            .foregroundStyle(.red)
        }
    }
}

/// A screen-level error with a retry button (ContentUnavailableView, iOS 17).
struct ErrorStateView: View {
    let error: ErrorMessage
    let retry: @MainActor () async -> Void

    var body: some View {
        ContentUnavailableView {
            Label {
                Text("Could not load")
            } icon: {
                Image(systemName: error.systemImage)
            }
        } description: {
            error.text
        } actions: {
            Button {
                Task { await retry() }
            } label: {
                Text("Try again")
            }
            .buttonStyle(.borderedProminent)
        }
    }
}

/// Offline with nothing cached.
struct OfflineStateView: View {
    let retry: @MainActor () async -> Void

    var body: some View {
        ContentUnavailableView {
            Label("You are offline", systemImage: "wifi.slash")
        } description: {
            Text("Nothing was saved on this device yet. Connect and try again.")
        } actions: {
            Button {
                Task { await retry() }
            } label: {
                Text("Try again")
            }
            .buttonStyle(.bordered)
        }
    }
}

/// "Shown from this device: saved at …" above stale content.
struct StaleBanner: View {
    let since: Date

    var body: some View {
        HStack(spacing: 8) {
            Image(systemName: "wifi.slash")
                .foregroundStyle(.orange)
                .accessibilityHidden(true)
            Text("Offline: showing what was saved \(since, format: .relative(presentation: .named)).")
                .font(.footnote)
        }
        .padding(.horizontal, 12)
        .padding(.vertical, 8)
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(Color.orange.opacity(0.12), in: RoundedRectangle(cornerRadius: 10, style: .continuous))
        .accessibilityElement(children: .combine)
    }
}
