import AVKit
import PocdexKit
import QuickLook
import SwiftUI

/// Reports (PDF/CSV for a period) and the year-in-review video: request, progress, open,
/// play, share.
struct ReportsTab: View {
    @Environment(AppViewModel.self) private var app
    @State private var model: ReportsViewModel?

    var body: some View {
        NavigationStack {
            Group {
                if let model {
                    ReportsView(model: model)
                } else {
                    LoadingView(title: "Loading…")
                }
            }
            .navigationTitle("Reports")
        }
        .task {
            if model == nil {
                model = ReportsViewModel(repository: app.services.media, language: AppLanguageSetting.current)
            }
        }
    }
}

private struct ReportsView: View {
    @Bindable var model: ReportsViewModel
    @State private var previewURL: URL?
    @State private var playing: IdentifiedURL?
    @State private var downloading: String?

    var body: some View {
        Form {
            requestSection
            if let job = model.activeJob, !job.status.isFinished {
                Section {
                    JobProgressView(job: job)
                } header: {
                    Text("In progress")
                }
            }
            jobsSection
        }
        .task { await model.load() }
        .refreshable { await model.load() }
        .onDisappear { model.stop() }
        .quickLookPreview($previewURL)
        .sheet(item: $playing) { item in
            VideoPlayerSheet(url: item.url)
        }
    }

    @ViewBuilder private var requestSection: some View {
        Section {
            Picker("What", selection: $model.kind) {
                Text("Report").tag(JobKind.report)
                Text("Year video").tag(JobKind.video)
            }
            .pickerStyle(.segmented)
            Picker("About", selection: $model.scope) {
                Text("My POCs").tag("me")
                Text("The whole organization").tag("organization")
            }
            Picker("Language", selection: $model.language) {
                Text("Português (Brasil)").tag(AppLanguage.portuguese)
                Text("English").tag(AppLanguage.english)
            }
            if model.kind == .report {
                DatePicker("From", selection: $model.from, displayedComponents: .date)
                FieldErrorText(model.fieldErrors["from"])
                DatePicker("To", selection: $model.to, displayedComponents: .date)
                FieldErrorText(model.fieldErrors["to"])
                Toggle("PDF", isOn: formatBinding("pdf"))
                Toggle("CSV (spreadsheet)", isOn: formatBinding("csv"))
                FieldErrorText(model.fieldErrors["formats"])
            } else {
                Stepper(value: $model.year, in: 2000...9999) {
                    LabeledContent {
                        Text(verbatim: String(model.year))
                    } label: {
                        Text("Year")
                    }
                }
                FieldErrorText(model.fieldErrors["year"])
                Picker("Format", selection: $model.videoFormat) {
                    Text("Vertical (stories)").tag("vertical")
                    Text("Square").tag("square")
                }
            }
            if let error = model.error {
                Label { error.text } icon: { Image(systemName: error.systemImage) }
                    .foregroundStyle(.red)
            }
            Button {
                Task { await model.request() }
            } label: {
                HStack {
                    Spacer()
                    if model.isRequesting {
                        ProgressView()
                    } else if model.kind == .report {
                        Text("Request report").bold()
                    } else {
                        Text("Make my year video").bold()
                    }
                    Spacer()
                }
            }
            .disabled(model.isRequesting)
        } header: {
            Text("New")
        } footer: {
            Text("You also get a mail and a notification when it is ready.")
        }
    }

    @ViewBuilder private var jobsSection: some View {
        switch model.state {
        case .idle, .loading:
            Section { ProgressView() }
        case .offline:
            Section { Label("You are offline", systemImage: "wifi.slash") }
        case .error(let error):
            Section {
                error.text
                Button {
                    Task { await model.load() }
                } label: {
                    Text("Try again")
                }
            }
        case .empty:
            Section {
                Text("Nothing requested yet.").foregroundStyle(.secondary)
            } header: {
                Text("Earlier")
            }
        case .content:
            Section {
                ForEach(model.jobs) { job in
                    JobRow(job: job, downloading: downloading, open: { file in open(file) }, play: { file in
                        if let url = model.url(of: file) { playing = IdentifiedURL(url: url) }
                    })
                }
            } header: {
                Text("Earlier")
            }
        }
    }

