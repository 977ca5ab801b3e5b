package app.pocdex.core.ot

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import kotlinx.serialization.json.put
import org.junit.jupiter.api.DynamicContainer
import org.junit.jupiter.api.DynamicNode
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import java.io.File
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * Every case of every file in shared/protocol/ot/, read from the repository (never copied), run
 * as one dynamic test named after its case, exactly as that folder's README says.
 */
class OTVectorTest {
    @TestFactory
    fun vectors(): List<DynamicNode> =
        FILES.map { kind ->
            val file = load(kind)
            DynamicContainer.dynamicContainer(
                kind,
                file.cases.map { case ->
                    val name = case.getValue("name").jsonPrimitive.content
                    DynamicTest.dynamicTest(name) {
                        try {
                            run(kind, case)
                        } catch (e: Throwable) {
                            // Name the case in the failure whatever the report format shows.
                            throw AssertionError("$kind.json, case \"$name\": ${e.message}", e)
                        }
                    }
                },
            )
        }

    @Test
    fun `every file has the documented envelope and unique case names`() {
        for (kind in FILES) {
            val file = load(kind)
            assertEquals(kind, file.kind)
            assertTrue(file.cases.size >= 4, "$kind has cases")
            val names = file.cases.map { it.getValue("name").jsonPrimitive.content }
            assertEquals(names.size, names.toSet().size, "$kind: unique names")
            val sources = file.cases.map { it.getValue("source").jsonPrimitive.content }.toSet()
            assertTrue(sources.all { it == "hand" || it == "generated" })
        }
    }

    @Test
    fun `a file of an unknown format or version is refused`() {
        val good = vectorsDir().resolve("apply.json").readText()
        val badVersion = good.replaceFirst("\"version\": 1", "\"version\": 2")
        val badFormat = good.replaceFirst("\"pocdex-ot-vectors\"", "\"other-vectors\"")
        assertTrue(badVersion != good && badFormat != good, "the envelope fields are where the test expects them")
        assertFailsWith<IllegalStateException> { parseFile(badVersion, "apply") }
        assertFailsWith<IllegalStateException> { parseFile(badFormat, "apply") }
        assertEquals(load("apply").cases.size, parseFile(good, "apply").cases.size)
    }

    private fun run(
        kind: String,
        case: JsonObject,
    ) {
        when (kind) {
            "apply" -> applyCase(case)
            "compose" -> composeCase(case)
            "transform" -> transformCase(case)
            "cursor" -> cursorCase(case)
            "invalid" -> invalidCase(case)
            "convergence" -> convergenceCase(case)
            else -> fail("no runner for $kind")
        }
    }

    private fun applyCase(case: JsonObject) {
        val doc = case.str("doc")
        val operation = parse(case.getValue("operation"))
        assertEquals(case.getValue("operation"), operation.toJson(), "the parser keeps every component")
        assertEquals(case.int("base_length"), operation.baseLength)
        assertEquals(CodePoints.length(doc), operation.baseLength)
        assertEquals(case.int("target_length"), operation.targetLength)
        val result = operation.apply(doc)
        assertSameText(case.str("result"), result)
        assertEquals(CodePoints.length(result), operation.targetLength)
        assertEquals(
            case
                .getValue("is_noop")
                .jsonPrimitive.content
                .toBooleanStrict(),
            operation.isNoop(),
        )
        val inverse = operation.invert(doc)
        assertEquals(case.getValue("inverse"), inverse.toJson())
        assertSameText(doc, parse(case.getValue("inverse")).apply(result))
    }

    private fun composeCase(case: JsonObject) {
        val doc = case.str("doc")
        val a = parse(case.getValue("a"))
        val b = parse(case.getValue("b"))
        val composed = OT.compose(a, b)
        assertEquals(case.getValue("composed"), composed.toJson())
        assertSameText(case.str("result"), composed.apply(doc))
        assertSameText(case.str("result"), b.apply(a.apply(doc)))
    }

    private fun transformCase(case: JsonObject) {
        val doc = case.str("doc")
        val a = parse(case.getValue("a"))
        val b = parse(case.getValue("b"))
        val (aPrime, bPrime) = OT.transform(a, b)
        assertEquals(case.getValue("a_prime"), aPrime.toJson())
        assertEquals(case.getValue("b_prime"), bPrime.toJson())
        assertSameText(case.str("result"), bPrime.apply(a.apply(doc)))
        assertSameText(case.str("result"), aPrime.apply(b.apply(doc)))
    }

