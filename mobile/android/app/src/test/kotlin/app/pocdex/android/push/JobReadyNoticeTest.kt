package app.pocdex.android.push

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test

class JobReadyNoticeTest {
    // The data accounts sends with a finished job (notifications/push.py, media_ready_message).
    private val video =
        mapOf(
            "type" to "media.ready",
            "kind" to "video",
            "job_id" to "3f1c2a9e-0000-4000-8000-000000000001",
            "path" to "exports/video.mp4",
            "organization_id" to "7d0b",
        )

    @Test
    fun `a finished video is read with its job and organization`() {
        assertEquals(
            JobReadyNotice(JobReadyNotice.Kind.Video, "3f1c2a9e-0000-4000-8000-000000000001", "7d0b"),
            JobReadyNotice.parse(video),
        )
    }

    @Test
    fun `a finished report without a job id still opens the reports`() {
        val report = video + mapOf("kind" to "report", "job_id" to "")

        assertEquals(JobReadyNotice(JobReadyNotice.Kind.Report, null, "7d0b"), JobReadyNotice.parse(report))
    }

    @Test
    fun `other messages and unknown kinds are not notices`() {
        assertNull(JobReadyNotice.parse(video + ("type" to "something.else")))
        assertNull(JobReadyNotice.parse(video + ("kind" to "podcast")))
        assertNull(JobReadyNotice.parse(video - "kind"))
        assertNull(JobReadyNotice.parse(emptyMap()))
    }
}
