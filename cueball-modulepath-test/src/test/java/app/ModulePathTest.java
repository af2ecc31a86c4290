package app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link Main} in a child JVM (the build's own {@code java}) with the cueball jars on the module path and
 * no {@code --add-modules}: if a descriptor lacked an {@code exports} or a {@code requires}, the child would
 * fail to resolve, link or run.
 */
class ModulePathTest {

    private static final long TIMEOUT_SECONDS = 60;

    @Test
    void theApplicationRunsOnTheModulePathWithOnlyItsOwnRequires(@TempDir Path tmp) throws Exception {
        String appClasses = property("cueball.app.classes");
        String dependencies = Files.readString(Path.of(property("cueball.modulepath.file"))).trim();
        assertFalse(dependencies.isEmpty(), "no dependencies in " + property("cueball.modulepath.file"));
        assertFalse(dependencies.contains("junit"), "only runtime dependencies belong on the path: " + dependencies);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java,
                "--module-path", appClasses + File.pathSeparator + dependencies,
                "--module", "app.module/app.Main");

        Path output = tmp.resolve("child-output.txt");
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean exited;
        try {
            exited = child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        String described = "\ncommand: " + String.join(" ", command) + "\noutput:\n" + text;
        if (!exited) {
            fail("the child JVM did not exit within " + TIMEOUT_SECONDS + " s and was destroyed" + described);
        }
        assertEquals(0, child.exitValue(), "exit code" + described);
        assertTrue(text.contains("echoed " + Main.PAYLOAD + " through a pool; Main in module app.module, "
                + "ConnectionPool in module io.cueball, StaticResolver in module io.cueball.resolver.fixed, "
                + "TcpConnectionFactory in module io.cueball.conn.tcp"), "the round trip's line" + described);
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            fail("system property " + name + " is not set: run this test through Maven (mvn verify)");
        }
        return value;
    }
}