    private fun cursorCase(case: JsonObject) {
        val operation = parse(case.getValue("operation"))
        assertEquals(CodePoints.length(case.str("doc")), operation.baseLength)
        if ("selection" in case) {
            val selection = Selection.fromJson(case.getValue("selection"))
            assertEquals(case.getValue("selection"), selection.toJson(), "the selection round-trips")
            assertEquals(case.getValue("expected"), selection.transform(operation).toJson())
        } else {
            val moved = OT.transformIndex(operation, case.int("index"))
            assertEquals(case.int("expected"), moved)
            assertTrue(moved in 0..operation.targetLength)
        }
    }

    private fun invalidCase(case: JsonObject) {
        val check = case.str("check")
        val expected = (case.getValue("code") as? JsonPrimitive)?.takeIf { it.isString }?.content
        var server: OTServerDocument? = null
        val action: () -> Any =
            when (check) {
                "parse" -> {
                    val maxSize = (case["max_size"] as? JsonPrimitive)?.long
                    { TextOperation.fromJsonText(case.str("wire"), maxSize) }
                }

                "apply" -> {
                    { parse(case.getValue("operation")).apply(case.str("doc")) }
                }

                "invert" -> {
                    { parse(case.getValue("operation")).invert(case.str("doc")) }
                }

                "compose" -> {
                    { OT.compose(parse(case.getValue("a")), parse(case.getValue("b"))) }
                }

                "transform" -> {
                    { OT.transform(parse(case.getValue("a")), parse(case.getValue("b"))) }
                }

                "cursor" -> {
                    {
                        val index = decodeOr(case.str("index"), OTErrorCode.INDEX_OUT_OF_RANGE)
                        OT.transformIndex(parse(case.getValue("operation")), index)
                    }
                }

                "selection" -> {
                    { Selection.fromJson(decodeOr(case.str("wire"), OTErrorCode.INVALID_SELECTION)) }
                }

                "server" -> {
                    val built = serverFrom(case.getValue("server").jsonObject)
                    server = built
                    {
                        val operation = decodeOr(case.str("operation"), OTErrorCode.INVALID_OPERATION)
                        val revision = decodeOr(case.str("revision"), OTErrorCode.REVISION_OUT_OF_RANGE)
                        built.receive(operation, revision)
                    }
                }

                else -> {
                    fail("unknown check $check")
                }
            }
        val before = server?.let { Triple(it.text, it.revision, it.history) }
        if (expected == null) {
            action()
            return
        }
        val error = assertFailsWith<OTError> { action() }
        assertEquals(expected, error.code.wire, error.message)
        server?.let { assertEquals(before, Triple(it.text, it.revision, it.history), "a refused submission changes nothing") }
    }

    private fun serverFrom(setup: JsonObject): OTServerDocument {
        val history = setup.getValue("history").jsonArray.map { parse(it) }
        return OTServerDocument(
            text = setup.str("text"),
            revision = setup.int("revision"),
            history = history,
            maxHistory = history.size.takeIf { it > 0 },
            maxDocumentLength = (setup["max_document_length"] as? JsonPrimitive)?.int ?: DEFAULT_MAX_DOCUMENT_LENGTH,
            maxOperationSize = (setup["max_operation_size"] as? JsonPrimitive)?.long ?: DEFAULT_MAX_OPERATION_SIZE,
        )
    }

    private fun convergenceCase(case: JsonObject) {
        val names = case.getValue("clients").jsonArray.map { it.jsonPrimitive.content }
        val doc = case.str("doc")
        val server = OTServerDocument(text = doc)
        val clients = names.associateWith { OTClient(document = doc) }
        val uplink = names.associateWith { ArrayDeque<JsonObject>() }
        val downlink = names.associateWith { ArrayDeque<JsonObject>() }

        for ((number, stepElement) in case.getValue("steps").jsonArray.withIndex()) {
            val step = stepElement.jsonObject
            val name = step.str("client")
            val client = clients.getValue(name)
            val where = "step $number (${step.str("step")} $name)"
            when (step.str("step")) {
                "edit" -> {
                    val sent = wire(client.applyLocal(parse(step.getValue("operation"))))
                    assertEquals(step.getValue("sends"), sent ?: JsonNull, where)
                    sent?.let { uplink.getValue(name).addLast(it) }
                }

                "server_receive" -> {
                    val message = uplink.getValue(name).removeFirst()
                    assertEquals(step.getValue("message"), message, where)
                    val accepted = server.receive(message.getValue("operation"), message.getValue("revision"))
                    assertEquals(step.getValue("applied"), accepted.operation.toJson(), where)
                    assertEquals(step.int("revision"), accepted.revision, where)
                    assertEquals(server.revision, accepted.revision, where)
                    assertSameText(step.str("document"), server.text)
                    for (other in names) {
                        downlink.getValue(other).addLast(
                            if (other == name) {
                                buildJsonObject {
                                    put("type", "ack")
                                    put("revision", accepted.revision)
                                }
                            } else {
                                buildJsonObject {
                                    put("type", "operation")
                                    put("revision", accepted.revision)
                                    put("operation", accepted.operation.toJson())
                                }
                            },
                        )
                    }
                }

                "client_receive" -> {
                    val message = downlink.getValue(name).removeFirst()
                    assertEquals(step.getValue("message"), message, where)
                    if (message.str("type") == "ack") {
                        val sent = wire(client.serverAck())
                        assertEquals(step.getValue("sends"), sent ?: JsonNull, where)
                        sent?.let { uplink.getValue(name).addLast(it) }
                    } else {
                        val shown = client.applyServer(parse(message.getValue("operation")))
                        assertEquals(step.getValue("editor_operation"), shown.toJson(), where)
                    }
                    assertEquals(message.int("revision"), client.revision, where)
                }

                else -> {
                    fail("unknown step in $where")
                }
            }
            step["client_state"]?.let { assertEquals(it, stateOf(client), "$where: client state") }
        }

        assertTrue(uplink.values.all { it.isEmpty() } && downlink.values.all { it.isEmpty() }, "the steps drain every link")
        val final = case.getValue("final").jsonObject
        assertSameText(final.str("document"), server.text)
        assertEquals(final.int("revision"), server.revision)
        assertEquals(final.getValue("history"), JsonArray(server.history.map { it.toJson() }))
        var replayed = doc
        for (operation in final.getValue("history").jsonArray) replayed = parse(operation).apply(replayed)
        assertSameText(final.str("document"), replayed)
        val finalClients = final.getValue("clients").jsonObject
        for (name in names) {
            assertEquals(finalClients.getValue(name), stateOf(clients.getValue(name)), "final state of $name")
            assertSameText(server.text, clients.getValue(name).document)
            assertEquals(ClientState.SYNCHRONIZED, clients.getValue(name).state)
        }
    }

