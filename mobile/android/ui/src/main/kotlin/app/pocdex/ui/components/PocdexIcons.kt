package app.pocdex.ui.components

import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.SolidColor
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.graphics.StrokeJoin
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.graphics.vector.PathBuilder
import androidx.compose.ui.graphics.vector.path
import androidx.compose.ui.unit.dp

// Line icons drawn for Pocdex on a 24 x 24 grid (2 dp strokes, round caps), for the
// few symbols the core Material icon set lacks. Icon() tints them like any other.

private fun lineIcon(
    name: String,
    block: PathBuilder.() -> Unit,
): ImageVector =
    ImageVector
        .Builder(name = name, defaultWidth = 24.dp, defaultHeight = 24.dp, viewportWidth = 24f, viewportHeight = 24f)
        .path(
            stroke = SolidColor(Color.Black),
            strokeLineWidth = 2f,
            strokeLineCap = StrokeCap.Round,
            strokeLineJoin = StrokeJoin.Round,
            pathBuilder = block,
        ).build()

private fun PathBuilder.circle(
    cx: Float,
    cy: Float,
    r: Float,
) {
    moveTo(cx - r, cy)
    arcTo(r, r, 0f, isMoreThanHalf = true, isPositiveArc = true, x1 = cx + r, y1 = cy)
    arcTo(r, r, 0f, isMoreThanHalf = true, isPositiveArc = true, x1 = cx - r, y1 = cy)
    close()
}

private fun PathBuilder.line(
    x0: Float,
    y0: Float,
    x1: Float,
    y1: Float,
) {
    moveTo(x0, y0)
    lineTo(x1, y1)
}

val EyeIcon: ImageVector =
    lineIcon("Eye") {
        moveTo(2f, 12f)
        quadTo(12f, 2.5f, 22f, 12f)
        quadTo(12f, 21.5f, 2f, 12f)
        close()
        circle(12f, 12f, 3f)
    }

val EyeOffIcon: ImageVector =
    lineIcon("EyeOff") {
        moveTo(2f, 12f)
        quadTo(12f, 2.5f, 22f, 12f)
        quadTo(12f, 21.5f, 2f, 12f)
        close()
        circle(12f, 12f, 3f)
        line(4f, 4f, 20f, 20f)
    }

val CodeIcon: ImageVector =
    lineIcon("Code") {
        moveTo(8f, 7f)
        lineTo(3f, 12f)
        lineTo(8f, 17f)
        moveTo(16f, 7f)
        lineTo(21f, 12f)
        lineTo(16f, 17f)
        line(14f, 4.5f, 10f, 19.5f)
    }

val PeopleIcon: ImageVector =
    lineIcon("People") {
        circle(9f, 8f, 3.2f)
        moveTo(3f, 20f)
        quadTo(3f, 13.5f, 9f, 13.5f)
        quadTo(15f, 13.5f, 15f, 20f)
        circle(17f, 9f, 2.4f)
        moveTo(16.5f, 13.6f)
        quadTo(21f, 13.8f, 21f, 19f)
    }

val ChartIcon: ImageVector =
    lineIcon("Chart") {
        line(4f, 20f, 20f, 20f)
        line(7f, 16f, 7f, 11f)
        line(12f, 16f, 12f, 6f)
        line(17f, 16f, 17f, 9f)
    }

val TimerIcon: ImageVector =
    lineIcon("Timer") {
        circle(12f, 13f, 7.5f)
        line(12f, 13f, 12f, 9f)
        line(9.5f, 2.5f, 14.5f, 2.5f)
        line(18.5f, 5.5f, 19.8f, 4.2f)
    }

val ChatIcon: ImageVector =
    lineIcon("Chat") {
        moveTo(5f, 4.5f)
        lineTo(19f, 4.5f)
        quadTo(21f, 4.5f, 21f, 6.5f)
        lineTo(21f, 14.5f)
        quadTo(21f, 16.5f, 19f, 16.5f)
        lineTo(10f, 16.5f)
        lineTo(5.5f, 20f)
        lineTo(5.5f, 16.5f)
        lineTo(5f, 16.5f)
        quadTo(3f, 16.5f, 3f, 14.5f)
        lineTo(3f, 6.5f)
        quadTo(3f, 4.5f, 5f, 4.5f)
        close()
    }

