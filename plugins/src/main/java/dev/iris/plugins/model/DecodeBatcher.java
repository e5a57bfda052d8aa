package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.GraphSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes every running generation of one model together: one decode step runs the next token
 * of all of them as one batch, so the weights (read once per step, the cost of decoding on a
 * CPU) serve several sequences. A sequence joins after its prompt was prefilled and leaves when
 * it ends; its KV cache rows are right-aligned in the batch's cache, with the unused columns on
 * the left masked out. Sampling happens here too; each sequence's owner thread receives its
 * tokens through {@link ActiveSequence#take()} and turns them into text.
 *
 * <p>All model computation of the owning model (image encoding, prefill, decode steps) runs under
 * {@link #compute()}, a fair lock: on a small CPU, two ONNX Runtime runs at once only compete
 * for the same cores.
 */
final class DecodeBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeBatcher.class);

    /** Sequences decoded in one step at most; more wait for a row to free up. */
    static final int MAX_BATCH = 8;

    private final ReentrantLock compute;
    private final Object monitor = new Object();
    private final List<ActiveSequence> pending = new ArrayList<>();
    private final Map<GroupKey, Group> groups = new LinkedHashMap<>();
    private final int layers;
    private final Set<String> presents = new HashSet<>();   // outputs kept in ONNX Runtime
    private Thread thread;
    private boolean closed;
    private volatile int largestBatch;

    /**
     * @param layers  the decoder's layer count (one key and one value cache per layer)
     * @param compute the model's lock around every run (a fair one)
     */
    DecodeBatcher(int layers, ReentrantLock compute) {
        this.layers = layers;
        this.compute = compute;
        for (int l = 0; l < layers; l++) {
            presents.add("present_key." + l);
            presents.add("present_value." + l);
        }
    }

    /**
     * Hands a prefilled sequence to the decode thread; {@code prefill} holds its
     * {@code present_key.l}/{@code present_value.l} caches (batch 1).
     */
    void submit(ActiveSequence seq, Map<String, Tensor> prefill) {
        seq.attach(prefill, layers);
        synchronized (monitor) {
            if (closed) throw new IrisException("the model was closed");
            pending.add(seq);
            if (thread == null) {
                thread = new Thread(this::loop, "iris-decode");
                thread.setDaemon(true);
                thread.start();
            }
            monitor.notifyAll();
        }
    }

    /** The most rows one decode step has run so far. */
    int largestBatch() {
        return largestBatch;
    }

    /** Sequences decoding now (for tests and metrics). */
    int active() {
        synchronized (monitor) {
            return pending.size() + (int) groups.values().stream().flatMap(g -> g.rows.stream())
                    .filter(s -> !s.finished() && !s.cancelled()).count();
        }
    }

    private void loop() {
        while (true) {
            List<ActiveSequence> joining;
            synchronized (monitor) {
                while (!closed && pending.isEmpty() && groups.values().stream().allMatch(g -> g.rows.isEmpty())) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                if (closed) break;
                joining = new ArrayList<>();
                for (var it = pending.iterator(); it.hasNext(); ) {
                    ActiveSequence s = it.next();
                    Group g = groups.computeIfAbsent(GroupKey.of(s), Group::new);
                    if (g.rows.size() + g.joining(joining) < MAX_BATCH) {
                        joining.add(s);
                        it.remove();
                    }
                }
            }
            for (Group g : List.copyOf(groups.values())) {
                List<ActiveSequence> mine = joining.stream().filter(s -> GroupKey.of(s).equals(g.key)).toList();
                try {
                    g.update(mine);
                    if (!g.rows.isEmpty()) g.step();
                } catch (RuntimeException | Error e) {
                    LOG.warn("a decode step failed for {} sequences: {}", g.rows.size() + mine.size(), e.toString());
                    for (ActiveSequence s : g.rows) s.fail(e);
                    for (ActiveSequence s : mine) if (!g.rows.contains(s)) s.fail(e);
                    g.clear();
                }
            }
        }
        // closed: nothing more will run
        List<ActiveSequence> left = new ArrayList<>();
        synchronized (monitor) {
            left.addAll(pending);
            pending.clear();
            groups.values().forEach(g -> {
                left.addAll(g.rows);
                g.clear();
            });
            groups.clear();
        }
        IrisException gone = new IrisException("the model was closed while generating");
        left.forEach(s -> s.fail(gone));
    }

    /**
     * Sequences that can share a step: the same decoder session and, when it reads the image at
     * every step, image representations of one shape (as many images; stacked, they are one input).
     */
    private record GroupKey(GraphSession session, List<Long> imageShape) {
        static GroupKey of(ActiveSequence s) {
            return new GroupKey(s.session(), s.image() == null ? List.of() : Arrays.stream(s.image().shape()).boxed().toList());
        }
    }

    /**
     * The running sequences of one decoder session, and their caches [rows, kv heads, columns,
     * head dim]: between steps they stay in ONNX Runtime's memory; only when rows join or leave
     * are they copied out and laid out again.
     */
    private final class Group {
        final GroupKey key;
        final GraphSession session;
        volatile List<ActiveSequence> rows = List.of();   // replaced whole on join or leave: active() reads it from other threads
        Tensor[] keys, values;                              // in Java, after a re-layout
        GraphSession.Resident[] residentKeys, residentValues;   // in ONNX Runtime, after a step
        Tensor image;       // the rows' images stacked, for sessions with an image input
        Tensor imageRows;   // the image tokens each row's steps read, stacked, for sessions that read image rows
        int columns;        // cache length: the longest row's; shorter rows are padded on the left

        Group(GroupKey key) {
            this.key = key;
            this.session = key.session();
        }

        int joining(List<ActiveSequence> joining) {
            return (int) joining.stream().filter(s -> GroupKey.of(s).equals(key)).count();
        }

        /** Drops finished and cancelled rows, adds joining ones, and re-lays the caches when the rows changed. */
        void update(List<ActiveSequence> joining) {
            List<ActiveSequence> next = new ArrayList<>();
            for (ActiveSequence s : rows) if (!s.finished() && !s.cancelled()) next.add(s);
            for (ActiveSequence s : joining) if (!s.cancelled()) next.add(s);
            if (next.equals(rows)) return;
            for (ActiveSequence s : joining) if (s.cancelled()) s.detach();
            if (next.isEmpty()) {
                clear();
                return;
            }
            copyOut();
            int newColumns = next.stream().mapToInt(ActiveSequence::length).max().orElse(0);
            Tensor[] k = new Tensor[layers], v = new Tensor[layers];
            for (int l = 0; l < layers; l++) {
                k[l] = relayout(next, l, true, newColumns);
                v[l] = relayout(next, l, false, newColumns);
            }
            List<Tensor> images = new ArrayList<>(), imageRowList = new ArrayList<>();
            for (ActiveSequence s : next) if (s.image() != null) images.add(s.image());
            for (ActiveSequence s : next) if (s.imageRows() != null) imageRowList.add(s.imageRows());
            for (ActiveSequence s : joining) s.detach();
            rows = List.copyOf(next);
            keys = k;
            values = v;
            columns = newColumns;
            largestBatch = Math.max(largestBatch, next.size());
            image = images.size() == next.size() && !next.isEmpty() ? Tensor.concat(images) : null;   // [1, ...] each
            imageRows = imageRowList.size() == next.size() && !next.isEmpty() ? Tensor.concat(imageRowList) : null;
        }

        /** Brings resident caches into Java (before a re-layout). */
        private void copyOut() {
            if (residentKeys == null) return;
            keys = new Tensor[layers];
            values = new Tensor[layers];
            for (int l = 0; l < layers; l++) {
                keys[l] = residentKeys[l].copy();
                values[l] = residentValues[l].copy();
            }
            closeResident();
        }

        private void closeResident() {
            if (residentKeys == null) return;
            for (GraphSession.Resident r : residentKeys) r.close();
            for (GraphSession.Resident r : residentValues) r.close();
            residentKeys = residentValues = null;
        }

        /** A [rows, kv, columns, dim] cache with each row's valid columns right-aligned. */
        private Tensor relayout(List<ActiveSequence> next, int layer, boolean key, int newColumns) {
            if (next.isEmpty()) return null;
            long[] any = source(next.get(0), layer, key).shape();
            int heads = (int) any[1], dim = (int) any[3];
            float[] out = new float[next.size() * heads * newColumns * dim];
            for (int r = 0; r < next.size(); r++) {
                ActiveSequence s = next.get(r);
                Tensor src = source(s, layer, key);
                int srcRow = s.attachedCache() != null ? 0 : rows.indexOf(s);
                int srcColumns = (int) src.shape()[2], len = s.length();
                FloatBuffer in = src.data().asFloatBuffer();
                for (int h = 0; h < heads; h++) {
                    int from = ((srcRow * heads + h) * srcColumns + (srcColumns - len)) * dim;
                    int to = ((r * heads + h) * newColumns + (newColumns - len)) * dim;
                    in.get(from, out, to, len * dim);
                }
            }
            return Tensor.ofFloats(out, next.size(), heads, newColumns, dim);
        }

        private Tensor source(ActiveSequence s, int layer, boolean key) {
            Tensor[] attached = s.attachedCache();
            if (attached != null) return attached[2 * layer + (key ? 0 : 1)];
            return key ? keys[layer] : values[layer];
        }

        /** One decode step for every row: feeds, one run, then a sampled token per row. */
        void step() {
            int b = rows.size();
            long[] ids = new long[b], positions = new long[b], rowIndex = new long[b];
            float[] mask = new float[b * (columns + 1)];
            for (int r = 0; r < b; r++) {
                ActiveSequence s = rows.get(r);
                ids[r] = s.lastToken();
                positions[r] = s.length();
                rowIndex[r] = r;
                Arrays.fill(mask, r * (columns + 1), r * (columns + 1) + columns - s.length(), Float.NEGATIVE_INFINITY);
            }
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            feeds.put(VisionLanguageModel.IDS, Tensor.ofLongs(ids, b, 1));
            feeds.put(VisionLanguageModel.POSITIONS, Tensor.ofLongs(positions, b, 1));
            feeds.put(VisionLanguageModel.MASK, Tensor.ofFloats(mask, b, 1, 1, columns + 1));
            feeds.put(VisionLanguageModel.ROWS, Tensor.ofLongs(rowIndex, b));
            List<String> inputs = session.graph().feeds();
            // the splice index points each row at its own text row of the flattened [rows, hidden] table
            if (inputs.contains(VisionLanguageModel.SPLICE)) feeds.put(VisionLanguageModel.SPLICE, Tensor.ofLongs(rowIndex, b, 1));
            if (inputs.contains(VisionLanguageModel.IMAGE)) {
                if (image == null) throw new IllegalStateException("a decode session with an image input got rows without images");
                feeds.put(VisionLanguageModel.IMAGE, image);
            }
            if (inputs.contains(ImageRows.INPUT)) {
                if (imageRows == null) throw new IllegalStateException("a decode session that reads image rows got rows without them");
                feeds.put(ImageRows.INPUT, imageRows);
            }
            Map<String, GraphSession.Resident> pasts = new LinkedHashMap<>();
            for (int l = 0; l < layers; l++) {
                if (residentKeys != null) {
                    pasts.put("past_key." + l, residentKeys[l]);
                    pasts.put("past_value." + l, residentValues[l]);
                } else {
                    feeds.put("past_key." + l, keys[l]);
                    feeds.put("past_value." + l, values[l]);
                }
            }
            GraphSession.Outputs out;
            long t0;
            compute.lock();
            try {
                synchronized (monitor) {
                    if (closed) throw new IrisException("the model was closed while generating");   // the sessions may be freed next
                }
                t0 = System.nanoTime();
                out = session.run(feeds, pasts, session.graph().outputs(), presents);
            } finally {
                compute.unlock();
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            closeResident();
            keys = values = null;
            residentKeys = new GraphSession.Resident[layers];
            residentValues = new GraphSession.Resident[layers];
            for (int l = 0; l < layers; l++) {
                residentKeys[l] = out.resident().get("present_key." + l);
                residentValues[l] = out.resident().get("present_value." + l);
            }
            columns++;
            Tensor logits = out.copied().get(VisionLanguageModel.LOGITS);
            FloatBuffer all = logits.data().asFloatBuffer();
            int vocab = (int) logits.shape()[1];
            for (int r = 0; r < b; r++) rows.get(r).advance(all, r * vocab, vocab, ms);
        }

        void clear() {
            rows = List.of();
            closeResident();
            keys = values = null;
            image = imageRows = null;
            columns = 0;
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (monitor) {
            closed = true;
            monitor.notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
