import XCTest

/// Drives the built app in a simulator (needs Xcode; see mobile/ios/README.md). The app starts
/// with `-PocdexUITesting YES`: tokens in memory, so each launch begins signed out, and nothing
/// here needs the platform to be running.
final class PocdexUITests: XCTestCase {
    override func setUp() {
        continueAfterFailure = false
    }

    @MainActor
    private func launch(language: String) -> XCUIApplication {
        let app = XCUIApplication()
        app.launchArguments += ["-PocdexUITesting", "YES", "-AppleLanguages", "(\(language))", "-pocdex.language", ""]
        app.launch()
        return app
    }

    @MainActor
    func testLoginFormInEnglishKeepsSubmitDisabledUntilFilled() {
        let app = launch(language: "en")
        XCTAssertTrue(app.navigationBars["Pocdex"].waitForExistence(timeout: 10))
        let submit = app.buttons["login.submit"]
        XCTAssertTrue(submit.exists)
        XCTAssertFalse(submit.isEnabled, "nothing typed yet")

        app.textFields["login.organization"].tap()
        app.textFields["login.organization"].typeText("demo")
        app.textFields["login.email"].tap()
        app.textFields["login.email"].typeText("ana@example.com")
        XCTAssertFalse(submit.isEnabled, "no password yet")
        app.secureTextFields["login.password"].tap()
        app.secureTextFields["login.password"].typeText("a-password")
        XCTAssertTrue(submit.isEnabled)
        XCTAssertEqual(submit.label, "Log in")
    }

    @MainActor
    func testLoginFormInPortuguese() {
        let app = launch(language: "pt-BR")
        let submit = app.buttons["login.submit"]
        XCTAssertTrue(submit.waitForExistence(timeout: 10))
        XCTAssertEqual(submit.label, "Entrar")
        XCTAssertTrue(app.buttons["Criar uma organização"].exists)
        XCTAssertTrue(app.buttons["Esqueceu sua senha?"].exists)
    }

    @MainActor
    func testSignupIsOneTapFromLogin() {
        let app = launch(language: "en")
        app.buttons["Create an organization"].tap()
        XCTAssertTrue(app.textFields["signup.organizationName"].waitForExistence(timeout: 5))
        app.textFields["signup.organizationName"].tap()
        app.textFields["signup.organizationName"].typeText("Laboratório Ágil")
        // The address follows the name until the person edits it (SignupViewModel).
        XCTAssertEqual(app.textFields["signup.organizationSlug"].value as? String, "laboratorio-agil")
    }

    @MainActor
    func testInvitationLinkOpensTheAcceptForm() {
        let app = launch(language: "en")
        XCTAssertTrue(app.buttons["login.submit"].waitForExistence(timeout: 10))
        app.open(URL(string: "pocdex://invite?token=abc123")!)
        let token = app.textFields["invitation.token"]
        XCTAssertTrue(token.waitForExistence(timeout: 10))
        XCTAssertEqual(token.value as? String, "abc123")
        XCTAssertFalse(app.buttons["invitation.submit"].isEnabled, "no name or password yet")
    }
}
