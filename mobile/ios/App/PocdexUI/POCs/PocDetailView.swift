import PhotosUI
import PocdexKit
import QuickLook
import SwiftUI
import UniformTypeIdentifiers

/// A POC: its fields, attachments (upload from Photos or Files with progress, open, share),
/// edit, and delete with Undo while the restore window is open.
struct PocDetailView: View {
    @Environment(AppViewModel.self) private var app
    @Environment(\.dismiss) private var dismiss
    @State private var model: PocDetailViewModel
    private let onSaved: (Poc) -> Void
    private let onDeleted: (String) -> Void

    @State private var isEditing = false
    @State private var isConfirmingDelete = false
    @State private var photo: PhotosPickerItem?
    @State private var isImportingFile = false
    @State private var openedURL: IdentifiedURL?
    @State private var attachmentToDelete: Attachment?

    init(model: PocDetailViewModel, onSaved: @escaping (Poc) -> Void, onDeleted: @escaping (String) -> Void) {
        _model = State(initialValue: model)
        self.onSaved = onSaved
        self.onDeleted = onDeleted
    }

    var body: some View {
        content
            .navigationTitle(model.poc.map { Text(verbatim: $0.name) } ?? Text("POC"))
            .navigationBarTitleDisplayMode(.inline)
            .toolbar { toolbar }
            .task { await model.load() }
            .refreshable { await model.load() }
            .overlay(alignment: .bottom) {
                if let pending = model.pendingUndo {
                    UndoToast(message: Text("Deleted “\(pending.name)”"), isWorking: model.isWorking) {
                        Task { await model.undoDelete() }
                    }
                }
            }
            .animation(.spring, value: model.pendingUndo)
            .onChange(of: model.isDeleted) { _, deleted in
                if deleted {
                    onDeleted(model.pocID)
                    dismiss()
                }
            }
            .sheet(isPresented: $isEditing) {
                if let poc = model.poc {
                    NavigationStack {
                        PocEditorView(model: PocEditorViewModel(repository: app.services.pocs, editing: poc)) { saved in
                            model.apply(saved: saved)
                            onSaved(saved)
                        }
                    }
                }
            }
            .sheet(item: $openedURL) { item in
                SafariView(url: item.url).ignoresSafeArea()
            }
            .confirmationDialog("Delete this POC?", isPresented: $isConfirmingDelete, titleVisibility: .visible) {
                Button(role: .destructive) {
                    Task { await model.delete() }
                } label: {
                    Text("Delete")
                }
            } message: {
                Text("You can undo right after; an admin can restore it for 30 days.")
            }
            .confirmationDialog("Delete this attachment?", isPresented: attachmentDeleteBinding, titleVisibility: .visible,
                                presenting: attachmentToDelete) { attachment in
                Button(role: .destructive) {
                    Task { await model.deleteAttachment(attachment) }
                } label: {
                    Text("Delete")
                }
            }
            .alert("Something went wrong", isPresented: errorBinding, presenting: model.actionError) { _ in
                Button {
                    model.dismissError()
                } label: {
                    Text("OK")
                }
            } message: { error in
                error.text
            }
            .fileImporter(isPresented: $isImportingFile, allowedContentTypes: [.item]) { result in
                guard case .success(let url) = result, let file = PickedFile(url: url) else { return }
                Task { await model.upload(filename: file.filename, contentType: file.contentType, data: file.data) }
            }
            .onChange(of: photo) { _, item in
                guard let item else { return }
                photo = nil
                Task {
                    guard let file = await PickedFile(photo: item) else { return }
                    await model.upload(filename: file.filename, contentType: file.contentType, data: file.data)
                }
            }
    }

    @ViewBuilder private var content: some View {
        switch model.state {
        case .idle, .loading:
            LoadingView(title: "Loading…")
        case .offline:
            OfflineStateView { await model.load() }
        case .error(let error):
            ErrorStateView(error: error) { await model.load() }
        case .empty, .content:
            if let poc = model.poc {
                details(poc)
            }
        }
    }

