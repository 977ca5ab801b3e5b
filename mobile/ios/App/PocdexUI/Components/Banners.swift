import SwiftUI

/// A one-line banner above a screen's content: offline data, a server error, a notice.
/// It shows what a view model says; it decides nothing.
struct StatusBanner: View {
    enum Kind {
        case offline, error, info, success

        var systemImage: String {
            switch self {
            case .offline: "wifi.slash"
            case .error: "exclamationmark.triangle.fill"
            case .info: "info.circle.fill"
            case .success: "checkmark.circle.fill"
            }
        }

        var tint: Color {
            switch self {
            case .offline: .orange
            case .error: .red
            case .info: .accentColor
            case .success: .green
            }
        }
    }

    private let title: Text
    private let kind: Kind
    private let actionTitle: LocalizedStringKey?
    private let action: (() -> Void)?

    init(_ title: LocalizedStringKey, kind: Kind, actionTitle: LocalizedStringKey? = nil, action: (() -> Void)? = nil) {
        self.title = Text(title)
        self.kind = kind
        self.actionTitle = actionTitle
        self.action = action
    }

    /// A banner whose text comes from the server, already in the person's language.
    init(verbatim message: String, kind: Kind, actionTitle: LocalizedStringKey? = nil, action: (() -> Void)? = nil) {
        self.title = Text(verbatim: message)
        self.kind = kind
        self.actionTitle = actionTitle
        self.action = action
    }

    var body: some View {
        HStack(alignment: .firstTextBaseline, spacing: 10) {
            Image(systemName: kind.systemImage)
                .foregroundStyle(kind.tint)
                .accessibilityHidden(true)
            title
                .font(.subheadline)
                .frame(maxWidth: .infinity, alignment: .leading)
                .fixedSize(horizontal: false, vertical: true)
            if let actionTitle, let action {
                Button(actionTitle, action: action)
                    .font(.subheadline.weight(.semibold))
                    .buttonStyle(.borderless)
            }
        }
        .padding(.horizontal, 14)
        .padding(.vertical, 10)
        .background(kind.tint.opacity(0.12), in: RoundedRectangle(cornerRadius: 12, style: .continuous))
        .accessibilityElement(children: .combine)
    }
}

/// A full-screen loading state with a label VoiceOver reads.
struct LoadingView: View {
    let title: LocalizedStringKey

    var body: some View {
        ProgressView {
            Text(title)
        }
        .frame(maxWidth: .infinity, maxHeight: .infinity)
    }
}
