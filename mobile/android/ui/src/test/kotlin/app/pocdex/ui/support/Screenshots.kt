package app.pocdex.ui.support

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import androidx.compose.ui.use
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import java.io.File

/** A phone screen: 1080 x 2400 px at 2.625 (about 411 x 914 dp), like a current mid-size Android phone. */
object Phone {
    const val WIDTH_PX = 1080
    const val HEIGHT_PX = 2400
    const val DENSITY = 2.625f
}

/** Where PNGs go: the build output (surefire sets pocdex.screenshots.dir), never the source tree. */
val screenshotsDir: File =
    File(System.getProperty("pocdex.screenshots.dir") ?: "target/screenshots").also { it.mkdirs() }

/** Renders [content] headless (Skia on the CPU) at phone size; the frame is taken after [frames] ticks. */
fun renderPhone(
    frames: Int = 3,
    content: @Composable () -> Unit,
): Image =
    ImageComposeScene(
        width = Phone.WIDTH_PX,
        height = Phone.HEIGHT_PX,
        density = Density(Phone.DENSITY),
        content = content,
    ).use { scene ->
        var nanos = 0L
        var image = scene.render(nanos)
        repeat(frames) {
            nanos += 500_000_000L
            image = scene.render(nanos)
        }
        image
    }

fun Image.writePng(name: String): File {
    val data = encodeToData(EncodedImageFormat.PNG) ?: error("PNG encoding failed for $name")
    return File(screenshotsDir, "$name.png").also { it.writeBytes(data.bytes) }
}

/** Number of distinct colors in a sparse grid of the image: 1 means blank. */
fun Image.distinctColors(step: Int = 16): Int {
    val bitmap =
        org.jetbrains.skia.Bitmap
            .makeFromImage(this)
    val colors = HashSet<Int>()
    for (y in 0 until height step step) {
        for (x in 0 until width step step) colors.add(bitmap.getColor(x, y))
    }
    return colors.size
}
