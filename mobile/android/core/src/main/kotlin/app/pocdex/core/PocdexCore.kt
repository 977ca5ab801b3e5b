package app.pocdex.core

/** Facts about the core library every layer can read. */
object PocdexCore {
    /** The gateway a local build talks to when nothing else is configured. */
    const val DEFAULT_BASE_URL: String = "http://127.0.0.1:8000"
}