    private fun wire(outgoing: Outgoing?): JsonObject? =
        outgoing?.let {
            buildJsonObject {
                put("revision", it.revision)
                put("operation", it.operation.toJson())
            }
        }

    private fun stateOf(client: OTClient): JsonObject =
        buildJsonObject {
            put("state", client.state.wire)
            put("revision", client.revision)
            put("document", client.document)
            put("outstanding", client.outstanding?.toJson() ?: JsonNull)
            put("buffer", client.buffer?.toJson() ?: JsonNull)
        }

    class VectorFile(
        val kind: String,
        val cases: List<JsonObject>,
    )

    companion object {
        val FILES = listOf("apply", "compose", "transform", "cursor", "invalid", "convergence")
        private const val FORMAT = "pocdex-ot-vectors"
        private const val VERSION = 1L
        private val json = Json { isLenient = false }

        /** shared/protocol/ot/, found by walking up from the module directory (surefire runs tests there). */
        fun vectorsDir(): File {
            var dir: File? = File(System.getProperty("user.dir")).absoluteFile
            while (dir != null) {
                val candidate = File(dir, "shared/protocol/ot")
                if (File(candidate, "README.md").isFile) return candidate
                dir = dir.parentFile
            }
            error("shared/protocol/ot not found above ${System.getProperty("user.dir")}")
        }

        fun load(kind: String): VectorFile = parseFile(File(vectorsDir(), "$kind.json").readText(Charsets.UTF_8), kind)

        fun parseFile(
            text: String,
            kind: String,
        ): VectorFile {
            val root = json.parseToJsonElement(text).jsonObject
            val format = root["format"]?.jsonPrimitive?.content
            val version = (root["version"] as? JsonPrimitive)?.let { TextOperation.parseInteger(it) }
            check(format == FORMAT) { "$kind.json: unknown format $format" }
            check(version == VERSION) { "$kind.json: unknown version $version" }
            check(root.str("kind") == kind) { "$kind.json: kind ${root.str("kind")}" }
            return VectorFile(kind, root.getValue("cases").jsonArray.map { it.jsonObject })
        }

        /** Operations in vectors go through the strict wire parser, as a client's would. */
        fun parse(element: JsonElement): TextOperation = TextOperation.fromJson(element)

        /** JSON text a vector holds raw; a decoder refusing it counts as the expected invalid code. */
        private fun decodeOr(
            text: String,
            code: OTErrorCode,
        ): JsonElement =
            try {
                json.parseToJsonElement(text)
            } catch (e: IllegalArgumentException) {
                throw OTError(code, "not JSON: ${e.message}")
            }

        private fun JsonObject.str(key: String): String = getValue(key).jsonPrimitive.content

        private fun JsonObject.int(key: String): Int = getValue(key).jsonPrimitive.int

        /** Documents are compared code point by code point. */
        fun assertSameText(
            expected: String,
            actual: String,
        ) {
            assertContentEquals(CodePoints.of(expected), CodePoints.of(actual), "expected <$expected>, got <$actual>")
        }
    }
}
