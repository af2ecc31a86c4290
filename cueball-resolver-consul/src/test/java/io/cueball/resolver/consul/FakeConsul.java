package io.cueball.resolver.consul;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small HTTP server on loopback answering {@code /v1/health/service/...} in Consul's shape, for the faults a
 * real agent will not produce on demand: HTTP 500, invalid JSON, a request that hangs, an index that goes
 * backwards, a service that changes on every request. It honours blocking queries (a request with the current
 * index waits for a change, up to its {@code wait}) and records every request.
 */
final class FakeConsul implements AutoCloseable {

    enum Mode { NORMAL, ERROR_500, GARBAGE, HANG, CHURN }

    /** One request received. */
    record Request(String query, Map<String, List<String>> headers) {
        long index() {
            for (String p : query.split("&")) {
                if (p.startsWith("index=")) {
                    return Long.parseLong(p.substring(6));
                }
            }
            return -1;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-consul");
        t.setDaemon(true);
        return t;
    });
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private String body = "[]";
    private long index = 10;
    private Mode mode = Mode.NORMAL;
    private boolean closed;

    FakeConsul() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(executor);
        server.createContext("/v1/health/service/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Sets the answer and its index, waking blocked queries. */
    void answer(String json, long newIndex) {
        lock.lock();
        try {
            body = json;
            index = newIndex;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void mode(Mode m) {
        lock.lock();
        try {
            mode = m;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
        Request r = new Request(query, Map.copyOf(ex.getRequestHeaders()));
        requests.add(r);
        String reply;
        long replyIndex;
        int status = 200;
        lock.lock();
        try {
            if (mode == Mode.HANG) {
                while (!closed && mode == Mode.HANG) {
                    changed.await(100, TimeUnit.MILLISECONDS);
                }
            }
            if (mode == Mode.CHURN) {
                index++;
            } else if (mode == Mode.NORMAL && r.index() == index) {
                long waitMs = waitMillis(query);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
                while (!closed && r.index() == index && mode == Mode.NORMAL) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    changed.awaitNanos(left);
                }
            }
            reply = mode == Mode.GARBAGE ? "<html>not json" : mode == Mode.ERROR_500 ? "rpc error: no leader" : body;
            status = mode == Mode.ERROR_500 ? 500 : 200;
            replyIndex = index;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            lock.unlock();
        }
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("X-Consul-Index", Long.toString(replyIndex));
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static long waitMillis(String query) {
        for (String p : query.split("&")) {
            if (p.startsWith("wait=") && p.endsWith("s")) {
                return Long.parseLong(p.substring(5, p.length() - 1)) * 1000;
            }
        }
        return 300_000;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    /** One instance in Consul's JSON shape. */
    static String instance(String id, String serviceAddress, String nodeAddress, int port, int passing, int warning,
            String tags, String meta, String checkStatus) {
        return "{\"Node\":{\"ID\":\"n-" + id + "\",\"Node\":\"node-" + id + "\",\"Address\":\"" + nodeAddress
                + "\",\"Datacenter\":\"dc1\"},"
                + "\"Service\":{\"ID\":\"" + id + "\",\"Service\":\"pg\",\"Tags\":[" + tags + "],\"Address\":\""
                + serviceAddress + "\",\"Meta\":{" + meta + "},\"Port\":" + port
                + ",\"Weights\":{\"Passing\":" + passing + ",\"Warning\":" + warning + "}},"
                + "\"Checks\":[{\"CheckID\":\"serfHealth\",\"Status\":\"passing\",\"ServiceID\":\"\"},"
                + "{\"CheckID\":\"service:" + id + "\",\"Status\":\"" + checkStatus + "\",\"ServiceID\":\"" + id
                + "\"}]}";
    }
}