    @ToolbarContentBuilder private var toolbar: some ToolbarContent {
        if model.poc != nil {
            ToolbarItem(placement: .primaryAction) {
                Menu {
                    Button {
                        isEditing = true
                    } label: {
                        Label("Edit", systemImage: "pencil")
                    }
                    .disabled(!model.canEdit)
                    Button(role: .destructive) {
                        isConfirmingDelete = true
                    } label: {
                        Label("Delete", systemImage: "trash")
                    }
                    .disabled(!model.canEdit || model.isWorking)
                } label: {
                    Label("Actions", systemImage: "ellipsis.circle")
                }
                .accessibilityIdentifier("poc.actions")
            }
        }
    }

    private func details(_ poc: Poc) -> some View {
        List {
            if let since = model.staleSince {
                StaleBanner(since: since)
                    .listRowSeparator(.hidden)
            }
            Section {
                VStack(alignment: .leading, spacing: 8) {
                    Text(verbatim: poc.name)
                        .font(.title2.bold())
                    PocStatusLabel(status: poc.status)
                        .foregroundStyle(.secondary)
                    if !poc.summary.isEmpty {
                        Text(verbatim: poc.summary)
                    }
                    Text("By \(poc.author.name), updated \(poc.updatedAt, format: .relative(presentation: .named))")
                        .font(.footnote)
                        .foregroundStyle(.secondary)
                }
                .accessibilityElement(children: .combine)
                if !poc.languages.isEmpty || !poc.tags.isEmpty {
                    ChipRow(items: poc.languages.map(\.name) + poc.tags.map { "#" + $0.label })
                }
            }
            if !poc.description.isEmpty {
                Section {
                    Text(verbatim: poc.description)
                } header: {
                    Text("Description")
                }
            }
            if !poc.hypothesis.isEmpty || poc.outcome != nil || !poc.learnings.isEmpty {
                Section {
                    if !poc.hypothesis.isEmpty {
                        LabeledContent {
                            Text(verbatim: poc.hypothesis)
                        } label: {
                            Text("Hypothesis")
                        }
                    }
                    if let outcome = poc.outcome {
                        LabeledContent {
                            PocOutcomeText(outcome: outcome)
                        } label: {
                            Text("Outcome")
                        }
                    }
                    if !poc.learnings.isEmpty {
                        VStack(alignment: .leading, spacing: 4) {
                            Text("Learnings").font(.subheadline.bold())
                            Text(verbatim: poc.learnings)
                        }
                    }
                } header: {
                    Text("Result")
                }
            }
            if !poc.repositoryURL.isEmpty || !poc.links.isEmpty {
                Section {
                    if let url = URL(string: poc.repositoryURL), !poc.repositoryURL.isEmpty {
                        Link(destination: url) {
                            Label("Repository", systemImage: "arrow.triangle.branch")
                        }
                    }
                    ForEach(poc.links, id: \.url) { link in
                        if let url = URL(string: link.url) {
                            Link(destination: url) {
                                Label(link.title ?? link.url, systemImage: "link")
                            }
                        }
                    }
                } header: {
                    Text("Links")
                }
            }
            attachmentsSection
        }
    }

    private var attachmentsSection: some View {
        Section {
            if model.attachments.isEmpty && model.uploads.isEmpty {
                Text("No attachments yet.")
                    .foregroundStyle(.secondary)
            }
            ForEach(model.attachments) { attachment in
                AttachmentRow(attachment: attachment) {
                    Task {
                        if let url = await model.downloadURL(for: attachment) { openedURL = IdentifiedURL(url: url) }
                    }
                }
                .swipeActions {
                    if model.canEdit {
                        Button(role: .destructive) {
                            attachmentToDelete = attachment
                        } label: {
                            Label("Delete", systemImage: "trash")
                        }
                    }
                }
            }
            ForEach(model.uploads) { upload in
                UploadRow(upload: upload) { model.dismissUpload(upload.id) }
            }
        } header: {
            HStack {
                Text("Attachments")
                Spacer()
                if model.canEdit {
                    PhotosPicker(selection: $photo, matching: .any(of: [.images, .videos])) {
                        Label("Add photo", systemImage: "photo.badge.plus")
                            .labelStyle(.iconOnly)
                    }
                    .accessibilityLabel("Add a photo or video")
                    Button {
                        isImportingFile = true
                    } label: {
                        Label("Add file", systemImage: "doc.badge.plus")
                            .labelStyle(.iconOnly)
                    }
                    .accessibilityLabel("Add a file")
                }
            }
        }
    }

