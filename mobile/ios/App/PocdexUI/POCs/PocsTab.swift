import PocdexKit
import SwiftUI

enum PocRoute: Hashable {
    case detail(id: String)
}

/// A facet filter shown as a token in the search field (removing the token removes the filter).
enum SearchFacetToken: Identifiable, Hashable {
    case language(String)
    case tag(String)
    case status(PocStatus)

    var id: String {
        switch self {
        case .language(let value): "language:\(value)"
        case .tag(let value): "tag:\(value)"
        case .status(let value): "status:\(value.rawValue)"
        }
    }
}

/// The POCs tab: the list (paging, pull to refresh, offline cache) and, while searching, the
/// search results (as you type, suggestions, facets as tokens and chips, highlights).
struct PocsTab: View {
    @Environment(AppViewModel.self) private var app
    @State private var list: PocListViewModel?
    @State private var search: SearchViewModel?
    @State private var path: [PocRoute] = []
    @State private var isCreating = false

    var body: some View {
        NavigationStack(path: $path) {
            Group {
                if let list, let search {
                    PocsScreen(list: list, search: search, path: $path)
                } else {
                    LoadingView(title: "Loading POCs…")
                }
            }
            .navigationTitle("POCs")
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Button {
                        isCreating = true
                    } label: {
                        Label("New POC", systemImage: "plus")
                    }
                    .accessibilityIdentifier("pocs.new")
                }
            }
            .navigationDestination(for: PocRoute.self) { route in
                switch route {
                case .detail(let id):
                    PocDetailView(
                        model: PocDetailViewModel(pocID: id, repository: app.services.pocs),
                        onSaved: { list?.apply(saved: $0) },
                        onDeleted: { list?.remove(id: $0) })
                }
            }
            .sheet(isPresented: $isCreating) {
                NavigationStack {
                    PocEditorView(model: PocEditorViewModel(repository: app.services.pocs)) { poc in
                        list?.apply(saved: poc)
                        path.append(.detail(id: poc.id))
                    }
                }
            }
        }
        .task {
            if list == nil {
                list = PocListViewModel(repository: app.services.pocs)
                search = SearchViewModel(repository: app.services.search)
            }
        }
    }
}

private struct PocsScreen: View {
    @Bindable var list: PocListViewModel
    @Bindable var search: SearchViewModel
    @Binding var path: [PocRoute]

    var body: some View {
        content
            .searchable(text: $search.query, tokens: tokens, placement: .navigationBarDrawer(displayMode: .always),
                        prompt: Text("Search by name, language or tag")) { token in
                switch token {
                case .language(let value): Label(value, systemImage: "chevron.left.forwardslash.chevron.right")
                case .tag(let value): Label(value, systemImage: "tag")
                case .status(let value): PocStatusLabel(status: value)
                }
            }
            .searchScopes(sortBinding) {
                Text("Relevance").tag(SearchSort.relevance)
                Text("Recent").tag(SearchSort.recent)
            }
            .searchSuggestions {
                ForEach(search.suggestions.names) { name in
                    Button {
                        path.append(.detail(id: name.id))
                    } label: {
                        Label(name.name, systemImage: "shippingbox")
                    }
                }
                ForEach(search.suggestions.languages) { bucket in
                    Button {
                        search.applySuggestedLanguage(bucket.value)
                    } label: {
                        Label(bucket.title, systemImage: "chevron.left.forwardslash.chevron.right")
                    }
                }
                ForEach(search.suggestions.tags) { bucket in
                    Button {
                        search.applySuggestedTag(bucket.value)
                    } label: {
                        Label(bucket.title, systemImage: "tag")
                    }
                }
            }
            .onSubmit(of: .search) { search.searchNow() }
            .task { await list.load() }
    }

    private var isSearching: Bool { search.state != .idle }

    @ViewBuilder private var content: some View {
        if isSearching {
            SearchResultsView(search: search)
        } else {
            PocListContent(list: list)
        }
    }

