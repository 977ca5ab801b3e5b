#!/usr/bin/env bash
# Checks the Android shell on a machine without the Android SDK or Gradle (what it can check):
#   0. the version catalog pins the same Kotlin, coroutines, serialization, Ktor, OkHttp, okio and
#      JUnit as the Maven build (../pom.xml);
#   1. the Android Gradle plugin's manifest merger merges the app's manifest with those of the
#      libraries it packages (placeholders filled); aapt2 (the plugin's own, from Google's Maven)
#      compiles the app's resources and links them with that manifest against the Android 17
#      framework (API 37, Robolectric's android-all build of it from Maven Central) and the
#      libraries' resources (Material 3 and splash themes, AppCompat): a merge conflict, a wrong
#      attribute, style parent, resource reference or manifest element fails here;
#   2. the Kotlin compiler of the whole build (2.4.21, Compose and serialization plugins) compiles
#      core/, ui/ and app/ sources together against that framework and the Android artifacts the
#      Gradle build pins (gradle/libs.versions.toml), resolved from their Gradle module metadata
#      by resolve.py: every Android, AndroidX, Media3, Firebase and Keystore API the code calls
#      must exist with that signature, and ui/ must compile for Android as well as for desktop;
#   3. core's and ui's classes call nothing outside the Java and Android API of the minimum SDK
#      (API 26, an Animal Sniffer signature of its android.jar): they compile against the desktop
#      JDK, where a Java 11+ method older Androids lack would otherwise pass unnoticed;
#   4. the app's JVM unit tests (app/src/test) run on the result.
# What it does not do (the Gradle build on a machine with the SDK does: ci/android.yml): the
# manifest merger, lint, dexing/R8, packaging an APK, running anything on a device.
#
# Downloads (about 300 MB the first time) go to $POCDEX_SHELL_CHECK_DIR (default var/android-shell-check
# in the repository, git-ignored); a later run reuses them. Maven runs under the shared build lock.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ANDROID=$(cd "$HERE/.." && pwd)
REPO=$(cd "$ANDROID/../.." && pwd)
WORK=${POCDEX_SHELL_CHECK_DIR:-$REPO/var/android-shell-check}
LOCK=${POCDEX_MVN_LOCK:-/tmp/pocdex-mvn-android.lock}
mkdir -p "$WORK"

ANDROID_ALL_URL=https://repo.maven.apache.org/maven2/org/robolectric/android-all/17-robolectric-16653203/android-all-17-robolectric-16653203.jar
ANDROID_ALL_SHA256=60f983b8bf180fa0790596c22a130c79ecf18b6d991b719de23100d4d6ff61a1
AAPT2_URL=https://dl.google.com/dl/android/maven2/com/android/tools/build/aapt2/9.5.1-16666295/aapt2-9.5.1-16666295-linux.jar
AAPT2_SHA256=fa1014cb1431622d292ef55ba870e75882ea19987bec541698b912f446a2d08f
API26_SIGNATURE_URL=https://repo.maven.apache.org/maven2/net/sf/androidscents/signature/android-api-level-26/8.0.0_r2/android-api-level-26-8.0.0_r2.signature
API26_SIGNATURE_SHA256=0a66815b03fc99ab4e3deaaf470deeb3799070e373358db166e91d16be5ddd36

fetch() { # url sha256 file
    if [[ -f "$3" ]] && echo "$2  $3" | sha256sum -c --status; then return; fi
    curl -fsSL --retry 3 -o "$3.part" "$1"
    echo "$2  $3.part" | sha256sum -c --status || { echo "checksum mismatch: $1" >&2; exit 1; }
    mv "$3.part" "$3"
}

step() { printf '\n== %s\n' "$*"; }

step "framework and aapt2"
fetch "$ANDROID_ALL_URL" "$ANDROID_ALL_SHA256" "$WORK/android-all-17.jar"
fetch "$AAPT2_URL" "$AAPT2_SHA256" "$WORK/aapt2.jar"
fetch "$API26_SIGNATURE_URL" "$API26_SIGNATURE_SHA256" "$WORK/android-api-level-26.signature"
if [[ ! -x "$WORK/aapt2" ]]; then
    unzip -o -q "$WORK/aapt2.jar" aapt2 -d "$WORK" && chmod +x "$WORK/aapt2"
