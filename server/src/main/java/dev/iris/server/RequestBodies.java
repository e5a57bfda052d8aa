package dev.iris.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Receives every request body in full before a route runs, without holding a thread while the
 * bytes arrive: a body is read as it comes (Jetty calls back when more is there), at most
 * {@code max_body_bytes}, within {@code body_timeout_s} and, once it has taken 5 s, at an average
 * of at least {@code min_body_bytes_per_s}. A client that sends its body one byte a second thus
 * holds a connection for a bounded time and never a worker thread; it gets 408. The routes then
 * read the body from memory.
 */
final class RequestBodies extends Handler.Wrapper {
    /** How long a body may arrive slowly before its average rate is checked. */
    static final long RATE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ServeConfig config;
    private final ConnectionGuard guard;

    RequestBodies(ServeConfig config, ConnectionGuard guard) {
        this.config = config;
        this.guard = guard;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Connection connection = request.getConnectionMetaData().getConnection();
        guard.busy(connection);
        Callback done = new Callback() {
            @Override
            public void succeeded() {
                guard.idle(connection);
                callback.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                guard.idle(connection);
                callback.failed(x);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        long declared = request.getLength();
        boolean hasBody = declared > 0 || (declared < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
        if (!hasBody) return next(request, response, done, connection);
        if (declared > config.maxBodyBytes()) {
            reject(response, done, IrisServer.bodyTooLarge(config));   // before reading: a client expecting 100-continue sends nothing
            return true;
        }
        new Collector(request, response, done, connection).run();
        return true;
    }

    private boolean next(Request request, Response response, Callback done, Connection connection) throws Exception {
        Handler next = getHandler();
        if (next != null && next.handle(request, response, done)) return true;
        guard.idle(connection);
        return false;
    }

    /** Answers with an error and closes the connection (the rest of the body is not read). */
    static void reject(Response response, Callback callback, ApiError e) {
        response.setStatus(e.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(e.bodyBytes()), callback);
    }

    /** Reads one body as it arrives; a timer checks the deadline and the rate. */
    private final class Collector implements Runnable {
        final Request request;
        final Response response;
        final Callback callback;
        final Connection connection;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final AtomicBoolean over = new AtomicBoolean();
        final long t0 = System.nanoTime();
        final Scheduler scheduler;
        volatile long received;
        volatile Scheduler.Task timer;

        Collector(Request request, Response response, Callback callback, Connection connection) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.connection = connection;
            this.scheduler = request.getComponents().getScheduler();
            schedule();
        }

        private void schedule() {
            timer = scheduler.schedule(this::check, 250, TimeUnit.MILLISECONDS);
        }

        /** Reads what has arrived; asks to be called again when there is more. */
        @Override
        public void run() {
            while (!over.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (over.compareAndSet(false, true)) {
                        timer.cancel();
                        reject(response, callback, ApiError.badRequest(null, "could not read the request body: " + chunk.getFailure().getMessage()));
                    }
                    return;
                }
                ByteBuffer b = chunk.getByteBuffer();
                int n = b.remaining();
                if (body.size() + (long) n > config.maxBodyBytes()) {
                    chunk.release();
                    if (over.compareAndSet(false, true)) {
                        timer.cancel();
                        reject(response, callback, IrisServer.bodyTooLarge(config));
                    }
                    return;
                }
                if (n > 0) {
                    byte[] bytes = new byte[n];
                    b.get(bytes);
                    body.write(bytes, 0, n);
                    received += n;
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    if (over.compareAndSet(false, true)) {
                        timer.cancel();
                        dispatch();
                    }
                    return;
                }
            }
        }

        private void dispatch() {
            Request whole = new Buffered(request, body.toByteArray());
            try {
                if (!next(whole, response, callback, connection)) Response.writeError(whole, response, callback, 404);
            } catch (Throwable t) {
                Response.writeError(whole, response, callback, t);
            }
        }

        private void check() {
            if (over.get()) return;
            long took = System.nanoTime() - t0;
            ServeConfig.Connections limits = config.connections();
            ApiError late = null;
            if (took > (long) (limits.bodyTimeoutS() * 1e9)) {
                late = ApiError.requestTimeout("the request body did not arrive within " + limits.bodyTimeoutS() + " s (serve.body_timeout_s)");
            } else if (took > RATE_GRACE_NANOS && received * 1e9 / took < limits.minBodyRate()) {
                late = ApiError.requestTimeout("the request body arrives slower than " + limits.minBodyRate()
                        + " bytes per second (serve.min_body_bytes_per_s)");
            }
            if (late == null) {
                schedule();
            } else if (over.compareAndSet(false, true)) {
                reject(response, callback, late);
            }
        }
    }

    /** The request with its body in memory: reads never wait. */
    private static final class Buffered extends Request.Wrapper {
        private Content.Chunk chunk;

        Buffered(Request request, byte[] body) {
            super(request);
            chunk = Content.Chunk.from(ByteBuffer.wrap(body), true);
        }

        @Override
        public synchronized Content.Chunk read() {
            Content.Chunk c = chunk;
            chunk = Content.Chunk.EOF;
            return c;
        }

        @Override
        public void demand(Runnable demandCallback) {
            demandCallback.run();   // there is always something to read: the body, or its end
        }
    }
}
