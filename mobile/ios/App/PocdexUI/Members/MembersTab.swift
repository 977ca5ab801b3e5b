import PocdexKit
import SwiftUI

/// Members and invitations. What a person may change comes from the view model (the same
/// rules as the platform: only an owner touches owners, the last owner stays).
struct MembersTab: View {
    @Environment(AppViewModel.self) private var app
    let session: SessionInfo
    @State private var model: MembersViewModel?

    var body: some View {
        NavigationStack {
            Group {
                if let model {
                    MembersView(model: model)
                } else {
                    LoadingView(title: "Loading…")
                }
            }
            .navigationTitle("Team")
        }
        .task {
            if model == nil { model = MembersViewModel(repository: app.services.account, me: session) }
        }
    }
}

private struct MembersView: View {
    @Bindable var model: MembersViewModel
    @State private var memberToRemove: Member?
    @State private var isInviting = false

    var body: some View {
        content
            .task { await model.load() }
            .refreshable { await model.load() }
            .toolbar {
                if model.canManage {
                    ToolbarItem(placement: .primaryAction) {
                        Button {
                            isInviting = true
                        } label: {
                            Label("Invite", systemImage: "person.badge.plus")
                        }
                    }
                }
            }
            .sheet(isPresented: $isInviting) {
                NavigationStack { InviteView(model: model) }
            }
            .confirmationDialog("Remove this person?", isPresented: removeBinding, titleVisibility: .visible,
                                presenting: memberToRemove) { member in
                Button(role: .destructive) {
                    Task { await model.remove(member) }
                } label: {
                    if member.user.id == model.me.userID {
                        Text("Leave the organization")
                    } else {
                        Text("Remove \(member.user.name)")
                    }
                }
            } message: { _ in
                Text("Their sessions in this organization end at once.")
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
            List {
                Section {
                    ForEach(model.members) { member in
                        MemberRow(member: member, isMe: member.user.id == model.me.userID,
                                  roles: model.assignableRoles(for: member)) { role in
                            Task { await model.changeRole(of: member, to: role) }
                        }
                        .swipeActions {
                            if model.canRemove(member) {
                                Button(role: .destructive) {
                                    memberToRemove = member
                                } label: {
                                    Label("Remove", systemImage: "person.badge.minus")
                                }
                            }
                        }
                    }
                } header: {
                    Text("Members")
                }
                if model.canManage {
                    Section {
                        if model.pendingInvitations.isEmpty {
                            Text("No pending invitations.").foregroundStyle(.secondary)
                        }
                        ForEach(model.pendingInvitations) { invitation in
                            VStack(alignment: .leading, spacing: 2) {
                                Text(verbatim: invitation.email)
                                HStack {
                                    RoleName(role: invitation.role)
                                    Text("Expires \(invitation.expiresAt, format: .relative(presentation: .named))")
                                }
                                .font(.caption)
                                .foregroundStyle(.secondary)
                            }
                            .swipeActions {
                                Button(role: .destructive) {
                                    Task { await model.revoke(invitation) }
                                } label: {
                                    Label("Revoke", systemImage: "xmark.circle")
                                }
                            }
                        }
                    } header: {
                        Text("Invitations")
                    }
                }
            }
        }
    }

    private var removeBinding: Binding<Bool> {
        Binding(get: { memberToRemove != nil }, set: { if !$0 { memberToRemove = nil } })
    }

    private var errorBinding: Binding<Bool> {
        Binding(get: { model.actionError != nil }, set: { if !$0 { model.dismissError() } })
    }
}

private struct MemberRow: View {
    let member: Member
    let isMe: Bool
    let roles: [Role]
    let change: (Role) -> Void

    var body: some View {
        HStack {
            VStack(alignment: .leading, spacing: 2) {
                if isMe {
                    Text("\(member.user.name) (you)")
                } else {
                    Text(verbatim: member.user.name)
                }
                Text(verbatim: member.user.email)
                    .font(.caption)
                    .foregroundStyle(.secondary)
            }
            Spacer()
            if roles.isEmpty {
                RoleName(role: member.role)
                    .foregroundStyle(.secondary)
            } else {
                Menu {
                    ForEach(roles, id: \.self) { role in
                        Button {
                            change(role)
                        } label: {
                            if role == member.role {
                                Label { RoleName(role: role) } icon: { Image(systemName: "checkmark") }
                            } else {
                                RoleName(role: role)
                            }
                        }
                    }
                } label: {
                    HStack(spacing: 2) {
                        RoleName(role: member.role)
                        Image(systemName: "chevron.up.chevron.down")
                            .imageScale(.small)
                    }
                }
                .accessibilityLabel(Text("Role of \(member.user.name)"))
                .accessibilityHint("Changes the role")
            }
        }
    }
}

struct RoleName: View {
    let role: Role

    var body: some View {
        switch role {
        case .owner: Text("Owner")
        case .admin: Text("Admin")
        case .member: Text("Member")
        default: Text(verbatim: role.rawValue)
        }
    }
}

private struct InviteView: View {
    @Environment(\.dismiss) private var dismiss
    @Bindable var model: MembersViewModel

    var body: some View {
        Form {
            Section {
                TextField("Email", text: $model.inviteEmail)
                    .keyboardType(.emailAddress)
                    .textContentType(.emailAddress)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                FieldErrorText(model.inviteFieldErrors["email"])
                Picker("Role", selection: $model.inviteRole) {
                    ForEach(model.invitableRoles, id: \.self) { role in
                        RoleName(role: role).tag(role)
                    }
                }
                FieldErrorText(model.inviteFieldErrors["role"])
            } footer: {
                Text("They get a mail with a link and a code; the invitation works once.")
            }
            if let error = model.actionError {
                Section { error.text.foregroundStyle(.red) }
            }
        }
        .navigationTitle("Invite someone")
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
                if model.isInviting {
                    ProgressView()
                } else {
                    Button {
                        Task {
                            let count = model.invitations.count
                            await model.invite()
                            if model.invitations.count > count { dismiss() }
                        }
                    } label: {
                        Text("Send")
                    }
                }
            }
        }
    }
}
