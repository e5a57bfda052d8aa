package dev.iris.vlm;

import java.util.concurrent.CancellationException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One generation as a {@link Flow.Publisher} of text pieces. It starts on its own thread at the
 * subscriber's first request and waits for demand before each piece, so a slow subscriber holds
 * the generation back rather than piling text up. Cancelling stops the generation at its next
 * piece. One subscriber only: a publisher is one generation.
 */
final class TextPublisher implements Flow.Publisher<String> {
    private final Function<Consumer<String>, Answer> generation;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    TextPublisher(Function<Consumer<String>, Answer> generation) {
        this.generation = generation;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super String> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override public void request(long n) {}
                @Override public void cancel() {}
            });
            subscriber.onError(new IllegalStateException("this publisher is one generation and already has its subscriber: call stream(...) again"));
            return;
        }
        subscriber.onSubscribe(new GenerationSubscription(subscriber));
    }

    private final class GenerationSubscription implements Flow.Subscription {
        private final Flow.Subscriber<? super String> subscriber;
        private long demand;
        private boolean started, cancelled, done;

        GenerationSubscription(Flow.Subscriber<? super String> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            boolean start;
            synchronized (this) {
                if (cancelled || done) return;
                if (n <= 0) {
                    cancelled = true;
                    notifyAll();
                    start = false;
                } else {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;   // saturate, as the spec allows
                    notifyAll();
                    start = !started;
                    started = true;
                }
            }
            if (n <= 0) {
                subscriber.onError(new IllegalArgumentException("request(" + n + "): a subscriber must request a positive number (rule 3.9)"));
                return;
            }
            if (start) Thread.ofPlatform().daemon().name("iris-stream").start(this::run);
        }

        @Override
        public synchronized void cancel() {
            cancelled = true;
            notifyAll();
        }

        private void run() {
            try {
                generation.apply(this::emit);
            } catch (CancellationException e) {
                return;   // the subscriber cancelled: nothing more is signalled
            } catch (RuntimeException e) {
                if (finish()) subscriber.onError(e);
                return;
            }
            if (finish()) subscriber.onComplete();
        }

        /** Marks the subscription done; false when it was cancelled (then nothing is signalled). */
        private synchronized boolean finish() {
            done = true;
            return !cancelled;
        }

        /** Waits for demand, then hands one piece on; throwing stops the generation. */
        private void emit(String piece) {
            synchronized (this) {
                while (demand == 0 && !cancelled) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        cancelled = true;
                    }
                }
                if (cancelled) throw new CancellationException("the subscriber cancelled");
                demand--;
            }
            subscriber.onNext(piece);
        }
    }
}
