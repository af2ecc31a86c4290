package io.cueball.resolver.dns;

import io.cueball.Durations;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Sends one DNS query and returns the answer: over UDP first, over TCP when the UDP answer is truncated,
 * trying each name server in turn. dnsjava provides the wire format; the transport is ours, so that it runs
 * on the resolver's own thread with exact (sub-second) timeouts and stops at once when that thread is
 * interrupted, instead of depending on dnsjava's shared selector thread.
 *
 * <p>An answer counts only if it comes from the server asked, carries the query's ID and repeats its
 * question; anything else is ignored (as a spoofing attempt would be) until the timeout. SERVFAIL, REFUSED
 * and NOTIMP move on to the next server.
 */
final class DnsClient {
    /** The EDNS0 UDP payload size we advertise: the 2020 DNS flag day's value, safe from fragmentation. */
    static final int UDP_PAYLOAD = 1232;

    private final List<InetSocketAddress> servers;
    private final long timeoutNanos;
    private final boolean tcpOnTruncation;
    private final SecureRandom ids = new SecureRandom();

    DnsClient(List<InetSocketAddress> servers, long timeoutNanos, boolean tcpOnTruncation) {
        this.servers = List.copyOf(servers);
        this.timeoutNanos = timeoutNanos;
        this.tcpOnTruncation = tcpOnTruncation;
    }

    /** A server answered with an error code, or not in a usable way. */
    static final class DnsServerException extends IOException {
        private static final long serialVersionUID = 1L;

        DnsServerException(String message) {
            super(message);
        }
    }

    /**
     * Asks the servers in order; the first usable answer wins.
     *
     * @return an answer with rcode NOERROR or NXDOMAIN
     * @throws IOException the last server's failure (timeout, network error, error rcode, malformed answer), its
     *                     message naming the server, the question and what went wrong
     */
    Message query(Name name, int type) throws IOException {
        IOException last = null;
        for (InetSocketAddress server : servers) {
            try {
                Message answer = queryOne(server, name, type);
                int rcode = answer.getRcode();
                if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                    return answer;
                }
                last = new DnsServerException(Rcode.string(rcode) + " from " + address(server) + " for "
                        + name + " " + Type.string(type));
            } catch (IOException e) {
                last = explain(e, server, name, type);
            }
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        throw last != null ? last : new DnsServerException("no name servers configured");
    }

    /**
     * The exception to report for a query that got no answer: of the same kind (a timeout stays a
     * {@link SocketTimeoutException}), with a message that says which server was asked for what and why nothing
     * came back, never null: {@code no answer from 127.0.0.1:1 for _pg._tcp.db. SRV (port unreachable)}. An
     * error code or malformed answer (already explained) and an interruption (the resolver is closing) are
     * returned as they are.
     */
    static IOException explain(IOException e, InetSocketAddress server, Name name, int type) {
        boolean interrupted = e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException);
        if (e instanceof DnsServerException || interrupted) {
            return e;
        }
        String why;
        if (e instanceof PortUnreachableException) {
            why = "port unreachable"; // the ICMP reply to UDP on a closed port, which Java reports without a message
        } else if (e instanceof SocketTimeoutException && e.getMessage() != null) {
            why = e.getMessage(); // await's own words: "timed out after 300ms (UDP)"
        } else {
            String message = e.getMessage();
            why = e.getClass().getSimpleName()
                    + (message == null || message.isBlank() ? "" : ": " + message.strip());
        }
        String what = "no answer from " + address(server) + " for " + name + " " + Type.string(type) + " (" + why + ")";
        IOException explained;
        if (e instanceof SocketTimeoutException) {
            explained = new SocketTimeoutException(what);
        } else if (e instanceof PortUnreachableException) {
            explained = new PortUnreachableException(what);
        } else if (e instanceof ConnectException) {
            explained = new ConnectException(what);
        } else {
            explained = new IOException(what);
        }
        explained.initCause(e);
        return explained;
    }

    private Message queryOne(InetSocketAddress server, Name name, int type) throws IOException {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        query.getHeader().setID(ids.nextInt(0x10000));
        query.addRecord(new OPTRecord(UDP_PAYLOAD, 0, 0), Section.ADDITIONAL);
        byte[] wire = query.toWire(Message.MAXLENGTH);
        long deadline = System.nanoTime() + timeoutNanos;
        Message answer;
        try {
            answer = udp(server, query, wire, deadline);
            if (answer.getHeader().getFlag(Flags.TC) && tcpOnTruncation) {
                answer = tcp(server, query, wire, deadline);
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("timed out after " + Durations.format(Duration.ofNanos(timeoutNanos))
                    + ", " + e.getMessage());
        }
        return answer;
    }

    private Message udp(InetSocketAddress server, Message query, byte[] wire, long deadline) throws IOException {
        try (DatagramChannel channel = DatagramChannel.open(); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            channel.connect(server); // only the server we asked can answer
            channel.register(selector, SelectionKey.OP_READ);
            channel.write(ByteBuffer.wrap(wire));
            ByteBuffer buffer = ByteBuffer.allocate(65535);
            for (;;) {
                await(selector, deadline, server, "UDP");
                buffer.clear();
                if (channel.read(buffer) <= 0) {
                    continue;
                }
                buffer.flip();
                Message answer = parse(buffer, server);
                if (matches(query, answer)) {
                    return answer;
                }
            }
        }
    }

    private Message tcp(InetSocketAddress server, Message query, byte[] wire, long deadline) throws IOException {
        try (SocketChannel channel = SocketChannel.open(); Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
            if (!channel.connect(server)) {
                while (!channel.finishConnect()) {
                    await(selector, deadline, server, "TCP connect");
                }
            }
            ByteBuffer out = ByteBuffer.allocate(2 + wire.length);
            out.putShort((short) wire.length).put(wire).flip();
            key.interestOps(SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                await(selector, deadline, server, "TCP write");
                channel.write(out);
            }
            key.interestOps(SelectionKey.OP_READ);
            for (;;) {
                ByteBuffer length = readFully(channel, selector, ByteBuffer.allocate(2), deadline, server);
                ByteBuffer body = readFully(channel, selector, ByteBuffer.allocate(length.getShort(0) & 0xffff),
                        deadline, server);
                Message answer = parse(body, server);
                if (matches(query, answer)) {
                    return answer;
                }
            }
        }
    }

    private static ByteBuffer readFully(SocketChannel channel, Selector selector, ByteBuffer buffer, long deadline,
            InetSocketAddress server) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) {
                throw new IOException("the server closed the TCP connection before answering");
            }
            if (n == 0) {
                await(selector, deadline, server, "TCP read");
            }
        }
        buffer.flip();
        return buffer;
    }

    private static void await(Selector selector, long deadline, InetSocketAddress server, String what)
            throws IOException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new SocketTimeoutException(what); // queryOne says how long, explain() whom we asked for what
        }
        selector.selectedKeys().clear();
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("DNS query to " + address(server) + " interrupted");
        }
    }

    private static Message parse(ByteBuffer buffer, InetSocketAddress server) throws IOException {
        try {
            return new Message(buffer);
        } catch (IOException | RuntimeException e) {
            throw new DnsServerException("malformed answer from " + address(server) + ": " + e.getMessage());
        }
    }

    private static boolean matches(Message query, Message answer) {
        Record q = query.getQuestion();
        Record a = answer.getQuestion();
        return answer.getHeader().getID() == query.getHeader().getID()
                && answer.getHeader().getFlag(Flags.QR)
                && a != null && a.getName().equals(q.getName()) && a.getType() == q.getType()
                && a.getDClass() == q.getDClass();
    }

    static String address(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
