package app.pocdex.core.testing

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope

/**
 * A scope for state holders under test: on the test's virtual clock, its work counts as foreground
 * (advanceUntilIdle runs it, unlike backgroundScope's), and it is cancelled with the test.
 */
@OptIn(ExperimentalCoroutinesApi::class)
val TestScope.holderScope: CoroutineScope
    get() = CoroutineScope(SupervisorJob(backgroundScope.coroutineContext[Job]) + StandardTestDispatcher(testScheduler))
