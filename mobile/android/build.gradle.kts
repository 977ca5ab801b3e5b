// Plugins are declared once here (not applied) so that every module shares one
// classloader: the Android Gradle plugin's built-in Kotlin then runs with the Kotlin
// Gradle plugin pinned in the catalog (the same Kotlin as the Maven build), not the
// older one the Android Gradle plugin depends on.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.jvm) apply false
    alias(libs.plugins.kotlin.compose) apply false
    alias(libs.plugins.kotlin.serialization) apply false
    alias(libs.plugins.google.services) apply false
}
