import PocdexKit
import SwiftUI

enum DojoRoute: Hashable {
    case live(id: String, title: String)
    case replay(id: String, title: String)
}

/// Dojos: upcoming, live and past sessions; schedule, start, join, end, replay.
struct DojosTab: View {
    @Environment(AppViewModel.self) private var app
    @State private var model: DojoListViewModel?
    @State private var path: [DojoRoute] = []
    @State private var isScheduling = false

    var body: some View {
        NavigationStack(path: $path) {
            Group {
                if let model {
                    DojoListView(model: model, path: $path)
                } else {
                    LoadingView(title: "Loading dojos…")
                }
            }
            .navigationTitle("Dojos")
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Button {
                        isScheduling = true
                    } label: {
                        Label("Schedule a dojo", systemImage: "calendar.badge.plus")
                    }
                }
            }
            .navigationDestination(for: DojoRoute.self) { route in
                switch route {
                case .live(let id, let title):
                    LiveDojoView(model: app.services.liveDojoViewModel(dojoID: id), title: title)
                case .replay(let id, let title):
                    ReplayView(model: ReplayViewModel(loader: app.services.replayLoader(dojoID: id)), title: title)
                }
            }
            .sheet(isPresented: $isScheduling) {
                NavigationStack {
                    ScheduleDojoView(model: DojoScheduleViewModel(repository: app.services.dojos)) { dojo in
                        model?.added(dojo)
                    }
                }
            }
        }
        .task {
            if model == nil { model = DojoListViewModel(repository: app.services.dojos) }
        }
    }
}

private struct DojoListView: View {
    @Bindable var model: DojoListViewModel
    @Binding var path: [DojoRoute]
    @State private var dojoToEnd: Dojo?

    var body: some View {
        VStack(spacing: 0) {
            Picker("Show", selection: selectionBinding) {
                Text("Upcoming").tag(DojoListState.upcoming)
                Text("Live").tag(DojoListState.live)
                Text("Past").tag(DojoListState.past)
            }
            .pickerStyle(.segmented)
            .padding([.horizontal, .bottom])
            content
        }
        .task { await model.select(model.selection) }
        .alert("Something went wrong", isPresented: errorBinding, presenting: model.actionError) { _ in
            Button {
                model.dismissError()
            } label: {
                Text("OK")
            }
        } message: { error in
            error.text
        }
        .confirmationDialog("End this dojo for everyone?", isPresented: endBinding, titleVisibility: .visible,
                            presenting: dojoToEnd) { dojo in
            Button(role: .destructive) {
                Task { await model.end(dojo) }
            } label: {
                Text("End dojo")
            }
        }
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .idle, .loading:
            LoadingView(title: "Loading dojos…")
        case .offline:
            OfflineStateView { await model.load() }
        case .error(let error):
            ErrorStateView(error: error) { await model.load() }
        case .empty:
            ContentUnavailableView {
                Label("No dojos here", systemImage: "person.3")
            } description: {
                Text("Schedule one with the calendar button.")
            }
            .refreshable { await model.refresh() }
        case .content:
            List(model.dojos) { dojo in
                DojoRow(dojo: dojo)
                    .contentShape(Rectangle())
                    .onTapGesture { open(dojo) }
                    .accessibilityAddTraits(.isButton)
                    .swipeActions {
                        if dojo.canRun && dojo.status == .live {
                            Button(role: .destructive) {
                                dojoToEnd = dojo
                            } label: {
                                Label("End", systemImage: "stop.circle")
                            }
                        }
                    }
                    .contextMenu {
                        if dojo.canRun && dojo.status == .scheduled {
                            Button {
                                Task {
                                    if let live = await model.start(dojo) {
                                        path.append(.live(id: live.id, title: live.title))
                                    }
                                }
                            } label: {
                                Label("Start now", systemImage: "play.circle")
                            }
                        }
                    }
            }
            .listStyle(.plain)
            .refreshable { await model.refresh() }
        }
    }

    private func open(_ dojo: Dojo) {
        switch dojo.status {
        case .live: path.append(.live(id: dojo.id, title: dojo.title))
        case .ended: path.append(.replay(id: dojo.id, title: dojo.title))
        default:
            if dojo.canRun {
                Task {
                    if let live = await model.start(dojo) { path.append(.live(id: live.id, title: live.title)) }
                }
            }
        }
    }

    private var selectionBinding: Binding<DojoListState> {
        Binding(get: { model.selection }, set: { value in Task { await model.select(value) } })
    }

    private var errorBinding: Binding<Bool> {
        Binding(get: { model.actionError != nil }, set: { if !$0 { model.dismissError() } })
    }

    private var endBinding: Binding<Bool> {
        Binding(get: { dojoToEnd != nil }, set: { if !$0 { dojoToEnd = nil } })
    }
}

