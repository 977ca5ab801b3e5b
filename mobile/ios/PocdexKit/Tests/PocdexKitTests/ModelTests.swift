import Foundation
import Testing
@testable import PocdexKit

@Suite struct ModelTests {
    @Test func pocDecodesTheAPIShapeAndIgnoresUnknownKeys() throws {
        let poc = try PocdexJSON.decoder().decode(Poc.self, from: Data(Fixture.poc("p1", name: "Busca", status: "done").utf8))
        #expect(poc.id == "p1")
        #expect(poc.name == "Busca")
        #expect(poc.status == .done)
        #expect(poc.outcome == nil)  // "" is no outcome
        #expect(poc.languages.map(\.slug) == ["swift"])
        #expect(poc.tags.map(\.label) == ["iOS"])
        #expect(poc.author.name == "Ana")
        #expect(poc.canEdit)
        #expect(poc.createdAt.timeIntervalSince1970.rounded() == 1_796_119_200)  // 2026-12-01T10:00:00Z
    }

    @Test func aStatusAddedLaterDecodesInsteadOfFailing() throws {
        let poc = try PocdexJSON.decoder().decode(Poc.self, from: Data(Fixture.poc("p1", status: "archived").utf8))
        #expect(poc.status.rawValue == "archived")
        #expect(!PocStatus.all.contains(poc.status))
    }

    @Test func draftEncodesTheFieldsTheAPITakes() throws {
        var draft = PocDraft(name: "X", languages: ["swift"], tags: ["ios"])
        draft.outcome = .validated
        let object = try JSONDecoder().decode([String: JSONValue].self, from: PocdexJSON.encoder().encode(draft))
        #expect(object["name"] == .string("X"))
        #expect(object["outcome"] == .string("validated"))
        #expect(object["repository_url"] == .string(""))
        #expect(object["languages"] == .array([.string("swift")]))
        #expect(object["started_on"] == .null)
        #expect(object["author"] == nil)
    }

    @Test func aPlainArrayIsOneLastPage() throws {
        let page = try PocdexJSON.decoder().decode(Page<Member>.self, from: Data("[\(Fixture.member("m1", userID: "u1", role: "admin"))]".utf8))
        #expect(page.results.count == 1)
        #expect(page.results[0].role == .admin)
        #expect(page.next == nil)
        let paged = try PocdexJSON.decoder().decode(Page<Poc>.self, from: Data(Fixture.page([Fixture.poc("a")], next: "c2").utf8))
        #expect(paged.next == "c2")
    }

