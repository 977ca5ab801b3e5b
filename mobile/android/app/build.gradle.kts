// The Android shell: manifest, MainActivity (the Compose scaffold from :ui over the graph of
// :core), the Keystore token store, push registration, the video player and resources.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.compose)
}

// Firebase's Gradle plugin reads app/google-services.json (per deployment, not committed).
// Without it the app builds and runs with push disabled (PushAvailability.NotConfigured).
if (file("google-services.json").exists()) {
    apply(
        plugin =
            libs.plugins.google.services
                .get()
                .pluginId,
    )
}

// -Ppocdex.apiBaseUrl=... and -Ppocdex.appLinkHost=... override the defaults below.
val releaseApiBaseUrl = providers.gradleProperty("pocdex.apiBaseUrl").getOrElse("https://api.pocdex.com.br")
val debugApiBaseUrl = providers.gradleProperty("pocdex.debugApiBaseUrl").getOrElse("http://10.0.2.2:8000")
val appLinkHost = providers.gradleProperty("pocdex.appLinkHost").getOrElse("app.pocdex.com.br")

android {
    namespace = "app.pocdex.android"
    compileSdk =
        libs.versions.compileSdk
            .get()
            .toInt()

    defaultConfig {
        applicationId = "app.pocdex.android"
        minSdk =
            libs.versions.minSdk
                .get()
                .toInt()
        targetSdk =
            libs.versions.targetSdk
                .get()
                .toInt()
        versionCode = 1
        versionName = "1.0.0"

        manifestPlaceholders["appLinkHost"] = appLinkHost
        buildConfigField("String", "APP_LINK_HOST", "\"$appLinkHost\"")
    }

    buildTypes {
        getByName("debug") {
            applicationIdSuffix = ".debug"
            buildConfigField("String", "API_BASE_URL", "\"$debugApiBaseUrl\"")
        }
        getByName("release") {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
            buildConfigField("String", "API_BASE_URL", "\"$releaseApiBaseUrl\"")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    packaging {
        resources {
            excludes += setOf("/META-INF/{AL2.0,LGPL2.1}", "/META-INF/INDEX.LIST", "/META-INF/io.netty.versions.properties")
        }
    }

    lint {
        warningsAsErrors = false
        abortOnError = true
        checkDependencies = true
        // Translations are complete by construction: the ui module's string tables are checked
        // by its tests and mirrored into res/values and res/values-pt-rBR.
        error += setOf("MissingTranslation", "ExtraTranslation")
    }
}

dependencies {
    implementation(project(":core"))
    implementation(project(":ui"))

    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.compose.material.icons.core)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.appcompat)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.core.splashscreen)
    implementation(libs.google.material)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.ktor.client.okhttp)
    implementation(libs.okhttp)

    implementation(libs.androidx.media3.exoplayer)
    implementation(libs.androidx.media3.ui)

    implementation(platform(libs.firebase.bom))
    implementation(libs.firebase.messaging)

    // Plain JVM tests of the shell's pure logic (AGP runs unit tests with JUnit 4).
    testImplementation(libs.junit4)
}
