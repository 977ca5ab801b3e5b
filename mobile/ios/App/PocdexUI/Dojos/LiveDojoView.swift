import PocdexKit
import SwiftUI

/// The live dojo: the shared editor (each change goes to the view model, which sends it as an
/// operation), the rotation timer, red/green, pause, the seats (piloto, co-piloto, plateia),
/// chat, and the connection banner.
struct LiveDojoView: View {
    @State private var model: LiveDojoViewModel
    @State private var pane: Pane = .code
    let title: String

    enum Pane: Hashable { case code, people, chat }

    init(model: LiveDojoViewModel, title: String) {
        _model = State(initialValue: model)
        self.title = title
    }

    var body: some View {
        VStack(spacing: 0) {
            connectionBanner
            header
            Picker("Show", selection: $pane) {
                Text("Code").tag(Pane.code)
                Text("People (\(model.members.count))").tag(Pane.people)
                Text("Chat").tag(Pane.chat)
            }
            .pickerStyle(.segmented)
            .padding(.horizontal)
            .padding(.vertical, 8)
            switch pane {
            case .code: editor
            case .people: people
            case .chat: chat
            }
        }
        .navigationTitle(Text(verbatim: title))
        .navigationBarTitleDisplayMode(.inline)
        .toolbar { controls }
        .toolbar(.hidden, for: .tabBar)
        .onAppear { model.start() }
        .onDisappear { model.stop() }
        .alert("The dojo refused this", isPresented: errorBinding, presenting: model.lastError) { _ in
            Button {
                model.dismissError()
            } label: {
                Text("OK")
            }
        } message: { error in
            Text(verbatim: error.message)
        }
    }

    // MARK: connection

    @ViewBuilder private var connectionBanner: some View {
        switch model.connection {
        case .idle, .connecting:
            StatusBanner("Connecting to the dojo…", kind: .info)
                .padding(.horizontal)
        case .live:
            EmptyView()
        case .reconnecting(let attempt, let delay):
            ReconnectingBanner(attempt: attempt, delay: delay)
                .padding(.horizontal)
        case .ended(let reason):
            EndedBanner(reason: reason) { model.retry() }
                .padding(.horizontal)
        }
    }

    // MARK: timer, role, tests

    private var header: some View {
        HStack(spacing: 12) {
            RoleBadge(role: model.myRole)
            Spacer()
            if let status = model.testStatus {
                TestStatusBadge(status: status)
            }
            TimerLabel(state: model.timerState, remainingSeconds: model.remainingSeconds)
        }
        .padding(.horizontal)
        .padding(.top, 8)
    }

    // MARK: panes

    @ViewBuilder private var editor: some View {
        VStack(alignment: .leading, spacing: 4) {
            if model.canEdit {
                TextEditor(text: documentBinding)
                    .font(.system(.body, design: .monospaced))
                    .autocorrectionDisabled()
                    .textInputAutocapitalization(.never)
                    .scrollContentBackground(.hidden)
                    .background(Color(.secondarySystemBackground))
                    .accessibilityLabel("Shared code")
                    .accessibilityHint("You are at the keyboard: what you type is sent to everyone")
            } else {
                ScrollView {
                    Text(verbatim: model.document.isEmpty ? " " : model.document)
                        .font(.system(.body, design: .monospaced))
                        .frame(maxWidth: .infinity, alignment: .leading)
                        .textSelection(.enabled)
                        .padding(8)
                }
                .background(Color(.secondarySystemBackground))
                .accessibilityLabel("Shared code")
                .accessibilityHint("Only the piloto types now")
            }
            HStack {
                if model.hasPendingEdits {
                    Label("Sending…", systemImage: "arrow.up.circle")
                }
                ForEach(model.remoteCursors) { cursor in
                    Label(cursor.actor.name, systemImage: "cursorarrow.rays")
                }
                Spacer()
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            .padding(.horizontal)
            .padding(.bottom, 6)
        }
    }

    private var people: some View {
        List(model.members) { member in
            HStack {
                Circle()
                    .fill(member.isConnected ? Color.green : Color.gray.opacity(0.4))
                    .frame(width: 10, height: 10)
                    .accessibilityHidden(true)
                VStack(alignment: .leading) {
                    if member.isMe {
                        Text("\(member.name) (you)")
                    } else {
                        Text(verbatim: member.name.isEmpty ? "…" : member.name)
                    }
                    if let position = member.queuePosition {
                        Text("Next in line: \(position)")
                            .font(.caption)
                            .foregroundStyle(.secondary)
                    }
                }
                Spacer()
                RoleBadge(role: member.role)
            }
            .accessibilityElement(children: .combine)
            .accessibilityValue(member.isConnected ? Text("Connected") : Text("Away"))
        }
        .listStyle(.plain)
    }

    private var chat: some View {
        VStack(spacing: 0) {
            ScrollViewReader { proxy in
                List(model.chat) { message in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(verbatim: message.author?.name ?? "")
                            .font(.caption.bold())
                        Text(verbatim: message.text)
                    }
                    .id(message.id)
                    .accessibilityElement(children: .combine)
                }
                .listStyle(.plain)
                .onChange(of: model.chat.count) {
                    if let last = model.chat.last { proxy.scrollTo(last.id, anchor: .bottom) }
                }
            }
            if let refusal = model.chatError {
                ChatRefusalText(refusal: refusal)
                    .font(.footnote)
                    .foregroundStyle(.red)
                    .padding(.horizontal)
            }
            HStack {
                TextField("Message", text: $model.chatDraft, axis: .vertical)
                    .lineLimit(1...4)
                    .textFieldStyle(.roundedBorder)
                    .onSubmit { model.sendChat() }
                Button {
                    model.sendChat()
                } label: {
                    Label("Send", systemImage: "paperplane.fill")
                        .labelStyle(.iconOnly)
                }
                .disabled(model.chatDraft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                .accessibilityLabel("Send message")
            }
            .padding()
        }
    }

    // MARK: controls

    @ToolbarContentBuilder private var controls: some ToolbarContent {
        ToolbarItemGroup(placement: .bottomBar) {
            if model.canAnnounceTests {
                Button {
                    model.announceTests(.red)
                } label: {
                    Label("Red", systemImage: "xmark.octagon.fill")
                }
                .tint(.red)
                .accessibilityLabel("Tests fail (red)")
                Button {
                    model.announceTests(.green)
                } label: {
                    Label("Green", systemImage: "checkmark.circle.fill")
                }
                .tint(.green)
                .accessibilityLabel("Tests pass (green)")
            }
            Spacer()
            if model.canControlTimer {
                Button {
                    model.togglePause()
                } label: {
                    if model.isPaused {
                        Label("Resume", systemImage: "play.fill")
                    } else {
                        Label("Pause", systemImage: "pause.fill")
                    }
                }
            }
            if model.canPass {
                Button {
                    model.passKeyboard()
                } label: {
                    Label("Pass the keyboard", systemImage: "arrow.right.circle")
                }
            }
            if model.myRole == .plateia && model.status == .live {
                Button {
                    model.setInQueue(!model.isInQueue)
                } label: {
                    if model.isInQueue {
                        Label("Leave the line", systemImage: "person.badge.minus")
                    } else {
                        Label("Join the line", systemImage: "person.badge.plus")
                    }
                }
            }
        }
    }

    private var documentBinding: Binding<String> {
        Binding(get: { model.document }, set: { model.editorTextChanged(to: $0) })
    }

    private var errorBinding: Binding<Bool> {
        Binding(get: { model.lastError != nil }, set: { if !$0 { model.dismissError() } })
    }
}

struct RoleBadge: View {
    let role: DojoRole

