package dev.iris.server;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets at most {@code workers} generations run and at most {@code queue} requests wait, first
 * come first served; beyond that a request is refused at once (429) instead of piling up.
 * Closing refuses new requests (503) while those admitted finish.
 */
final class Admission {
    /** Held while a generation runs; closing it hands the slot to the longest waiter. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    private static final class Waiter {
        final Condition wake;
        boolean granted;

        Waiter(Condition wake) {
            this.wake = wake;
        }
    }

    private final int workers, queue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int running;
    private boolean closed;
    private double avgSeconds = 1.0;   // moving average of a slot's hold time: the basis of Retry-After

    Admission(int workers, int queue) {
        this.workers = workers;
        this.queue = queue;
    }

    /** Refuses (429) at once when every worker is busy and the queue is full: before an image is decoded for nothing. */
    void refuseIfFull() {
        lock.lock();
        try {
            if (running >= workers && waiters.size() >= queue) throw ApiError.queueFull(retryAfterS());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a slot until {@code deadlineNanos} ({@link System#nanoTime()} based).
     * Throws 429 when the queue is full, 503 when closed, 504 when the deadline passes first.
     */
    Slot enter(long deadlineNanos, int drainRetryS) {
        lock.lock();
        try {
            if (closed) throw draining(drainRetryS);
            if (running < workers && waiters.isEmpty()) {
                running++;
                return slot();
            }
            if (waiters.size() >= queue) throw ApiError.queueFull(retryAfterS());
            Waiter w = new Waiter(lock.newCondition());
            waiters.add(w);
            try {
                while (!w.granted) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        waiters.remove(w);
                        throw ApiError.timeout("the request waited in the queue until its deadline (serve.deadline_s) passed");
                    }
                    w.wake.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                if (w.granted) {
                    release(0);
                } else {
                    waiters.remove(w);
                }
                Thread.currentThread().interrupt();
                throw ApiError.unavailable("interrupted", "the server is stopping", drainRetryS);
            }
            return slot();
        } finally {
            lock.unlock();
        }
    }

    private Slot slot() {
        long t0 = System.nanoTime();
        return new Slot() {
            private boolean done;

            @Override
            public void close() {
                if (done) return;
                done = true;
                release((System.nanoTime() - t0) / 1e9);
            }
        };
    }

    private void release(double heldSeconds) {
        lock.lock();
        try {
            if (heldSeconds > 0) avgSeconds = 0.8 * avgSeconds + 0.2 * heldSeconds;
            Waiter next = waiters.poll();
            if (next != null) {
                next.granted = true;   // the slot passes on: running stays the same
                next.wake.signal();
            } else {
                running--;
                if (running == 0) idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Seconds until a place in the queue is likely free again: at least 1. */
    int retryAfterS() {
        lock.lock();
        try {
            double s = avgSeconds * Math.max(1, waiters.size()) / workers;
            return (int) Math.max(1, Math.min(60, Math.ceil(s)));
        } finally {
            lock.unlock();
        }
    }

    /** Refuses every later request; those running or waiting go on. */
    void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    boolean closed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until nothing runs or waits; false if {@code timeoutNanos} passed first. */
    boolean awaitIdle(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        lock.lock();
        try {
            while (running > 0 || !waiters.isEmpty()) {
                long left = end - System.nanoTime();
                if (left <= 0) return false;
                idle.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    int running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    int waiting() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    private static ApiError draining(int retryS) {
        return ApiError.unavailable("draining", "the server is shutting down", retryS);
    }
}
