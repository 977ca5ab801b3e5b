// The Android Studio project of the Pocdex app. Three modules:
//   :core  plain Kotlin/JVM (core/, the same sources the Maven build compiles and tests)
//   :ui    Compose screens as an Android library (ui/, the same sources the Maven build
//          compiles against the Compose desktop artifacts)
//   :app   the Android shell: manifest, MainActivity, Keystore, push, player, resources
pluginManagement {
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
    }
}

rootProject.name = "pocdex-android"

include(":core", ":ui", ":app")