    var body: some View {
        Group {
            switch role {
            case .piloto: Label("Piloto", systemImage: "keyboard")
            case .copiloto: Label("Co-piloto", systemImage: "person.2.wave.2")
            case .plateia: Label("Plateia", systemImage: "eyes")
            }
        }
        .font(.caption.bold())
        .padding(.horizontal, 8)
        .padding(.vertical, 4)
        .background(.tint.opacity(role == .plateia ? 0.08 : 0.18), in: Capsule())
    }
}

struct TestStatusBadge: View {
    let status: DojoTestStatus

    var body: some View {
        switch status {
        case .red:
            Label("Red", systemImage: "xmark.octagon.fill")
                .foregroundStyle(.red)
                .font(.caption.bold())
                .accessibilityLabel("Tests fail (red)")
        case .green:
            Label("Green", systemImage: "checkmark.circle.fill")
                .foregroundStyle(.green)
                .font(.caption.bold())
                .accessibilityLabel("Tests pass (green)")
        }
    }
}

/// The server's turn timer (the view model counts down from the server's deadline).
struct TimerLabel: View {
    let state: DojoTimerState
    let remainingSeconds: Int?

    var body: some View {
        HStack(spacing: 4) {
            Image(systemName: state == .paused ? "pause.circle" : "timer")
                .accessibilityHidden(true)
            if let remainingSeconds {
                Text(Duration.seconds(remainingSeconds), format: .time(pattern: .minuteSecond))
                    .monospacedDigit()
            } else {
                switch state {
                case .waiting: Text("Waiting for a piloto")
                default: Text("No turn running")
                }
            }
        }
        .font(.subheadline.bold())
        .foregroundStyle(state == .paused ? Color.orange : Color.primary)
        .accessibilityElement(children: .combine)
        .accessibilityLabel(state == .paused ? Text("Timer paused") : Text("Time left in this turn"))
    }
}

private struct ReconnectingBanner: View {
    let attempt: Int
    let delay: Double

    var body: some View {
        HStack(spacing: 8) {
            ProgressView()
            Text("Connection lost. Reconnecting (attempt \(attempt))… Your acknowledged edits are safe.")
                .font(.footnote)
        }
        .padding(10)
        .frame(maxWidth: .infinity, alignment: .leading)
        .background(Color.orange.opacity(0.15), in: RoundedRectangle(cornerRadius: 10))
        .accessibilityElement(children: .combine)
    }
}

private struct EndedBanner: View {
    let reason: DojoEndReason
    let retry: () -> Void

    var body: some View {
        switch reason {
        case .closedByClient:
            EmptyView()
        case .accessRevoked(_, let message), .refused(_, let message):
            StatusBanner(verbatim: message, kind: .error, actionTitle: "Try again", action: retry)
        case .ticketDenied:
            StatusBanner("You cannot join this dojo.", kind: .error, actionTitle: "Try again", action: retry)
        case .gaveUp:
            StatusBanner("Could not reconnect to the dojo.", kind: .error, actionTitle: "Try again", action: retry)
        }
    }
}

private struct ChatRefusalText: View {
    let refusal: DojoSession.ChatRefusal

    var body: some View {
        switch refusal {
        case .empty: Text("Write something first.")
        case .tooLong(let limit): Text("Messages can have up to \(limit) characters.")
        case .notConnected: Text("Not connected: the message was not sent.")
        }
    }
}
