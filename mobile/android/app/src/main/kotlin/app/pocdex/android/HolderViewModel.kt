package app.pocdex.android

import androidx.compose.runtime.Composable
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.CoroutineScope

/**
 * Keeps one of core's state holders across configuration changes: the holder gets the
 * ViewModel's scope (cancelled when its navigation entry leaves the back stack).
 */
class HolderViewModel<T : Any>(
    create: (CoroutineScope) -> T,
) : ViewModel() {
    val holder: T = create(viewModelScope)
}

/**
 * The state holder of type [T] of the current ViewModelStoreOwner (the navigation entry), created
 * once with [create]. [key] tells apart two holders of one type in one entry.
 */
@Composable
inline fun <reified T : Any> rememberHolder(
    key: String = "",
    noinline create: (CoroutineScope) -> T,
): T = viewModel<HolderViewModel<T>>(key = "${T::class.java.name}#$key") { HolderViewModel(create) }.holder
