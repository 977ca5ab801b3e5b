package app.pocdex.ui.navigation

import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.junit4.v2.createComposeRule
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.LifecycleRegistry
import androidx.lifecycle.compose.LocalLifecycleOwner
import androidx.navigation.NavHostController
import androidx.navigation.compose.rememberNavController
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.Strings
import app.pocdex.ui.support.bothLanguages
import app.pocdex.ui.support.invoke
import app.pocdex.ui.support.show
import org.junit.Rule
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized
import kotlin.test.assertEquals

@RunWith(Parameterized::class)
class NavigationTest(
    private val s: Strings,
) {
    companion object {
        @JvmStatic
        @Parameterized.Parameters(name = "{0}")
        fun languages() = bothLanguages()
    }

    @get:Rule val rule = createComposeRule()

    @Test fun bottomBarSwitchesTabsAndDetailRoutesCarryTheirArgument() {
        lateinit var nav: NavHostController
        val slots =
            ScreenSlots(
                login = { d -> Button(onClick = { d.navController.navigate(Routes.POCS) }) { Text("to-pocs") } },
                pocs = { d -> Button(onClick = { d.navController.navigate(Routes.poc("p42")) }) { Text("pocs-screen") } },
                poc = { d -> Text("detail:${d.argument("id")}") },
                search = { Text("search-screen") },
                dojos = { Text("dojos-screen") },
                reports = { Text("reports-screen") },
                profile = { Text("profile-screen") },
                acceptInvitation = { d -> Text("invite:${d.argument("token")}") },
            )
        // A resumed lifecycle, as an activity gives the navigation host on a phone.
        val owner =
            object : LifecycleOwner {
                val registry = LifecycleRegistry.createUnsafe(this).apply { currentState = Lifecycle.State.RESUMED }
                override val lifecycle: Lifecycle get() = registry
            }
        rule.show(s) {
            CompositionLocalProvider(LocalLifecycleOwner provides owner) {
                nav = rememberNavController()
                PocdexAppScaffold(nav, slots, startDestination = Routes.LOGIN)
            }
        }
        // Sign-in destinations have no bottom bar.
        rule.onNodeWithTag(NavTags.BOTTOM_BAR).assertDoesNotExist()
        rule.onNodeWithText("to-pocs").performClick()
        rule.onNodeWithTag(NavTags.BOTTOM_BAR).assertIsDisplayed()
        rule.onNodeWithText(s(Str.NAV_SEARCH)).assertIsDisplayed()
        rule.onNodeWithTag(NavTags.tab(TopLevel.SEARCH)).performClick()
        rule.onNodeWithText("search-screen").assertIsDisplayed()
        rule.onNodeWithTag(NavTags.tab(TopLevel.REPORTS)).performClick()
        rule.onNodeWithText("reports-screen").assertIsDisplayed()
        rule.onNodeWithTag(NavTags.tab(TopLevel.POCS)).performClick()
        rule.onNodeWithText("pocs-screen").performClick()
        rule.onNodeWithText("detail:p42").assertIsDisplayed()
        rule.onNodeWithTag(NavTags.BOTTOM_BAR).assertDoesNotExist()
        rule.runOnIdle { nav.navigate(Routes.invitation("tok-123")) }
        rule.onNodeWithText("invite:tok-123").assertIsDisplayed()
        assertEquals(Routes.ACCEPT_INVITATION, nav.currentDestination?.route)
    }
}
