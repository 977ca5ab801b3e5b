import PocdexKit

/// The live dojo's and the replay's connections to the platform: the one-time ticket and the
/// WebSocket transport of Apple platforms, and the replay pages as the replay view model reads them.
extension PocdexServices {
    @MainActor
    func liveDojoViewModel(dojoID: String) -> LiveDojoViewModel {
        let dojos = self.dojos
        return LiveDojoViewModel(
            ticketProvider: { try await dojos.ticketURL(dojoID: dojoID) },
            transportFactory: { URLSessionWebSocketTransport() })
    }

    func replayLoader(dojoID: String) -> DojoReplayLoader {
        let api = self.api
        return { afterSeq, limit in
            try await api.send(APIRequest<DojoReplayPage>(
                method: .get, path: "/api/v1/dojos/\(dojoID)/replay",
                query: [("after_seq", String(afterSeq)), ("limit", String(limit))],
                decode: { try DojoReplayPage(data: $0) }))
        }
    }
}