    /// The active filters as tokens; removing one in the field removes that filter.
    private var tokens: Binding<[SearchFacetToken]> {
        Binding(
            get: {
                search.filters.languages.map(SearchFacetToken.language)
                    + search.filters.tags.map(SearchFacetToken.tag)
                    + (search.filters.status.map { [SearchFacetToken.status($0)] } ?? [])
            },
            set: { remaining in
                for language in search.filters.languages where !remaining.contains(.language(language)) {
                    search.toggleLanguage(language)
                }
                for tag in search.filters.tags where !remaining.contains(.tag(tag)) {
                    search.toggleTag(tag)
                }
                if let status = search.filters.status, !remaining.contains(.status(status)) {
                    search.setStatus(nil)
                }
            })
    }

    private var sortBinding: Binding<SearchSort> {
        Binding(get: { search.filters.sort }, set: { search.setSort($0) })
    }
}

/// The plain list (no query, no filter).
private struct PocListContent: View {
    @Bindable var list: PocListViewModel

    var body: some View {
        switch list.state {
        case .idle, .loading:
            LoadingView(title: "Loading POCs…")
        case .offline:
            OfflineStateView { await list.load() }
        case .error(let error):
            ErrorStateView(error: error) { await list.load() }
        case .empty:
            ContentUnavailableView {
                Label("No POCs yet", systemImage: "shippingbox")
            } description: {
                Text("Register your first proof of concept with the + button.")
            }
            .refreshable { await list.refresh() }
        case .content:
            List {
                if let since = list.staleSince {
                    StaleBanner(since: since)
                        .listRowSeparator(.hidden)
                }
                ForEach(list.pocs) { poc in
                    NavigationLink(value: PocRoute.detail(id: poc.id)) {
                        PocRow(poc: poc)
                    }
                    .onAppear {
                        Task { await list.loadMoreIfNeeded(current: poc) }
                    }
                }
                if list.isLoadingMore {
                    HStack {
                        Spacer()
                        ProgressView()
                        Spacer()
                    }
                    .accessibilityLabel("Loading more POCs")
                } else if let error = list.pageError {
                    Button {
                        Task { await list.loadMore() }
                    } label: {
                        Label {
                            VStack(alignment: .leading) {
                                error.text
                                Text("Tap to try again").font(.footnote).foregroundStyle(.secondary)
                            }
                        } icon: {
                            Image(systemName: error.systemImage)
                        }
                    }
                }
            }
            .listStyle(.plain)
            .refreshable { await list.refresh() }
        }
    }
}

struct PocRow: View {
    let poc: Poc

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            HStack(alignment: .firstTextBaseline) {
                Text(verbatim: poc.name)
                    .font(.headline)
                Spacer()
                PocStatusLabel(status: poc.status)
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            if !poc.summary.isEmpty {
                Text(verbatim: poc.summary)
                    .font(.subheadline)
                    .foregroundStyle(.secondary)
                    .lineLimit(2)
            }
            if !poc.languages.isEmpty || !poc.tags.isEmpty {
                ChipRow(items: poc.languages.map(\.name) + poc.tags.map { "#" + $0.label })
            }
        }
        .padding(.vertical, 4)
        .accessibilityElement(children: .combine)
    }
}

/// Small rounded labels (languages, tags).
struct ChipRow: View {
    let items: [String]

    var body: some View {
        ScrollView(.horizontal, showsIndicators: false) {
            HStack(spacing: 6) {
                ForEach(items, id: \.self) { item in
                    Text(verbatim: item)
                        .font(.caption)
                        .padding(.horizontal, 8)
                        .padding(.vertical, 3)
                        .background(.tint.opacity(0.12), in: Capsule())
                }
            }
        }
    }
}

struct PocStatusLabel: View {
    let status: PocStatus

    var body: some View {
        switch status {
        case .idea: Label("Idea", systemImage: "lightbulb")
        case .inProgress: Label("In progress", systemImage: "hammer")
        case .done: Label("Done", systemImage: "checkmark.seal")
        case .abandoned: Label("Abandoned", systemImage: "archivebox")
        default: Label(status.rawValue, systemImage: "circle")
        }
    }
}
