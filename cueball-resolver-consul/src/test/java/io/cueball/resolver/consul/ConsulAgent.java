package io.cueball.resolver.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Consul agent ({@code consul agent -dev}) on loopback with ephemeral ports, for tests. The binary comes
 * from {@code $CUEBALL_CONSUL_BIN} or from where {@code scripts/consul.sh} puts it. Without one, tests that
 * need an agent are skipped with a message saying how to get one, except in CI ({@code CI=true}), where a
 * missing agent fails them.
 */
final class ConsulAgent implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path binary;
    private final Path config;
    final int httpPort;
    private Process process;

    private ConsulAgent(Path binary) throws IOException {
        this.binary = binary;
        this.httpPort = freePort();
        int serfLan = freePort();
        int server = freePort();
        Path dir = Files.createTempDirectory("cueball-consul-");
        this.config = dir.resolve("agent.json");
        Files.writeString(config, "{\"ports\": {\"http\": " + httpPort + ", \"dns\": -1, \"serf_lan\": " + serfLan
                + ", \"serf_wan\": -1, \"server\": " + server + ", \"grpc\": -1},"
                + " \"disable_update_check\": true, \"log_level\": \"warn\"}");
    }

    /** Starts an agent, or skips the test (fails it in CI) when there is no binary. */
    static ConsulAgent start() throws Exception {
        Path binary = locate();
        if (binary == null) {
            String how = "no Consul agent: run scripts/consul.sh (it fetches Debian's consul 1.8.7) or set "
                    + "CUEBALL_CONSUL_BIN";
            if ("true".equals(System.getenv("CI"))) {
                fail(how + " (CI=true: the Consul tests must run)");
            }
            assumeTrue(false, how);
        }
        ConsulAgent agent = new ConsulAgent(binary);
        agent.launch();
        return agent;
    }

    private static Path locate() {
        String env = System.getenv("CUEBALL_CONSUL_BIN");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? p : null;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(".cache/consul/root/usr/bin/consul");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    void launch() throws Exception {
        process = new ProcessBuilder(binary.toString(), "agent", "-dev", "-bind=127.0.0.1", "-client=127.0.0.1",
                "-node=cueball-test", "-config-file=" + config)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("consul agent exited with " + process.exitValue());
            }
            return get("/v1/status/leader").contains(":");
        });
    }

    /** Stops the agent (a dev agent forgets everything: re-register after {@link #launch()}). */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Registers an instance with a TTL check that starts as {@code status}. */
    void register(String service, String id, String address, int port, int passingWeight, int warningWeight,
            String status, String... tags) throws Exception {
        StringBuilder t = new StringBuilder();
        for (String tag : tags) {
            t.append(t.length() == 0 ? "" : ",").append('"').append(tag).append('"');
        }
        put("/v1/agent/service/register", "{\"ID\":\"" + id + "\",\"Name\":\"" + service + "\",\"Address\":\"" + address
                + "\",\"Port\":" + port + ",\"Tags\":[" + t + "],\"Meta\":{\"zone\":\"z-" + id + "\"},"
                + "\"Weights\":{\"Passing\":" + passingWeight + ",\"Warning\":" + warningWeight + "},"
                + "\"Check\":{\"CheckID\":\"ttl-" + id + "\",\"TTL\":\"10m\",\"Status\":\"" + status + "\"}}");
    }

    void deregister(String id) throws Exception {
        put("/v1/agent/service/deregister/" + id, "");
    }

    /** Sets a TTL check: {@code pass}, {@code warn} or {@code fail}. */
    void check(String id, String verb) throws Exception {
        put("/v1/agent/check/" + verb + "/ttl-" + id, "");
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private void put(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("PUT " + path + ": " + r.statusCode() + " " + r.body());
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            try {
                stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