fi
ANDROID_JAR=$WORK/android-all-17.jar
AAPT2=$WORK/aapt2

toml() { sed -nE "s/^$1 = \"([^\"]+)\"/\1/p" "$ANDROID/gradle/libs.versions.toml"; }

step "the version catalog pins what the Maven build pins"
pom() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$ANDROID/pom.xml" | head -1; }
mismatch=0
for pair in kotlin:kotlin.version kotlinxCoroutines:kotlinx.coroutines.version \
    kotlinxSerialization:kotlinx.serialization.version ktor:ktor.version okhttp:okhttp.version \
    okio:okio.version junit:junit.version; do
    catalog=$(toml "${pair%%:*}") maven=$(pom "${pair#*:}")
    if [[ "$catalog" != "$maven" ]]; then
        echo "gradle/libs.versions.toml ${pair%%:*} = $catalog, pom.xml ${pair#*:} = $maven" >&2
        mismatch=1
    fi
done
((mismatch == 0)) || exit 1
echo "same versions: Kotlin, coroutines, serialization, Ktor, OkHttp, okio, JUnit"

step "resolving the Android classpath (gradle/libs.versions.toml versions)"
KOTLIN=$(toml kotlin)
ROOTS=(
    "platform:androidx.compose:compose-bom:$(toml composeBom)"
    "platform:com.google.firebase:firebase-bom:$(toml firebaseBom)"
    "org.jetbrains.kotlin:kotlin-stdlib:$KOTLIN"
    "org.jetbrains.kotlinx:kotlinx-coroutines-core:$(toml kotlinxCoroutines)"
    "org.jetbrains.kotlinx:kotlinx-coroutines-android:$(toml kotlinxCoroutines)"
    "org.jetbrains.kotlinx:kotlinx-serialization-json:$(toml kotlinxSerialization)"
    "io.ktor:ktor-client-core:$(toml ktor)"
    "io.ktor:ktor-client-content-negotiation:$(toml ktor)"
    "io.ktor:ktor-serialization-kotlinx-json:$(toml ktor)"
    "io.ktor:ktor-client-websockets-jvm:$(toml ktor)"
    "io.ktor:ktor-client-okhttp:$(toml ktor)"
    "io.ktor:ktor-client-cio:$(toml ktor)"
    "com.squareup.okhttp3:okhttp:$(toml okhttp)"
    "com.squareup.okio:okio:$(toml okio)"
    "androidx.compose.runtime:runtime"
    "androidx.compose.foundation:foundation"
    "androidx.compose.ui:ui"
    "androidx.compose.ui:ui-tooling-preview"
    "androidx.compose.material:material-icons-core"
    "androidx.compose.material3:material3:$(toml material3)"
    "androidx.lifecycle:lifecycle-viewmodel-compose:$(toml lifecycle)"
    "androidx.lifecycle:lifecycle-runtime-compose:$(toml lifecycle)"
    "androidx.navigation:navigation-compose:$(toml navigation)"
    "androidx.activity:activity-compose:$(toml activity)"
    "androidx.appcompat:appcompat:$(toml appcompat)"
    "androidx.core:core-ktx:$(toml coreKtx)"
    "androidx.core:core-splashscreen:$(toml coreSplashscreen)"
    "com.google.android.material:material:$(toml material)"
    "androidx.media3:media3-exoplayer:$(toml media3)"
    "androidx.media3:media3-ui:$(toml media3)"
    "com.google.firebase:firebase-messaging"
)
python3 "$HERE/shell-check/resolve.py" "$WORK/cache" "${ROOTS[@]}" > "$WORK/classpath.tsv"
# What the APK packages: the manifests and resources of implementation dependencies too.
python3 "$HERE/shell-check/resolve.py" --runtime "$WORK/cache" "${ROOTS[@]}" > "$WORK/runtime.tsv"
echo "compile classpath $(wc -l < "$WORK/classpath.tsv") artifacts, runtime $(wc -l < "$WORK/runtime.tsv")"

