package io.cueball.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An authoritative DNS server for tests, on 127.0.0.1, over UDP and TCP on one ephemeral port, built on
 * dnsjava's wire classes. A test changes its zone while it runs ({@link #srv}, {@link #a}, {@link #aaaa},
 * {@link #remove}) and makes it misbehave on demand: an error code for a name, silence, malformed answers,
 * truncated UDP answers. It logs every query.
 *
 * <p>Answers carry the query's ID, QR and AA, and echo the question. A name not in the zone is NXDOMAIN, a
 * name without the asked type is NOERROR with no answer; both carry an SOA in AUTHORITY whose minimum is
 * {@link #negativeTtl}. SRV answers carry the targets' A/AAAA records in ADDITIONAL (glue), unless turned off.
 * UDP answers are cut to the query's EDNS payload size (512 without OPT) with the TC bit set; TCP answers are
 * framed with a 2-byte length, several queries per connection.
 */
public final class TestDnsServer implements AutoCloseable {

    /**
     * One SRV record.
     *
     * @param priority lower is preferred
     * @param weight   relative share within a priority
     * @param port     the service's port
     * @param target   the target host name ({@code "."} for "not available")
     */
    public record Srv(int priority, int weight, int port, String target) {
    }

    /** One query received. */
    public record Query(String name, String type, boolean tcp) {
    }

    private static final Name ZONE_SOA_HOST = name("ns.test.");

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Name, Map<Integer, List<Record>>> zone = new HashMap<>();
    private final Map<Name, Integer> rcodes = new HashMap<>();
    private final List<Query> log = new CopyOnWriteArrayList<>();
    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    private volatile boolean glue = true;
    private volatile boolean silent;
    private volatile boolean malformed;
    private volatile int udpLimit;
    private volatile long negativeTtl = 30;

    private TestDnsServer() throws IOException {
        Bound bound = bind();
        this.udp = bound.udp();
        this.tcp = bound.tcp();
        start("udp", this::serveUdp);
        start("tcp", this::acceptTcp);
    }

    private record Bound(DatagramChannel udp, ServerSocketChannel tcp) {
    }

    /** UDP and TCP on the same free port: an ephemeral UDP port first, then TCP on it, retried if taken. */
    private static Bound bind() throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramChannel u = DatagramChannel.open();
            u.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) u.getLocalAddress()).getPort();
            ServerSocketChannel t = ServerSocketChannel.open();
            try {
                t.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return new Bound(u, t);
            } catch (IOException e) {
                last = e;
                u.close();
                t.close();
            }
        }
        throw last;
    }

    /**
     * Starts a server with an empty zone.
     *
     * @return the running server
     */
    public static TestDnsServer start() {
        try {
            return new TestDnsServer();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a DNS server on 127.0.0.1", e);
        }
    }

    /** @return the port it serves UDP and TCP on */
    public int port() {
        return ((InetSocketAddress) localAddress()).getPort();
    }

    /** @return {@code 127.0.0.1:<port>}, for a resolver's name server setting */
    public String address() {
        return "127.0.0.1:" + port();
    }

    private SocketAddress localAddress() {
        try {
            return udp.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the SRV records of a name.
     *
     * @param name    for example {@code _pg._tcp.db.test}
     * @param ttl     their TTL in seconds
     * @param records the records; none removes them
     */
    public void srv(String name, long ttl, Srv... records) {
        Name n = name(name);
        List<Record> list = new ArrayList<>();
        for (Srv s : records) {
            list.add(new SRVRecord(n, DClass.IN, ttl, s.priority(), s.weight(), s.port(), name(s.target())));
        }
        put(n, Type.SRV, list);
    }

    /**
     * Replaces the A records of a name.
     *
     * @param name      a host name
     * @param ttl       their TTL in seconds
     * @param addresses IPv4 literals; none removes them
     */
    public void a(String name, long ttl, String... addresses) {
        Name n = name(name);
        List<Record> list = new ArrayList<>();
        for (String a : addresses) {
            list.add(new ARecord(n, DClass.IN, ttl, address(a)));
        }
        put(n, Type.A, list);
    }

    /**
     * Replaces the AAAA records of a name.
     *
     * @param name      a host name
     * @param ttl       their TTL in seconds
     * @param addresses IPv6 literals; none removes them
     */
    public void aaaa(String name, long ttl, String... addresses) {
        Name n = name(name);
        List<Record> list = new ArrayList<>();
        for (String a : addresses) {
            list.add(new AAAARecord(n, DClass.IN, ttl, address(a)));
        }
        put(n, Type.AAAA, list);
    }

    /** @param name removed from the zone entirely (then NXDOMAIN) */
    public void remove(String name) {
        lock.lock();
        try {
            zone.remove(name(name));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Answers every query for a name with this rcode (for example {@code Rcode.SERVFAIL}), or normally again.
     *
     * @param name  the name
     * @param rcode the code, or {@code Rcode.NOERROR} to answer from the zone again
     */
    public void rcode(String name, int rcode) {
        lock.lock();
        try {
            if (rcode == Rcode.NOERROR) {
                rcodes.remove(name(name));
            } else {
                rcodes.put(name(name), rcode);
            }
        } finally {
            lock.unlock();
        }
    }

    /** @param on whether SRV answers carry the targets' addresses in ADDITIONAL (default true) */
    public void glue(boolean on) {
        glue = on;
    }

    /** @param on whether to drop every query without answering (a server that is down) */
    public void silent(boolean on) {
        silent = on;
    }

    /** @param on whether to answer with bytes that are not a DNS message */
    public void malformed(boolean on) {
        malformed = on;
    }

    /** @param bytes cut UDP answers to this size whatever the query's EDNS size (0: honour the query) */
    public void udpLimit(int bytes) {
        udpLimit = bytes;
    }

    /** @param seconds the SOA minimum of negative answers (default 30) */
    public void negativeTtl(long seconds) {
        negativeTtl = seconds;
    }

    /** @return every query received, oldest first */
    public List<Query> queries() {
        return List.copyOf(log);
    }

    /** Forgets the query log. */
    public void clearQueries() {
        log.clear();
    }

    @Override
    public void close() {
        try {
            udp.close();
            tcp.close();
            for (SocketChannel c : connections) {
                c.close();
            }
        } catch (IOException e) {
            // closing a test fixture: nothing to do
        }
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void put(Name n, int type, List<Record> records) {
        lock.lock();
        try {
            Map<Integer, List<Record>> types = zone.computeIfAbsent(n, k -> new LinkedHashMap<>());
            if (records.isEmpty()) {
                types.remove(type);
            } else {
                types.put(type, records);
            }
        } finally {
            lock.unlock();
        }
    }

    private void start(String role, Runnable loop) {
        Thread t = new Thread(loop, "cueball-test-dns-" + port() + "-" + role);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void serveUdp() {
        ByteBuffer in = ByteBuffer.allocate(65535);
        while (udp.isOpen()) {
            try {
                in.clear();
                SocketAddress from = udp.receive(in);
                in.flip();
                byte[] answer = answer(in, false);
                if (answer != null) {
                    udp.send(ByteBuffer.wrap(answer), from);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // a bad packet: ignore it and serve the next
            }
        }
    }

    private void acceptTcp() {
        while (tcp.isOpen()) {
            try {
                SocketChannel c = tcp.accept();
                connections.add(c);
                start("conn", () -> serveTcp(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Serves framed queries on one connection until the client closes it (dnsjava reuses connections). */
    private void serveTcp(SocketChannel c) {
        try (c) {
            for (;;) {
                ByteBuffer length = ByteBuffer.allocate(2);
                if (!readFully(c, length)) {
                    return;
                }
                ByteBuffer body = ByteBuffer.allocate(length.getShort(0) & 0xffff);
                if (!readFully(c, body)) {
                    return;
                }
                byte[] answer = answer(body, true);
                if (answer == null) {
                    continue;
                }
                ByteBuffer out = ByteBuffer.allocate(2 + answer.length);
                out.putShort((short) answer.length).put(answer).flip();
                while (out.hasRemaining()) {
                    c.write(out);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static boolean readFully(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        b.flip();
        return true;
    }

    /** The wire answer to a wire query, or null to stay silent. */
    private byte[] answer(ByteBuffer wire, boolean overTcp) throws IOException {
        Message query = new Message(wire);
        Record question = query.getQuestion();
        if (question == null) {
            return null;
        }
        log.add(new Query(question.getName().toString(true), Type.string(question.getType()), overTcp));
        if (silent) {
            return null;
        }
        if (malformed) {
            return new byte[] {(byte) (query.getHeader().getID() >> 8), (byte) query.getHeader().getID(), 1, 2, 3};
        }
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        response.addRecord(question, Section.QUESTION);
        OPTRecord opt = query.getOPT();
        if (opt != null) {
            response.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        }
        lock.lock();
        try {
            Name name = question.getName();
            Integer rcode = rcodes.get(name);
            Map<Integer, List<Record>> types = zone.get(name);
            if (rcode != null) {
                response.getHeader().setRcode(rcode);
            } else if (types == null) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                response.addRecord(soa(name), Section.AUTHORITY);
            } else {
                List<Record> records = types.getOrDefault(question.getType(), List.of());
                if (records.isEmpty()) {
                    response.addRecord(soa(name), Section.AUTHORITY);
                }
                for (Record r : records) {
                    response.addRecord(r, Section.ANSWER);
                    if (glue && r instanceof SRVRecord srv) {
                        Map<Integer, List<Record>> target = zone.getOrDefault(srv.getTarget(), Map.of());
                        for (int t : new int[] {Type.A, Type.AAAA}) {
                            for (Record g : target.getOrDefault(t, List.of())) {
                                response.addRecord(g, Section.ADDITIONAL);
                            }
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        int max = overTcp ? 65535 : udpLimit > 0 ? udpLimit : opt != null ? Math.max(512, opt.getPayloadSize()) : 512;
        return response.toWire(max);
    }

    private SOARecord soa(Name name) {
        long ttl = negativeTtl;
        return new SOARecord(name, DClass.IN, ttl, ZONE_SOA_HOST, name("hostmaster.test."), 1, 3600, 600, 86400, ttl);
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: '" + s + "'", e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no lookup
        } catch (IOException e) {
            throw new IllegalArgumentException("not an IP address: '" + literal + "'", e);
        }
    }
}
