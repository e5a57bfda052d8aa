package dev.iris.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what one client's connections can hold: at most {@code max_connections_per_client}
 * open connections per address (more are closed at once), and a connection that is not in a
 * request must send the next request's headers within {@code header_timeout_s} (a client
 * dribbling header bytes, or idling, is closed). Time inside a request is bounded elsewhere: the
 * body by {@link RequestBodies}, the answer by {@code deadline_s}.
 */
final class ConnectionGuard implements Connection.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    /** A connection's state: in a request or not, and since when it waits for headers. */
    private static final class State {
        final InetAddress client;
        volatile boolean busy;
        volatile long waitingSince = System.nanoTime();

        State(InetAddress client) {
            this.client = client;
        }
    }

    private final ServeConfig.Connections limits;
    private final Map<Connection, State> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private ScheduledExecutorService sweeper;

    ConnectionGuard(ServeConfig.Connections limits) {
        this.limits = limits;
    }

    /** Starts the sweep that closes connections past {@code header_timeout_s}. */
    synchronized void start() {
        if (sweeper != null) return;
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iris-connection-guard");
            t.setDaemon(true);
            return t;
        });
        long periodMs = Math.max(50, Math.min(1000, (long) (limits.headerTimeoutS() * 250)));
        sweeper.scheduleWithFixedDelay(this::sweep, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress client = address(connection.getEndPoint().getRemoteSocketAddress());
        open.put(connection, new State(client));
        if (client == null) return;
        int n = perClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
        if (limits.maxPerClient() > 0 && n > limits.maxPerClient()) {
            LOG.debug("closing a connection from {}: it has {} open (serve.max_connections_per_client is {})", client, n - 1, limits.maxPerClient());
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        State s = open.remove(connection);
        if (s == null || s.client == null) return;
        perClient.computeIfPresent(s.client, (c, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** A request on {@code connection} has its headers and is being handled. */
    void busy(Connection connection) {
        State s = open.get(connection);
        if (s != null) s.busy = true;
    }

    /** The request on {@code connection} is done: the next one's headers are timed from now. */
    void idle(Connection connection) {
        State s = open.get(connection);
        if (s != null) {
            s.waitingSince = System.nanoTime();
            s.busy = false;
        }
    }

    /** Open connections of one client address (for tests). */
    int connections(InetAddress client) {
        AtomicInteger n = perClient.get(client);
        return n == null ? 0 : n.get();
    }

    private void sweep() {
        long limit = (long) (limits.headerTimeoutS() * 1e9), now = System.nanoTime();
        open.forEach((c, s) -> {
            if (!s.busy && now - s.waitingSince > limit) {
                LOG.debug("closing a connection from {}: no complete request headers within {} s (serve.header_timeout_s)", s.client, limits.headerTimeoutS());
                c.getEndPoint().close();
            }
        });
    }

    private static InetAddress address(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    @Override
    public synchronized void close() {
        if (sweeper != null) sweeper.shutdownNow();
    }
}
