import SwiftUI

/// A two-factor secret to type into an authenticator app: monospaced and selectable.
struct TOTPSecretRow: View {
    let secret: String

    var body: some View {
        LabeledContent {
            Text(verbatim: secret)
                .font(.system(.body, design: .monospaced))
                .textSelection(.enabled)
        } label: {
            Text("Secret")
        }
        .accessibilityHint("You can type this in your authenticator app instead of scanning")
    }
}

/// Two-factor recovery codes, shown once: each selectable, and all of them to save elsewhere.
struct RecoveryCodesList: View {
    let codes: [String]

    var body: some View {
        ForEach(codes, id: \.self) { code in
            Text(verbatim: code)
                .font(.system(.body, design: .monospaced))
                .textSelection(.enabled)
        }
        ShareLink(item: codes.joined(separator: "\n")) {
            Label("Save the codes", systemImage: "square.and.arrow.up")
        }
    }
}
