package app.pocdex.android.platform

import android.content.ContentResolver
import android.net.Uri
import android.provider.OpenableColumns
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.FileNotFoundException
import java.io.InputStream

/** A document the person picked (the system's file picker), as an upload needs it. */
class PickedFile(
    val name: String,
    val contentType: String,
    val size: Long,
    val open: () -> InputStream,
) {
    companion object {
        /**
         * Reads the name, type and size of [uri] from its provider; a provider that does not know
         * the size gets the stream counted once.
         */
        suspend fun from(
            resolver: ContentResolver,
            uri: Uri,
        ): PickedFile =
            withContext(Dispatchers.IO) {
                var name: String? = null
                var size = -1L
                resolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE), null, null, null)?.use { cursor ->
                    if (cursor.moveToFirst()) {
                        val nameColumn = cursor.getColumnIndex(OpenableColumns.DISPLAY_NAME)
                        val sizeColumn = cursor.getColumnIndex(OpenableColumns.SIZE)
                        if (nameColumn >= 0 && !cursor.isNull(nameColumn)) name = cursor.getString(nameColumn)
                        if (sizeColumn >= 0 && !cursor.isNull(sizeColumn)) size = cursor.getLong(sizeColumn)
                    }
                }
                val open = { resolver.openInputStream(uri) ?: throw FileNotFoundException(uri.toString()) }
                if (size < 0) size = open().use(::countBytes)
                PickedFile(
                    name = name ?: uri.lastPathSegment ?: "file",
                    contentType = resolver.getType(uri) ?: "application/octet-stream",
                    size = size,
                    open = open,
                )
            }

        private fun countBytes(stream: InputStream): Long {
            val buffer = ByteArray(64 * 1024)
            var total = 0L
            while (true) {
                val read = stream.read(buffer)
                if (read < 0) return total
                total += read
            }
        }
    }
}