val DocumentIcon: ImageVector =
    lineIcon("Document") {
        moveTo(14f, 3f)
        lineTo(6f, 3f)
        lineTo(6f, 21f)
        lineTo(18f, 21f)
        lineTo(18f, 7f)
        close()
        moveTo(14f, 3f)
        lineTo(14f, 7f)
        lineTo(18f, 7f)
        line(9f, 12f, 15f, 12f)
        line(9f, 16f, 15f, 16f)
    }

val UploadIcon: ImageVector =
    lineIcon("Upload") {
        line(12f, 16f, 12f, 4f)
        moveTo(7f, 9f)
        lineTo(12f, 4f)
        lineTo(17f, 9f)
        moveTo(4f, 16f)
        lineTo(4f, 20f)
        lineTo(20f, 20f)
        lineTo(20f, 16f)
    }

val PauseIcon: ImageVector =
    lineIcon("Pause") {
        line(9f, 6f, 9f, 18f)
        line(15f, 6f, 15f, 18f)
    }

val OfflineIcon: ImageVector =
    lineIcon("Offline") {
        moveTo(2.5f, 9f)
        quadTo(12f, 1f, 21.5f, 9f)
        moveTo(5.5f, 12.5f)
        quadTo(12f, 7f, 18.5f, 12.5f)
        moveTo(8.7f, 16f)
        quadTo(12f, 13.5f, 15.3f, 16f)
        circle(12f, 19.5f, 0.6f)
        line(3f, 3f, 21f, 21f)
    }

val GlobeIcon: ImageVector =
    lineIcon("Globe") {
        circle(12f, 12f, 9f)
        line(3f, 12f, 21f, 12f)
        moveTo(12f, 3f)
        quadTo(7f, 12f, 12f, 21f)
        moveTo(12f, 3f)
        quadTo(17f, 12f, 12f, 21f)
    }

val ShieldIcon: ImageVector =
    lineIcon("Shield") {
        moveTo(12f, 3f)
        lineTo(19.5f, 6f)
        lineTo(19.5f, 11.5f)
        quadTo(19.5f, 18f, 12f, 21f)
        quadTo(4.5f, 18f, 4.5f, 11.5f)
        lineTo(4.5f, 6f)
        close()
        moveTo(9f, 12f)
        lineTo(11f, 14f)
        lineTo(15f, 10f)
    }

val LightbulbIcon: ImageVector =
    lineIcon("Lightbulb") {
        moveTo(9f, 17f)
        quadTo(9f, 14.5f, 7.5f, 13f)
        quadTo(5f, 10.5f, 6f, 7f)
        quadTo(8f, 2.5f, 12f, 2.5f)
        quadTo(16f, 2.5f, 18f, 7f)
        quadTo(19f, 10.5f, 16.5f, 13f)
        quadTo(15f, 14.5f, 15f, 17f)
        close()
        line(9.5f, 20.5f, 14.5f, 20.5f)
    }

val LinkIcon: ImageVector =
    lineIcon("Link") {
        moveTo(10f, 14f)
        lineTo(14f, 10f)
        moveTo(11f, 7f)
        lineTo(13f, 5f)
        quadTo(16f, 2f, 19f, 5f)
        quadTo(22f, 8f, 19f, 11f)
        lineTo(17f, 13f)
        moveTo(13f, 17f)
        lineTo(11f, 19f)
        quadTo(8f, 22f, 5f, 19f)
        quadTo(2f, 16f, 5f, 13f)
        lineTo(7f, 11f)
    }

val ReplayIcon: ImageVector =
    lineIcon("Replay") {
        moveTo(12f, 4.5f)
        arcTo(7.5f, 7.5f, 0f, isMoreThanHalf = true, isPositiveArc = true, x1 = 4.5f, y1 = 12f)
        moveTo(9.5f, 2f)
        lineTo(12f, 4.5f)
        lineTo(9.5f, 7f)
    }