    /// Downloads the file and shows it in Quick Look (PDF and CSV), from where it can be shared.
    private func open(_ file: JobFile) {
        downloading = file.url
        Task {
            previewURL = await model.download(file)
            downloading = nil
        }
    }

    private func formatBinding(_ format: String) -> Binding<Bool> {
        Binding(get: { model.formats.contains(format) },
                set: { on in
                    if on { model.formats.insert(format) } else { model.formats.remove(format) }
                })
    }
}

private struct JobProgressView: View {
    let job: MediaJob

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            ProgressView(value: Double(job.progress), total: 100) {
                if job.kind == .video {
                    Text("Rendering your video…")
                } else {
                    Text("Preparing your report…")
                }
            } currentValueLabel: {
                Text(Double(job.progress) / 100, format: .percent)
            }
        }
    }
}

private struct JobRow: View {
    let job: MediaJob
    let downloading: String?
    let open: (JobFile) -> Void
    let play: (JobFile) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            HStack {
                if job.kind == .video {
                    Label("Year video", systemImage: "film")
                } else {
                    Label("Report", systemImage: "doc.text")
                }
                Spacer()
                JobStatusText(status: job.status)
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            .font(.headline)
            if let created = job.createdAt {
                Text(created, format: .dateTime.day().month().year().hour().minute())
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            if let error = job.error {
                Text(verbatim: error.message)
                    .font(.footnote)
                    .foregroundStyle(.red)
            }
            if !job.status.isFinished {
                ProgressView(value: Double(job.progress), total: 100)
                    .accessibilityLabel("Progress")
            }
            ForEach(job.files, id: \.url) { file in
                HStack {
                    Text(verbatim: file.format.uppercased())
                        .font(.caption.bold())
                    Text(Int64(file.size), format: .byteCount(style: .file))
                        .font(.caption)
                        .foregroundStyle(.secondary)
                    Spacer()
                    if downloading == file.url {
                        ProgressView()
                    } else if file.contentType.hasPrefix("video/") {
                        Button {
                            play(file)
                        } label: {
                            Label("Play", systemImage: "play.circle.fill")
                        }
                    } else {
                        Button {
                            open(file)
                        } label: {
                            Label("Open", systemImage: "doc.viewfinder")
                        }
                    }
                    if let url = URL(string: file.url) {
                        ShareLink(item: url) {
                            Label("Share", systemImage: "square.and.arrow.up")
                        }
                    }
                }
                .labelStyle(.iconOnly)
                .buttonStyle(.borderless)
            }
        }
        .padding(.vertical, 4)
    }
}

private struct JobStatusText: View {
    let status: JobStatus

    var body: some View {
        switch status {
        case .queued: Text("Queued")
        case .running: Text("Running")
        case .succeeded: Text("Ready")
        case .failed: Text("Failed")
        default: Text(verbatim: status.rawValue)
        }
    }
}

/// The year video, played by AVKit.
private struct VideoPlayerSheet: View {
    @Environment(\.dismiss) private var dismiss
    @State private var player: AVPlayer
    let url: URL

    init(url: URL) {
        self.url = url
        _player = State(initialValue: AVPlayer(url: url))
    }

    var body: some View {
        NavigationStack {
            VideoPlayer(player: player)
                .ignoresSafeArea(edges: .bottom)
                .onAppear { player.play() }
                .onDisappear { player.pause() }
                .toolbar {
                    ToolbarItem(placement: .cancellationAction) {
                        Button {
                            dismiss()
                        } label: {
                            Text("Close")
                        }
                    }
                    ToolbarItem(placement: .primaryAction) {
                        ShareLink(item: url) {
                            Label("Share", systemImage: "square.and.arrow.up")
                        }
                    }
                }
        }
    }
}
