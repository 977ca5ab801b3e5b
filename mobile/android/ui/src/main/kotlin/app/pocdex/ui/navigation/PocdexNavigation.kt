package app.pocdex.ui.navigation

import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Person
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.Icon
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.testTag
import androidx.navigation.NavBackStackEntry
import androidx.navigation.NavGraph.Companion.findStartDestination
import androidx.navigation.NavHostController
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.currentBackStackEntryAsState
import app.pocdex.ui.components.ChartIcon
import app.pocdex.ui.components.LightbulbIcon
import app.pocdex.ui.components.PeopleIcon
import app.pocdex.ui.strings.Str
import app.pocdex.ui.strings.text

/** Every destination of the app; `{id}` and `{token}` are path and query arguments. */
object Routes {
    const val LOGIN = "login"
    const val SIGNUP = "signup"
    const val FORGOT_PASSWORD = "forgot-password"
    const val ACCEPT_INVITATION = "invite?token={token}"
    const val POCS = "pocs"
    const val POC_NEW = "pocs/new"
    const val POC = "pocs/{id}"
    const val POC_EDIT = "pocs/{id}/edit"
    const val SEARCH = "search"
    const val DOJOS = "dojos"
    const val DOJO_SCHEDULE = "dojos/new"
    const val DOJO_LIVE = "dojos/{id}/live"
    const val DOJO_REPLAY = "dojos/{id}/replay"
    const val REPORTS = "reports"
    const val PROFILE = "profile"
    const val MEMBERS = "members"

    fun invitation(token: String) = "invite?token=$token"

    fun poc(id: String) = "pocs/$id"

    fun pocEdit(id: String) = "pocs/$id/edit"

    fun dojoLive(id: String) = "dojos/$id/live"

    fun dojoReplay(id: String) = "dojos/$id/replay"
}

/** The tabs of the bottom bar (the signed-in top-level destinations). */
enum class TopLevel(
    val route: String,
    val label: Str,
) {
    POCS(Routes.POCS, Str.NAV_POCS),
    SEARCH(Routes.SEARCH, Str.NAV_SEARCH),
    DOJOS(Routes.DOJOS, Str.NAV_DOJOS),
    REPORTS(Routes.REPORTS, Str.NAV_REPORTS),
    PROFILE(Routes.PROFILE, Str.NAV_PROFILE),
    ;

    val icon: ImageVector
        get() =
            when (this) {
                POCS -> LightbulbIcon
                SEARCH -> Icons.Filled.Search
                DOJOS -> PeopleIcon
                REPORTS -> ChartIcon
                PROFILE -> Icons.Filled.Person
            }
}

/** What a destination receives: its arguments and the controller to move on. */
class Destination(
    val entry: NavBackStackEntry,
    val navController: NavHostController,
) {
    /** A path or query argument (`id`, `token`), or null. */
    fun argument(name: String): String? = entry.savedStateHandle.get<String>(name)
}

/**
 * The content of each destination, provided by the app: each slot binds a state holder
 * (a ViewModel on Android) to its stateless screen. Unset slots are not registered.
 */
class ScreenSlots(
    val login: (@Composable (Destination) -> Unit)? = null,
    val signup: (@Composable (Destination) -> Unit)? = null,
    val forgotPassword: (@Composable (Destination) -> Unit)? = null,
    val acceptInvitation: (@Composable (Destination) -> Unit)? = null,
    val pocs: (@Composable (Destination) -> Unit)? = null,
    val pocNew: (@Composable (Destination) -> Unit)? = null,
    val poc: (@Composable (Destination) -> Unit)? = null,
    val pocEdit: (@Composable (Destination) -> Unit)? = null,
    val search: (@Composable (Destination) -> Unit)? = null,
    val dojos: (@Composable (Destination) -> Unit)? = null,
    val dojoSchedule: (@Composable (Destination) -> Unit)? = null,
    val dojoLive: (@Composable (Destination) -> Unit)? = null,
    val dojoReplay: (@Composable (Destination) -> Unit)? = null,
    val reports: (@Composable (Destination) -> Unit)? = null,
    val profile: (@Composable (Destination) -> Unit)? = null,
    val members: (@Composable (Destination) -> Unit)? = null,
)

object NavTags {
    const val BOTTOM_BAR = "nav.bottomBar"

    fun tab(top: TopLevel) = "nav.tab.${top.name.lowercase()}"
}

/** Goes to a tab the Material way: one copy of each tab, state saved and restored. */
fun NavHostController.openTab(top: TopLevel) =
    navigate(top.route) {
        popUpTo(graph.findStartDestination().route ?: Routes.POCS) { saveState = true }
        launchSingleTop = true
        restoreState = true
    }

/**
 * The app's frame: the navigation graph of every destination and the bottom bar on the
 * top-level ones. The sign-in destinations have no bar.
 */
@Composable
fun PocdexAppScaffold(
    navController: NavHostController,
    slots: ScreenSlots,
    startDestination: String,
    modifier: Modifier = Modifier,
) {
    val entry by navController.currentBackStackEntryAsState()
    val route = entry?.destination?.route
    val current = TopLevel.entries.firstOrNull { it.route == route }
    Scaffold(
        modifier = modifier,
        bottomBar = {
            if (current != null) {
                NavigationBar(Modifier.testTag(NavTags.BOTTOM_BAR)) {
                    TopLevel.entries.forEach { top ->
                        NavigationBarItem(
                            selected = current == top,
                            onClick = { navController.openTab(top) },
                            icon = { Icon(top.icon, contentDescription = null) },
                            label = { Text(text(top.label)) },
                            modifier = Modifier.testTag(NavTags.tab(top)),
                        )
                    }
                }
            }
        },
    ) { padding ->
        NavHost(navController, startDestination = startDestination, modifier = Modifier.padding(padding)) {
            fun add(
                route: String,
                slot: (@Composable (Destination) -> Unit)?,
            ) {
                if (slot != null) composable(route) { slot(Destination(it, navController)) }
            }
            add(Routes.LOGIN, slots.login)
            add(Routes.SIGNUP, slots.signup)
            add(Routes.FORGOT_PASSWORD, slots.forgotPassword)
            add(Routes.ACCEPT_INVITATION, slots.acceptInvitation)
            add(Routes.POCS, slots.pocs)
            add(Routes.POC_NEW, slots.pocNew)
            add(Routes.POC, slots.poc)
            add(Routes.POC_EDIT, slots.pocEdit)
            add(Routes.SEARCH, slots.search)
            add(Routes.DOJOS, slots.dojos)
            add(Routes.DOJO_SCHEDULE, slots.dojoSchedule)
            add(Routes.DOJO_LIVE, slots.dojoLive)
            add(Routes.DOJO_REPLAY, slots.dojoReplay)
            add(Routes.REPORTS, slots.reports)
            add(Routes.PROFILE, slots.profile)
            add(Routes.MEMBERS, slots.members)
        }
    }
}