step "unpacking the libraries"
rm -rf "$WORK/unpacked" && mkdir -p "$WORK/unpacked"
unpack() { # aar -> directory with its classes, libs, res and manifest
    local dir=$WORK/unpacked/$(basename "$1" .aar)
    if [[ ! -d "$dir" ]]; then
        mkdir -p "$dir"
        unzip -q -o "$1" 'classes.jar' 'libs/*' 'res/*' 'AndroidManifest.xml' -d "$dir" 2>/dev/null || true
    fi
    echo "$dir"
}
CLASSPATH_JARS=()
while IFS=$'\t' read -r _ file; do
    case "$file" in
        *.jar) CLASSPATH_JARS+=("$file") ;;
        *.aar)
            dir=$(unpack "$file")
            [[ -f "$dir/classes.jar" ]] && CLASSPATH_JARS+=("$dir/classes.jar")
            for extra in "$dir"/libs/*.jar; do [[ -f "$extra" ]] && CLASSPATH_JARS+=("$extra"); done
            ;;
    esac
done < "$WORK/classpath.tsv"
LIB_RES=()
LIB_MANIFESTS=()
while IFS=$'\t' read -r _ file; do
    [[ "$file" == *.aar ]] || continue
    dir=$(unpack "$file")
    [[ -d "$dir/res" ]] && LIB_RES+=("$dir/res")
    [[ -f "$dir/AndroidManifest.xml" ]] && LIB_MANIFESTS+=("$dir/AndroidManifest.xml")
done < "$WORK/runtime.tsv"

step "manifest merger (the Android Gradle plugin's, 32.5.1 = AGP 9.5.1): app with ${#LIB_MANIFESTS[@]} library manifests"
OUT=$WORK/out
rm -rf "$OUT" && mkdir -p "$OUT/flat" "$OUT/gen"
MERGER=$(python3 "$HERE/shell-check/resolve.py" --tool "$WORK/cache" com.android.tools.build:manifest-merger:32.5.1 | cut -f2 | paste -sd:)
java -cp "$MERGER" com.android.manifmerger.Merger --main "$ANDROID/app/src/main/AndroidManifest.xml" \
    --libs "$(IFS=:; echo "${LIB_MANIFESTS[*]}")" \
    --property PACKAGE=app.pocdex.android --property MIN_SDK_VERSION="$(toml minSdk)" \
    --property TARGET_SDK_VERSION="$(toml targetSdk)" --placeholder appLinkHost=app.pocdex.com.br \
    --remove-tools-declarations --log WARNING --out "$OUT/AndroidManifest.xml"
if grep -n '\${' "$OUT/AndroidManifest.xml"; then echo "placeholders left in the merged manifest" >&2; exit 1; fi
echo "merged: $(grep -c '<activity\|<service\|<receiver\|<provider' "$OUT/AndroidManifest.xml") components"

step "aapt2: the resources of the debug build and the merged manifest"
overlays=()
for res in "${LIB_RES[@]}"; do
    flat=$OUT/flat/$(basename "$(dirname "$res")").zip
    "$AAPT2" compile --dir "$res" -o "$flat"
    overlays+=(-R "$flat")
done
"$AAPT2" compile --dir "$ANDROID/app/src/main/res" -o "$OUT/flat/app-main.zip"
"$AAPT2" compile --dir "$ANDROID/app/src/debug/res" -o "$OUT/flat/app-debug.zip"
overlays+=(-R "$OUT/flat/app-main.zip" -R "$OUT/flat/app-debug.zip")
"$AAPT2" link -I "$ANDROID_JAR" --manifest "$OUT/AndroidManifest.xml" \
    --min-sdk-version "$(toml minSdk)" --target-sdk-version "$(toml targetSdk)" \
    --auto-add-overlay "${overlays[@]}" --java "$OUT/gen" --non-final-ids -o "$OUT/app-debug.ap_"
mkdir -p "$OUT/gen/app/pocdex/android"
cat > "$OUT/gen/app/pocdex/android/BuildConfig.java" <<JAVA
package app.pocdex.android;
public final class BuildConfig {
    public static final boolean DEBUG = true;
    public static final String APPLICATION_ID = "app.pocdex.android.debug";
    public static final String BUILD_TYPE = "debug";
    public static final int VERSION_CODE = 1;
    public static final String VERSION_NAME = "1.0.0";
    public static final String API_BASE_URL = "http://10.0.2.2:8000";
    public static final String APP_LINK_HOST = "app.pocdex.com.br";
}
JAVA
echo "linked: $(unzip -l "$OUT/app-debug.ap_" | tail -1)"

step "Kotlin $KOTLIN: core + ui + app against the Android framework and libraries"
COMPILER_CP=$WORK/kotlin-compiler.classpath
flock "$LOCK" mvn -B -q -f "$HERE/shell-check/kotlin-compiler.pom.xml" dependency:build-classpath \
    -Dkotlin.version="$KOTLIN" -Dmdep.outputFile="$COMPILER_CP" -Dmdep.includeScope=runtime 2>&1 | sed $'s/\e\\[[0-9;]*m//g'
plugin_jar() { tr ':' '\n' < "$COMPILER_CP" | grep "/$1/"; }
kotlinc() { java -Xmx2g -cp "$(cat "$COMPILER_CP")" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler "$@"; }
LIBS=$(IFS=:; echo "${CLASSPATH_JARS[*]}")
kotlinc -no-stdlib -no-reflect -jvm-target 17 -Xjsr305=strict -nowarn \
    -Xplugin="$(plugin_jar kotlin-compose-compiler-plugin-embeddable)" \
    -Xplugin="$(plugin_jar kotlin-serialization-compiler-plugin-embeddable)" \
    -classpath "$ANDROID_JAR:$LIBS" -d "$OUT/classes" \
    "$ANDROID/core/src/main/kotlin" "$ANDROID/ui/src/main/kotlin" "$ANDROID/app/src/main/kotlin" "$OUT/gen"
echo "compiled: $(find "$OUT/classes" -name '*.class' | wc -l) classes"

step "app unit tests (JUnit 4 on the JVM)"
JUNIT=$(python3 "$HERE/shell-check/resolve.py" "$WORK/cache" "junit:junit:$(toml junit4)" | cut -f2 | paste -sd:)
kotlinc -no-stdlib -no-reflect -jvm-target 17 -nowarn \
    -classpath "$OUT/classes:$ANDROID_JAR:$LIBS:$JUNIT" -d "$OUT/test-classes" "$ANDROID/app/src/test/kotlin"
tests=$(cd "$OUT/test-classes" && find . -name '*Test.class' | sed -e 's|^\./||' -e 's|\.class$||' -e 's|/|.|g' | sort)
java -cp "$OUT/test-classes:$OUT/classes:$LIBS:$JUNIT" org.junit.runner.JUnitCore $tests

step "core and ui against the API of Android $(toml minSdk) (the minimum SDK)"
[[ "$(toml minSdk)" == 26 ]] || { echo "minSdk changed: pin the signature of that API level" >&2; exit 1; }
rm -rf "$OUT/shared-classes" && mkdir -p "$OUT/shared-classes/app/pocdex"
cp -r "$OUT/classes/app/pocdex/core" "$OUT/classes/app/pocdex/ui" "$OUT/shared-classes/app/pocdex/"
SNIFFER=$(python3 "$HERE/shell-check/resolve.py" "$WORK/cache" org.codehaus.mojo:animal-sniffer:1.27 org.ow2.asm:asm:9.9.1 | cut -f2 | paste -sd:)
# Libraries are checked by their own builds (and ship Android variants); the app's own code is lint's.
java -cp "$SNIFFER" "$HERE/shell-check/AndroidApiCheck.java" "$WORK/android-api-level-26.signature" "$OUT/shared-classes" \
    'kotlin/*' 'kotlinx/*' 'io/ktor/*' 'okhttp3/*' 'okio/*' 'androidx/*' 'org/jetbrains/annotations/*' 'app/pocdex/*'

step "ok: the resources, the manifest and the sources check out against API 37, core and ui against API 26"
