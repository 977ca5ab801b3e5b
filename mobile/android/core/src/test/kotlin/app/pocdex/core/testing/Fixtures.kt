package app.pocdex.core.testing

/** JSON bodies shaped like the platform's answers. */
object Fixtures {
    fun poc(
        id: String,
        name: String = "POC $id",
        canEdit: Boolean = true,
    ): String =
        """{"id":"$id","name":"$name","summary":"s","description":"","status":"idea","hypothesis":"h","outcome":"","learnings":"",
           "languages":[{"slug":"kotlin","name":"Kotlin","kind":"language"}],"tags":[{"slug":"mobile","label":"mobile"}],
           "repository_url":"","repository_host":"","links":[],"started_on":null,"finished_on":null,"visibility":"team",
           "author":{"id":"u1","name":"Ana"},"contributors":[],"contributor_refs":[],"can_edit":$canEdit,
           "created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-01T10:00:00Z","unknown_future_key":{"x":1}}"""

    fun page(
        ids: List<String>,
        next: String?,
    ): String = """{"results":[${ids.joinToString(",") { poc(it) }}],"next":${next?.let { "\"$it\"" } ?: "null"}}"""

    fun searchResult(
        id: String,
        name: String,
    ): String =
        """{"id":"$id","name":"$name","summary":"","status":"idea","outcome":"","visibility":"team","languages":["kotlin"],"tags":["mobile"],
           "tag_labels":["mobile"],"author_id":"u1","author_name":"Ana","started_on":null,"finished_on":null,
           "created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-01T10:00:00Z","highlights":{"name":["<em>$name</em>"]}}"""

    fun searchPage(
        vararg results: Pair<String, String>,
        next: String? = null,
    ): String =
        """{"results":[${results.joinToString(",") { searchResult(it.first, it.second) }}],"next":${next?.let { "\"$it\"" } ?: "null"},
           "total":${results.size},"facets":{"languages":[{"value":"kotlin","count":${results.size}}],"tags":[{"value":"mobile","count":1}],
           "status":[{"value":"idea","count":1}],"authors":[]}}"""

    fun job(
        id: String,
        status: String,
        progress: Int,
        kind: String = "report",
    ): String =
        """{"id":"$id","kind":"$kind","status":"$status","progress":$progress,"scope":"me","language":"en","parameters":{},
           "error":null,"warnings":[],"files":${if (status == "succeeded") """[{"format":"pdf","content_type":"application/pdf","size":10,"filename":"r.pdf","url":"http://storage.test/r.pdf","expires_at":"2026-12-08T00:00:00Z"}]""" else "[]"},
           "details":{},"created_at":"2026-12-06T10:00:00Z","started_at":null,"finished_at":null}"""

    fun member(
        id: String,
        userId: String,
        role: String,
    ): String =
        """{"id":"$id","user":{"id":"$userId","name":"User $userId","email":"$userId@example.com"},"role":"$role","created_at":"2026-12-01T10:00:00Z"}"""

    fun me(totp: Boolean = false): String =
        """{"id":"u1","email":"ana@example.com","name":"Ana","locale":"en","email_verified":true,"totp_enabled":$totp,
           "organization":{"id":"o1","slug":"acme","name":"Acme","status":"active","plan":"free"},"role":"owner","memberships":[]}"""
}