    @Test func signupAnswersTokensOrMailSent() throws {
        let created = try PocdexJSON.decoder().decode(SignupOutcome.self, from: Data(#"""
        {"organization":{"id":"o","slug":"lab","name":"Lab","status":"provisioning","plan":"free"},
         "user":{"id":"u","name":"Ana","email":"a@b.co"},"role":"owner",
         "tokens":{"access":"a","refresh":"r","expires_in":600,"refresh_expires_at":"2026-12-20T00:00:00Z"}}
        """#.utf8))
        guard case .created(let grant) = created else {
            Issue.record("expected created")
            return
        }
        #expect(grant.organization.slug == "lab")
        #expect(grant.tokens.refresh == "r")
        let mail = try PocdexJSON.decoder().decode(SignupOutcome.self, from: Data(#"{"status":"mail_sent"}"#.utf8))
        #expect(mail == .mailSent)
    }

    @Test func searchPageCarriesFacetsAndHighlights() throws {
        let page = try PocdexJSON.decoder().decode(SearchPage.self, from: Data(Fixture.searchPage(
            [Fixture.hit("h1", name: "Busca", highlight: "<mark>Busca</mark> offline")], total: 7).utf8))
        #expect(page.total == 7)
        #expect(page.facets.authors.first?.title == "Ana")
        #expect(page.results[0].highlights.name == ["<mark>Busca</mark> offline"])
        let text = SearchViewModel.highlightedName(page.results[0])
        #expect(text.segments == [.init(text: "Busca", isMatch: true), .init(text: " offline", isMatch: false)])
    }

    @Test func highlightsAreUnescaped() {
        let text = HighlightedText(fragment: "a &lt;b&gt; <mark>C&amp;D</mark> &quot;e&#x27;")
        #expect(text.plainText == "a <b> C&D \"e'")
        #expect(text.segments.filter(\.isMatch).map(\.text) == ["C&D"])
    }

    @Test func mediaJobAndDojoDecode() throws {
        let job = try PocdexJSON.decoder().decode(MediaJob.self, from: Data(Fixture.job("j", status: "succeeded", progress: 100, files: true).utf8))
        #expect(job.status.isFinished)
        #expect(job.files.first?.format == "pdf")
        let dojo = try PocdexJSON.decoder().decode(Dojo.self, from: Data(Fixture.dojo("d", status: "live").utf8))
        #expect(dojo.status == .live)
        #expect(dojo.canRun)
        #expect(dojo.facilitator.name == "Ana")
    }

    @Test func accessClaimsAreReadFromTheJWT() {
        let exp = Date(timeIntervalSince1970: 2_000_000_000)
        let claims = AccessClaims.decode(TestJWT.make(exp: exp, sub: "u9", tid: "t9", role: "admin", name: "Bia"))
        #expect(claims?.expiresAt == exp)
        #expect(claims?.subject == "u9")
        #expect(claims?.tenant == "t9")
        #expect(claims?.role == .admin)
        #expect(claims?.name == "Bia")
        #expect(AccessClaims.decode("not-a-jwt") == nil)
        #expect(AccessClaims.decode("a.b.c") == nil)
    }

    @Test func deepLinksFromTheSchemeAndTheUniversalLink() {
        #expect(DeepLink(url: URL(string: "pocdex://invite?token=abc")!) == .invitation(token: "abc"))
        #expect(DeepLink(url: URL(string: "https://app.pocdex.com.br/invitations/accept?token=t%2B1")!) == .invitation(token: "t+1"))
        #expect(DeepLink(url: URL(string: "https://app.pocdex.com.br/reset-password?token=r")!) == .passwordReset(token: "r"))
        #expect(DeepLink(url: URL(string: "https://app.pocdex.com.br/verify-email?token=v")!) == .verifyEmail(token: "v"))
        #expect(DeepLink(url: URL(string: "https://evil.example.com/invitations/accept?token=abc")!) == nil)
        #expect(DeepLink(url: URL(string: "pocdex://invite")!) == nil)
        #expect(DeepLink(url: URL(string: "pocdex://invite?token=")!) == nil)
        #expect(DeepLink(url: URL(string: "pocdex://somewhere?token=abc")!) == nil)
        #expect(DeepLink(url: URL(string: "http://app.pocdex.com.br/invitations/accept?token=abc")!) == nil)
    }

    @Test func slugsAndEmails() {
        #expect(Validation.slug(from: "Laboratório Ágil!") == "laboratorio-agil")
        #expect(Validation.slug(from: "  --  ") == "")
        #expect(Validation.isSlug("lab-agil"))
        #expect(!Validation.isSlug("Lab"))
        #expect(!Validation.isSlug("-lab"))
        #expect(Validation.isEmail("ana@example.com"))
        #expect(!Validation.isEmail("ana@example"))
        #expect(!Validation.isEmail("ana example@x.com"))
    }

    @Test func webSocketURLOfATicket() throws {
        let url = try DojoRepository.webSocketURL(baseURL: URL(string: "http://127.0.0.1:8000")!, path: "/ws/dojos/d1?ticket=t1")
        #expect(url.absoluteString == "ws://127.0.0.1:8000/ws/dojos/d1?ticket=t1")
        let secure = try DojoRepository.webSocketURL(baseURL: URL(string: "https://api.pocdex.com.br")!, path: "/ws/x?ticket=y")
        #expect(secure.absoluteString == "wss://api.pocdex.com.br/ws/x?ticket=y")
        // Where the sockets have a host of their own, the ticket's url is absolute: opened as given.
        let own = try DojoRepository.webSocketURL(baseURL: URL(string: "https://api.pocdex.com.br")!,
                                                  path: "wss://ws.pocdex.com.br/ws/x?ticket=y")
        #expect(own.absoluteString == "wss://ws.pocdex.com.br/ws/x?ticket=y")
    }

    @Test func apnsTokenIsLowerCaseHex() {
        #expect(PushRegistrationViewModel.hex(Data([0x00, 0xAB, 0x10, 0xFF])) == "00ab10ff")
    }
}

@Suite struct APIErrorTests {
    @Test func validationErrorsFlattenPerField() {
        let body = #"""
        {"error":{"code":"validation_error","message":"invalid","fields":{
          "email":[{"code":"invalid","message":"Enter a valid email address."}],
          "name":["This field is required."],
          "links":[{},{"url":[{"code":"invalid","message":"Enter a valid URL."}]}]}}}
        """#
        let error = APIError.from(status: 400, body: Data(body.utf8), headers: [:])
        #expect(error.code == "validation_error")
        #expect(error.fields["email"] == ["Enter a valid email address."])
        #expect(error.fields["name"] == ["This field is required."])
        #expect(error.fields["links.1.url"] == ["Enter a valid URL."])
        let message = ErrorMessage(error)
        #expect(message.kind == .validation)
        #expect(FieldError.from(error)["email"] == .server("Enter a valid email address."))
    }

    @Test func statusesMapToTheirCases() {
        let notReady = APIError.from(status: 503, body: Data(#"{"error":{"code":"tenant_not_ready","message":"m"}}"#.utf8),
                                     headers: ["Retry-After": "3"])
        #expect(notReady == .tenantNotReady(retryAfter: 3))
        let revoked = APIError.from(status: 401, body: Data(#"{"error":{"code":"token_revoked","message":"m"}}"#.utf8), headers: [:])
        #expect(revoked == .tokenRevoked)
        let expired = APIError.from(status: 401, body: Data(#"{"error":{"code":"token_expired","message":"m"}}"#.utf8), headers: [:])
        #expect(expired == .unauthorized(code: "token_expired", message: "m"))
        // Login failures stay plain errors (no refresh is attempted for them).
        let login = APIError.from(status: 401, body: Data(#"{"error":{"code":"invalid_credentials","message":"m"}}"#.utf8), headers: [:])
        #expect(login.code == "invalid_credentials")
        #expect(!URLSessionAPIClient.isRenewable(login))
        let throttled = APIError.from(status: 429, body: Data(#"{"error":{"code":"throttled","message":"slow"}}"#.utf8), headers: ["retry-after": "30"])
        #expect(throttled == .throttled(retryAfter: 30, message: "slow"))
        let html = APIError.from(status: 502, body: Data("<html>".utf8), headers: [:])
        #expect(html.status == 502)
    }

    @Test func transportErrorsAreOfflineOrNot() {
        #expect(APIError.from(transport: URLError(.notConnectedToInternet)).isOffline)
        #expect(APIError.from(transport: URLError(.cannotConnectToHost)).isOffline)
        #expect(APIError.from(transport: URLError(.timedOut)).isOffline)
        #expect(APIError.from(transport: URLError(.cancelled)) == .cancelled)
        #expect(APIError.from(transport: CancellationError()) == .cancelled)
        #expect(!APIError.from(transport: URLError(.badServerResponse)).isOffline)
        #expect(ErrorMessage(URLError(.notConnectedToInternet)).kind == .offline)
    }
}
