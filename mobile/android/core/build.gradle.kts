// Gradle module :core for the Android Studio project: the same plain Kotlin/JVM sources
// (src/main/kotlin, src/test/kotlin) and the same dependencies as core/pom.xml, which is
// what builds and tests them on machines without an Android toolchain.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
    alias(libs.plugins.kotlin.serialization)
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
        freeCompilerArgs.add("-Xjsr305=strict")
    }
}

dependencies {
    implementation(libs.kotlinx.coroutines.core)
    implementation(libs.kotlinx.serialization.json)
    implementation(libs.ktor.client.core)
    implementation(libs.ktor.client.content.negotiation)
    implementation(libs.ktor.serialization.kotlinx.json)
    implementation(libs.ktor.client.websockets)
    implementation(libs.ktor.client.okhttp)
    implementation(libs.ktor.client.cio)
    implementation(libs.okhttp)
    implementation(libs.okio)

    testImplementation(libs.kotlin.test)
    testImplementation(libs.kotlinx.coroutines.test)
    testImplementation(libs.okhttp.mockwebserver3)
    testImplementation(libs.ktor.client.mock)
    testImplementation(platform(libs.junit.bom))
    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.platform.launcher)
}

// The end-to-end journeys (package app.pocdex.core.e2e) need the running platform; they run
// with -Ppocdex.e2e=true (and POCDEX_GATEWAY_URL / POCDEX_MAIL_URL when it is not on
// 127.0.0.1). Without it :core:test runs every unit and MockWebServer test.
val runE2e = providers.gradleProperty("pocdex.e2e").map { it.toBoolean() }.getOrElse(false)
val gatewayUrl = providers.environmentVariable("POCDEX_GATEWAY_URL").getOrElse("http://127.0.0.1:8000")
val mailUrl = providers.environmentVariable("POCDEX_MAIL_URL").getOrElse("http://127.0.0.1:8025")

tasks.test {
    useJUnitPlatform()
    if (!runE2e) {
        exclude("app/pocdex/core/e2e/**")
    }
    systemProperty("pocdex.gateway.url", gatewayUrl)
    systemProperty("pocdex.mail.url", mailUrl)
    systemProperty(
        "pocdex.bench.dir",
        layout.buildDirectory
            .dir("bench")
            .get()
            .asFile.path,
    )
    environment("POCDEX_GATEWAY_URL", gatewayUrl)
}
