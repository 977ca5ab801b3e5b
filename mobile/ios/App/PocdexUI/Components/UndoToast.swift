import SwiftUI

/// The overlay shown after a delete while the server still lets the item be restored.
/// The view model owns the window (when it closes, it clears the pending undo); this only
/// shows its message and sends the undo intent.
struct UndoToast: View {
    let message: Text
    let isWorking: Bool
    let undo: () -> Void

    init(_ message: LocalizedStringKey, isWorking: Bool = false, undo: @escaping () -> Void) {
        self.message = Text(message)
        self.isWorking = isWorking
        self.undo = undo
    }

    init(message: Text, isWorking: Bool = false, undo: @escaping () -> Void) {
        self.message = message
        self.isWorking = isWorking
        self.undo = undo
    }

    var body: some View {
        HStack(spacing: 12) {
            Image(systemName: "trash")
                .accessibilityHidden(true)
            message
                .font(.subheadline)
                .frame(maxWidth: .infinity, alignment: .leading)
            if isWorking {
                ProgressView()
            } else {
                Button(action: undo) {
                    Text("Undo")
                        .font(.subheadline.weight(.bold))
                }
                .accessibilityHint("Restores what you just deleted")
            }
        }
        .padding(.horizontal, 16)
        .padding(.vertical, 12)
        .foregroundStyle(.white)
        .background(Color.black.opacity(0.85), in: Capsule())
        .padding(.horizontal)
        .padding(.bottom, 8)
        .transition(.move(edge: .bottom).combined(with: .opacity))
        .accessibilityElement(children: .contain)
    }
}