    private var errorBinding: Binding<Bool> {
        Binding(get: { model.actionError != nil }, set: { if !$0 { model.dismissError() } })
    }

    private var attachmentDeleteBinding: Binding<Bool> {
        Binding(get: { attachmentToDelete != nil }, set: { if !$0 { attachmentToDelete = nil } })
    }
}

private struct AttachmentRow: View {
    let attachment: Attachment
    let open: () -> Void

    var body: some View {
        Button(action: open) {
            HStack {
                Image(systemName: icon)
                    .foregroundStyle(.tint)
                    .frame(width: 28)
                    .accessibilityHidden(true)
                VStack(alignment: .leading) {
                    Text(verbatim: attachment.filename)
                        .lineLimit(1)
                    Text(attachment.size, format: .byteCount(style: .file))
                        .font(.caption)
                        .foregroundStyle(.secondary)
                }
                Spacer()
                if !attachment.isReady {
                    Text("Processing")
                        .font(.caption)
                        .foregroundStyle(.secondary)
                }
            }
        }
        .disabled(!attachment.isReady)
        .accessibilityHint("Opens the file")
    }

    private var icon: String {
        let type = attachment.contentType
        if type.hasPrefix("image/") { return "photo" }
        if type.hasPrefix("video/") { return "film" }
        if type == "application/pdf" { return "doc.richtext" }
        return "doc"
    }
}

private struct UploadRow: View {
    let upload: AttachmentUpload
    let dismiss: () -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            Text(verbatim: upload.filename)
                .lineLimit(1)
            switch upload.phase {
            case .uploading:
                ProgressView(value: upload.fraction) {
                    Text("Uploading…")
                        .font(.caption)
                }
                .accessibilityValue(Text(upload.fraction, format: .percent.precision(.fractionLength(0))))
            case .done:
                Label("Uploaded", systemImage: "checkmark.circle.fill")
                    .font(.caption)
                    .foregroundStyle(.green)
            case .failed(let error):
                HStack {
                    Label { error.text } icon: { Image(systemName: "exclamationmark.triangle.fill") }
                        .font(.caption)
                        .foregroundStyle(.red)
                    Spacer()
                    Button(action: dismiss) {
                        Text("Dismiss")
                    }
                    .font(.caption)
                }
            }
        }
    }
}

struct PocOutcomeText: View {
    let outcome: PocOutcome

    var body: some View {
        switch outcome {
        case .validated: Text("Validated")
        case .invalidated: Text("Invalidated")
        case .inconclusive: Text("Inconclusive")
        default: Text(verbatim: outcome.rawValue)
        }
    }
}

/// A file picked in Files or Photos, read into memory for the upload.
struct PickedFile {
    let filename: String
    let contentType: String
    let data: Data

    init?(url: URL) {
        let scoped = url.startAccessingSecurityScopedResource()
        defer { if scoped { url.stopAccessingSecurityScopedResource() } }
        guard let data = try? Data(contentsOf: url) else { return nil }
        self.filename = url.lastPathComponent
        self.contentType = UTType(filenameExtension: url.pathExtension)?.preferredMIMEType ?? "application/octet-stream"
        self.data = data
    }

    init?(photo: PhotosPickerItem) async {
        guard let data = try? await photo.loadTransferable(type: Data.self) else { return nil }
        let type = photo.supportedContentTypes.first ?? .jpeg
        let ext = type.preferredFilenameExtension ?? "jpg"
        self.filename = "photo-\(Int(Date().timeIntervalSince1970)).\(ext)"
        self.contentType = type.preferredMIMEType ?? "image/jpeg"
        self.data = data
    }
}
