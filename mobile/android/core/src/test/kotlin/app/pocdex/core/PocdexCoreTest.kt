package app.pocdex.core

import org.junit.jupiter.api.Test
import kotlin.test.assertTrue

class PocdexCoreTest {
    @Test
    fun `default base url is the local gateway over http`() {
        assertTrue(PocdexCore.DEFAULT_BASE_URL.startsWith("http://"))
    }
}
