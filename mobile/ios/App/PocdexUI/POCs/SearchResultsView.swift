import PocdexKit
import SwiftUI

/// Search results with their facets (tap a facet to filter) and highlighted matches.
struct SearchResultsView: View {
    @Bindable var search: SearchViewModel

    var body: some View {
        switch search.state {
        case .idle, .loading:
            LoadingView(title: "Searching…")
        case .offline:
            OfflineStateView { search.searchNow() }
        case .error(let error):
            ErrorStateView(error: error) { search.searchNow() }
        case .empty:
            VStack {
                facets
                ContentUnavailableView.search(text: search.trimmedQuery)
            }
        case .content:
            List {
                Section {
                    facets
                        .listRowInsets(EdgeInsets(top: 4, leading: 0, bottom: 4, trailing: 0))
                } footer: {
                    Text("\(search.total) results")
                }
                ForEach(search.results) { hit in
                    NavigationLink(value: PocRoute.detail(id: hit.id)) {
                        SearchHitRow(hit: hit)
                    }
                    .onAppear {
                        Task { await search.loadMoreIfNeeded(current: hit) }
                    }
                }
                if search.isLoadingMore {
                    HStack {
                        Spacer()
                        ProgressView()
                        Spacer()
                    }
                }
            }
            .listStyle(.plain)
        }
    }

    /// Facet buckets as toggle chips (selected ones filled).
    private var facets: some View {
        ScrollView(.horizontal, showsIndicators: false) {
            HStack(spacing: 8) {
                ForEach(search.facets.status) { bucket in
                    let status = PocStatus(rawValue: bucket.value)
                    FacetChip(isOn: search.filters.status == status, count: bucket.count) {
                        PocStatusLabel(status: status)
                    } action: {
                        search.setStatus(search.filters.status == status ? nil : status)
                    }
                }
                ForEach(search.facets.languages) { bucket in
                    FacetChip(isOn: search.filters.languages.contains(bucket.value), count: bucket.count) {
                        Label(bucket.title, systemImage: "chevron.left.forwardslash.chevron.right")
                    } action: {
                        search.toggleLanguage(bucket.value)
                    }
                }
                ForEach(search.facets.tags) { bucket in
                    FacetChip(isOn: search.filters.tags.contains(bucket.value), count: bucket.count) {
                        Label(bucket.title, systemImage: "tag")
                    } action: {
                        search.toggleTag(bucket.value)
                    }
                }
                if !search.filters.isEmpty {
                    Button {
                        search.clearFilters()
                    } label: {
                        Label("Clear filters", systemImage: "xmark.circle")
                    }
                    .buttonStyle(.borderless)
                    .font(.caption)
                }
            }
            .padding(.horizontal)
        }
    }
}

private struct FacetChip<Title: View>: View {
    let isOn: Bool
    let count: Int
    @ViewBuilder let title: () -> Title
    let action: () -> Void

    var body: some View {
        Button(action: action) {
            HStack(spacing: 4) {
                title()
                Text(count, format: .number)
                    .foregroundStyle(.secondary)
            }
            .font(.caption)
            .labelStyle(.titleOnly)
            .padding(.horizontal, 10)
            .padding(.vertical, 5)
            .background(isOn ? AnyShapeStyle(.tint.opacity(0.25)) : AnyShapeStyle(.quaternary), in: Capsule())
        }
        .buttonStyle(.plain)
        .accessibilityAddTraits(isOn ? .isSelected : [])
        .accessibilityHint("Filters the results")
    }
}

private struct SearchHitRow: View {
    let hit: SearchHit

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            highlighted(SearchViewModel.highlightedName(hit))
                .font(.headline)
            let snippet = SearchViewModel.highlightedSnippet(hit)
            if !snippet.plainText.isEmpty {
                highlighted(snippet)
                    .font(.subheadline)
                    .foregroundStyle(.secondary)
                    .lineLimit(3)
            }
            HStack {
                PocStatusLabel(status: hit.status)
                Text(verbatim: hit.authorName)
            }
            .font(.caption)
            .foregroundStyle(.secondary)
            if !hit.languages.isEmpty || !hit.tagLabels.isEmpty {
                ChipRow(items: hit.languages + hit.tagLabels.map { "#" + $0 })
            }
        }
        .padding(.vertical, 4)
        .accessibilityElement(children: .combine)
    }

    /// The matched parts in bold with the accent color.
    private func highlighted(_ text: HighlightedText) -> Text {
        text.segments.reduce(Text(verbatim: "")) { result, segment in
            segment.isMatch
                ? result + Text(verbatim: segment.text).bold().foregroundColor(.accentColor)
                : result + Text(verbatim: segment.text)
        }
    }
}
