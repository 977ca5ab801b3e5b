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