private struct DojoRow: View {
    let dojo: Dojo

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            HStack {
                Text(verbatim: dojo.title)
                    .font(.headline)
                Spacer()
                switch dojo.status {
                case .live:
                    Label("Live", systemImage: "dot.radiowaves.left.and.right")
                        .font(.caption.bold())
                        .foregroundStyle(.red)
                case .ended:
                    Label("Replay", systemImage: "play.rectangle")
                        .font(.caption)
                        .foregroundStyle(.secondary)
                default:
                    if dojo.canRun {
                        Label("Start", systemImage: "play.circle")
                            .font(.caption)
                            .foregroundStyle(.tint)
                    }
                }
            }
            Text("\(dojo.language) · every \(dojo.rotationMinutes) min · \(dojo.facilitator.name)")
                .font(.subheadline)
                .foregroundStyle(.secondary)
            Text(dojo.scheduledAt, format: .dateTime.weekday().day().month().hour().minute())
                .font(.caption)
                .foregroundStyle(.secondary)
        }
        .padding(.vertical, 4)
        .accessibilityElement(children: .combine)
    }
}

/// Scheduling a dojo.
struct ScheduleDojoView: View {
    @Environment(\.dismiss) private var dismiss
    @State private var model: DojoScheduleViewModel
    private let onScheduled: (Dojo) -> Void

    init(model: DojoScheduleViewModel, onScheduled: @escaping (Dojo) -> Void) {
        _model = State(initialValue: model)
        self.onScheduled = onScheduled
    }

    var body: some View {
        Form {
            Section {
                TextField("Title", text: $model.draft.title, prompt: Text("Bowling kata"))
                FieldErrorText(model.fieldErrors["title"])
                TextField("Kata", text: $model.draft.kata, axis: .vertical)
                    .lineLimit(1...4)
                FieldErrorText(model.fieldErrors["kata"])
                TextField("Language", text: $model.draft.language, prompt: Text(verbatim: "Python"))
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                FieldErrorText(model.fieldErrors["language"])
            }
            Section {
                DatePicker("Starts", selection: $model.draft.scheduledAt, in: Date()...)
                FieldErrorText(model.fieldErrors["scheduled_at"])
                Picker("Turn length", selection: $model.draft.rotationMinutes) {
                    ForEach(DojoScheduleViewModel.rotationChoices, id: \.self) { minutes in
                        Text("\(minutes) minutes").tag(minutes)
                    }
                }
                FieldErrorText(model.fieldErrors["rotation_minutes"])
                Toggle("The co-piloto may type too", isOn: $model.draft.copilotoMayEdit)
                Picker("Who can join", selection: $model.draft.visibility) {
                    Text("Team").tag(PocVisibility.team)
                    Text("Invited people").tag(PocVisibility.invited)
                }
            }
            if let error = model.error {
                Section { error.text.foregroundStyle(.red) }
            }
        }
        .navigationTitle("Schedule a dojo")
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .cancellationAction) {
                Button {
                    dismiss()
                } label: {
                    Text("Cancel")
                }
            }
            ToolbarItem(placement: .confirmationAction) {
                if model.isSaving {
                    ProgressView()
                } else {
                    Button {
                        Task {
                            if let dojo = await model.schedule() {
                                onScheduled(dojo)
                                dismiss()
                            }
                        }
                    } label: {
                        Text("Schedule")
                    }
                }
            }
        }
    }
}
