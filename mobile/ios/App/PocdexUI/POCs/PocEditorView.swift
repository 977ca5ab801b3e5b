import PocdexKit
import SwiftUI

/// Create or edit a POC. The app's checks and the platform's field errors show under their fields.
struct PocEditorView: View {
    @Environment(\.dismiss) private var dismiss
    @State private var model: PocEditorViewModel
    private let onSaved: (Poc) -> Void

    init(model: PocEditorViewModel, onSaved: @escaping (Poc) -> Void) {
        _model = State(initialValue: model)
        self.onSaved = onSaved
    }

    var body: some View {
        Form {
            Section {
                field("name") {
                    TextField("Name", text: $model.draft.name)
                        .accessibilityIdentifier("editor.name")
                }
                field("summary") {
                    TextField("Summary", text: $model.draft.summary, axis: .vertical)
                        .lineLimit(1...3)
                }
                field("status") {
                    Picker("Status", selection: $model.draft.status) {
                        ForEach(PocStatus.all, id: \.self) { status in
                            PocStatusLabel(status: status).tag(status)
                        }
                    }
                }
                field("visibility") {
                    Picker("Visibility", selection: $model.draft.visibility) {
                        Text("Team").tag(PocVisibility.team)
                        Text("Only me").tag(PocVisibility.`private`)
                        Text("Invited people").tag(PocVisibility.invited)
                    }
                }
            }
            Section {
                field("languages") {
                    TextField("Languages", text: $model.languagesText, prompt: Text("swift, kotlin"))
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                }
                field("tags") {
                    TextField("Tags", text: $model.tagsText, prompt: Text("ml, backend"))
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                }
            } header: {
                Text("Languages and tags")
            } footer: {
                Text("Separate them with commas.")
            }
            Section {
                field("description") {
                    TextField("Description", text: $model.draft.description, axis: .vertical)
                        .lineLimit(3...10)
                }
                field("hypothesis") {
                    TextField("Hypothesis", text: $model.draft.hypothesis, axis: .vertical)
                        .lineLimit(1...5)
                }
                field("outcome") {
                    Picker("Outcome", selection: $model.draft.outcome) {
                        Text("Not yet").tag(PocOutcome?.none)
                        ForEach(PocOutcome.all, id: \.self) { outcome in
                            PocOutcomeText(outcome: outcome).tag(PocOutcome?.some(outcome))
                        }
                    }
                }
                field("learnings") {
                    TextField("Learnings", text: $model.draft.learnings, axis: .vertical)
                        .lineLimit(2...8)
                }
            } header: {
                Text("Details")
            }
            Section {
                field("repository_url") {
                    TextField("Repository URL", text: $model.draft.repositoryURL, prompt: Text(verbatim: "https://"))
                        .keyboardType(.URL)
                        .textContentType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                }
            }
            if let error = model.error {
                Section {
                    Label { error.text } icon: { Image(systemName: error.systemImage) }
                        .foregroundStyle(.red)
                }
            }
        }
        .navigationTitle(model.mode == .create ? Text("New POC") : Text("Edit POC"))
        .navigationBarTitleDisplayMode(.inline)
        .interactiveDismissDisabled(model.isSaving)
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
                            if let poc = await model.save() {
                                onSaved(poc)
                                dismiss()
                            }
                        }
                    } label: {
                        Text("Save")
                    }
                    .accessibilityIdentifier("editor.save")
                }
            }
        }
    }

    private func field<Content: View>(_ key: String, @ViewBuilder content: () -> Content) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            content()
            FieldErrorText(model.error(for: key))
        }
    }
}
