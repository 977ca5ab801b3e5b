import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import org.codehaus.mojo.animal_sniffer.SignatureChecker;
import org.codehaus.mojo.animal_sniffer.logging.PrintWriterLogger;

/**
 * Checks compiled classes against the Java and Android API of an Android API level (an Animal
 * Sniffer signature built from that level's android.jar): core and ui run on every Android the
 * app supports, but compile against the desktop JDK, where Java 11+ methods that older Androids
 * lack (Files.readString, URLDecoder.decode(String, Charset)...) would pass unnoticed.
 *
 * Usage: java -cp animal-sniffer.jar:asm.jar AndroidApiCheck.java SIGNATURE CLASSES_DIR IGNORED...
 * IGNORED are package prefixes in internal form ("kotlin/*") whose classes are libraries
 * (checked by their own builds) or the app's own.
 */
public final class AndroidApiCheck {
    public static void main(String[] args) throws Exception {
        Set<String> ignored = new HashSet<>(Arrays.asList(args).subList(2, args.length));
        SignatureChecker checker;
        try (InputStream signature = new FileInputStream(args[0])) {
            checker = new SignatureChecker(signature, ignored, new PrintWriterLogger(System.out));
        }
        checker.setSourcePath(Collections.emptyList());
        checker.setAnnotationTypes(Collections.emptyList());
        checker.process(new File(args[1]));
        if (checker.isSignatureBroken()) {
            System.out.println("calls to APIs missing on the minimum Android version (above)");
            System.exit(1);
        }
        System.out.println("no call outside the API of " + new File(args[0]).getName());
    }
}
