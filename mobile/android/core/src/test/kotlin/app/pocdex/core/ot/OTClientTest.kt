package app.pocdex.core.ot

import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** What the vectors do not state: refusals leave the client as it was, reset, and the builder's canonical form. */
class OTClientTest {
    private fun op(json: String) = TextOperation.fromJsonText(json)

    @Test
    fun `a remote operation that does not fit changes nothing`() {
        val client = OTClient("abc", 4)
        client.applyLocal(op("[3, \"d\"]"))
        client.applyLocal(op("[4, \"e\"]"))
        val error = assertFailsWith<OTError> { client.applyServer(op("[5]")) }
        assertEquals(OTErrorCode.LENGTH_MISMATCH, error.code)
        assertEquals("abcde", client.document)
        assertEquals(4, client.revision)
        assertEquals(op("[3, \"d\"]"), client.outstanding)
        assertEquals(op("[4, \"e\"]"), client.buffer)
    }

    @Test
    fun `an acknowledgement with nothing in flight is a protocol error`() {
        assertFailsWith<UnexpectedAcknowledgementException> { OTClient("x", 1).serverAck() }
    }

    @Test
    fun `reset takes the server's document and drops the unacknowledged edits`() {
        val client = OTClient("abc", 2)
        client.applyLocal(op("[\"z\", 3]"))
        assertTrue(client.reset("abcd", 7))
        assertEquals(ClientState.SYNCHRONIZED, client.state)
        assertEquals("abcd", client.document)
        assertEquals(7, client.revision)
        assertNull(client.resend())
        assertFalse(client.reset("abcd", 7))
    }

    @Test
    fun `the builder keeps operations canonical`() {
        val built =
            TextOperationBuilder()
                .retain(1)
                .retain(0)
                .delete(2)
                .insert("😀")
                .insert("")
                .insert("b")
                .retain(3)
                .build()
        assertEquals(op("[1, \"😀b\", -2, 3]"), built)
        assertEquals(6, built.size, "4 components + 2 code points inserted")
        assertEquals(6, built.baseLength)
        assertEquals(6, built.targetLength)
        assertEquals(TextOperation(emptyList()), TextOperation.identity(0))
        assertTrue(TextOperation.identity(5).isNoop())
    }
}
