import PocdexKit
import SwiftUI

/// A past dojo step by step: the code, the seats, the chat and red/green at any point of the
/// timeline, with play/pause.
struct ReplayView: View {
    @State private var model: ReplayViewModel
    let title: String

    init(model: ReplayViewModel, title: String) {
        _model = State(initialValue: model)
        self.title = title
    }

    var body: some View {
        content
            .navigationTitle(Text(verbatim: model.title ?? title))
            .navigationBarTitleDisplayMode(.inline)
            .task { await model.load() }
            .onDisappear { model.pause() }
    }

    @ViewBuilder private var content: some View {
        switch model.phase {
        case .loading:
            LoadingView(title: "Loading the replay…")
        case .failed(let message):
            ContentUnavailableView {
                Label("Could not load the replay", systemImage: "exclamationmark.triangle")
            } description: {
                Text(verbatim: message)
            } actions: {
                Button {
                    Task { await model.load() }
                } label: {
                    Text("Try again")
                }
            }
        case .empty:
            ContentUnavailableView {
                Label("Nothing happened in this dojo", systemImage: "play.slash")
            } description: {
                Text("The session has no events to replay.")
            }
        case .ready:
            player
        }
    }

    private var player: some View {
        VStack(spacing: 0) {
            ScrollView {
                Text(verbatim: model.document.isEmpty ? " " : model.document)
                    .font(.system(.body, design: .monospaced))
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .textSelection(.enabled)
                    .padding(8)
            }
            .background(Color(.secondarySystemBackground))
            .accessibilityLabel("Code at this point")
            seats
            timeline
        }
    }

    private var seats: some View {
        HStack(spacing: 12) {
            if let piloto = model.seats.piloto {
                Label(model.names[piloto] ?? "…", systemImage: "keyboard")
                    .accessibilityLabel(Text("Piloto: \(model.names[piloto] ?? "…")"))
            }
            if let copiloto = model.seats.copiloto {
                Label(model.names[copiloto] ?? "…", systemImage: "person.2.wave.2")
                    .accessibilityLabel(Text("Co-piloto: \(model.names[copiloto] ?? "…")"))
            }
            Spacer()
            if let status = model.testStatus {
                TestStatusBadge(status: status)
            }
            if !model.chat.isEmpty {
                Label {
                    Text(model.chat.count, format: .number)
                } icon: {
                    Image(systemName: "bubble.left")
                }
                    .accessibilityLabel(Text("\(model.chat.count) chat messages"))
            }
        }
        .font(.caption)
        .padding(.horizontal)
        .padding(.vertical, 6)
    }

    private var timeline: some View {
        VStack(spacing: 8) {
            Slider(value: positionBinding, in: 0...Double(max(model.stepCount, 1)), step: 1) {
                Text("Position in the session")
            }
            .accessibilityValue(Text("Step \(model.position) of \(model.stepCount)"))
            HStack {
                if let time = model.currentTime {
                    Text(time, format: .dateTime.hour().minute().second())
                        .monospacedDigit()
                }
                Spacer()
                Text("Step \(model.position) of \(model.stepCount)")
                    .monospacedDigit()
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            HStack(spacing: 32) {
                Button {
                    model.stepBackward()
                } label: {
                    Label("Step back", systemImage: "backward.frame.fill")
                }
                .disabled(model.position == 0)
                Button {
                    model.isPlaying ? model.pause() : model.play()
                } label: {
                    if model.isPlaying {
                        Label("Pause", systemImage: "pause.fill")
                    } else {
                        Label("Play", systemImage: "play.fill")
                    }
                }
                .font(.title2)
                Button {
                    model.stepForward()
                } label: {
                    Label("Step forward", systemImage: "forward.frame.fill")
                }
                .disabled(model.position >= model.stepCount)
            }
            .labelStyle(.iconOnly)
        }
        .padding()
        .background(.bar)
    }

    private var positionBinding: Binding<Double> {
        Binding(get: { Double(model.position) }, set: { model.seek(to: Int($0)) })
    }
}
