package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    static long in(double seconds) {
        return System.nanoTime() + (long) (seconds * 1e9);
    }

    @Test
    void workersThenQueueThenRefusal() throws Exception {
        Admission a = new Admission(1, 2);
        ExecutorService pool = Executors.newFixedThreadPool(2);   // the common pool may have one thread only
        Admission.Slot first = a.enter(in(5), 1);
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
            try (Admission.Slot s = a.enter(in(5), 1)) {
                order.add("second");
            }
        }, pool);
        ErrorsTest.await(() -> a.waiting() == 1);
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try (Admission.Slot s = a.enter(in(5), 1)) {
                order.add("third");
            }
        }, pool);
        ErrorsTest.await(() -> a.waiting() == 2);
        assertThatThrownBy(() -> a.enter(in(5), 1)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.retryAfterS()).hasValueSatisfying(s -> assertThat(s).isBetween(1, 60));
        });
        assertThat(a.running()).isEqualTo(1);
        first.close();
        first.close();   // closing twice hands the slot on once
        CompletableFuture.allOf(second, third).get(5, TimeUnit.SECONDS);
        assertThat(order).containsExactly("second", "third");   // first come, first served
        pool.shutdown();
        assertThat(a.running()).isZero();
        assertThat(a.waiting()).isZero();
    }

    @Test
    void waitingPastTheDeadlineIs504AndLeavesTheQueue() {
        Admission a = new Admission(1, 4);
        try (Admission.Slot s = a.enter(in(5), 1)) {
            assertThatThrownBy(() -> a.enter(in(0.05), 1)).isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(504));
            assertThat(a.waiting()).isZero();
        }
        assertThat(a.running()).isZero();
    }

    @Test
    void closedRefusesWith503AndWaitsForIdle() throws Exception {
        Admission a = new Admission(2, 4);
        Admission.Slot s = a.enter(in(5), 1);
        a.close();
        assertThatThrownBy(() -> a.enter(in(5), 7)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryAfterS()).contains(7);
        });
        assertThat(a.awaitIdle(TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        CompletableFuture.runAsync(s::close);
        assertThat(a.awaitIdle(TimeUnit.SECONDS.toNanos(5))).isTrue();
    }
}
