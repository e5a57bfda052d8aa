package dev.iris.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rows a run could not use, each row of the first pass once with its reason: rows the dataset dropped (missing
 * image, empty caption) and samples dropped here (undecodable image, prompt too long). Counted
 * by reason, the first ids kept for messages, and every row appended to a JSON-lines file
 * ({@code {"id": ..., "reason": ...}}) so the user can find and fix the data. A later epoch
 * meets the same rows again: they are not listed twice. Training and evaluation share it.
 */
public final class SampleSkips implements AutoCloseable {
    /** The list in a run folder. */
    public static final String FILE = "skipped.jsonl";
    /** Ids shown in a message; the file has them all. */
    static final int SHOWN_IDS = 5;
    /** Reasons shown in a message (a decoder's reasons may name sizes, so they can be many). */
    static final int SHOWN_REASONS = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private BufferedWriter out;   // opened at the first skip: a run that skips nothing leaves no file
    // rows listed by the interrupted part of a resumed run, each (id, reason) as often as it was listed
    private final Map<String, Integer> listedBefore = new HashMap<>();
    // later passes meet the same rows again: only the first pass lists them (ids may repeat within a pass)
    private boolean firstPassDone;
    private final Tally rows = new Tally(), samples = new Tally();

    private SampleSkips(Path file) {
        this.file = file;
    }

    /** Counts only (nothing written). */
    public static SampleSkips inMemory() {
        return new SampleSkips(null);
    }

    /**
     * Writes to {@code file}: a fresh list, or, when {@code resume}, the list an earlier part of
     * the same run wrote, whose rows count as already seen.
     */
    public static SampleSkips writingTo(Path file, boolean resume) {
        try {
            SampleSkips s = new SampleSkips(file);
            if (resume && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    JsonNode n = JSON.readTree(line);
                    if (n.hasNonNull("id")) s.listedBefore.merge(key(n.get("id").asText(), n.path("reason").asText()), 1, Integer::sum);
                }
            } else {
                Files.deleteIfExists(file);   // an earlier run's list in the same folder is not this run's
            }
            return s;
        } catch (IOException e) {
            throw new IrisException("cannot write the list of skipped rows " + file + ": " + e.getMessage(), e);
        }
    }

    /** Records rows the dataset itself skipped. */
    public void datasetSkipped(List<Dataset.Skipped> skipped) {
        for (Dataset.Skipped s : skipped) record(rows, s.id(), s.reason());
    }

    /** Records an example that could not become a sample; false when it was already listed. */
    public boolean sampleSkipped(String id, String reason) {
        return record(samples, id, reason);
    }

    /** The first pass over the data has ended: rows met again later are not listed twice. */
    public synchronized void passEnded() {
        firstPassDone = true;
    }

    private static String key(String id, String reason) {
        return id + '\n' + reason;
    }

    private synchronized boolean record(Tally tally, String id, String reason) {
        if (firstPassDone) return false;
        Integer before = listedBefore.get(key(id, reason));
        if (before != null) {   // read again after the resume point: listed already
            if (before == 1) listedBefore.remove(key(id, reason));
            else listedBefore.put(key(id, reason), before - 1);
            return false;
        }
        tally.add(id, reason);
        if (file != null) {
            Map<String, String> line = new LinkedHashMap<>();
            line.put("id", id);
            line.put("reason", reason);
            try {
                if (out == null) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
                out.write(JSON.writeValueAsString(line));
                out.write('\n');
                out.flush();   // a run that dies later still leaves the list of what it skipped
            } catch (IOException e) {
                throw new IrisException("cannot write the list of skipped rows " + file + ": " + e.getMessage(), e);
            }
        }
        return true;
    }

    /** The list's file, when something was written to it. */
    public synchronized Optional<Path> file() {
        return out == null && (file == null || !Files.exists(file)) ? Optional.empty() : Optional.of(file);
    }

    /** Rows listed in this run, of both kinds. */
    public synchronized long count() {
        return rows.count + samples.count;
    }

    /** Rows the dataset skipped, as the dataset SPI reports them (each id once). */
    public synchronized Dataset.Skips datasetSkips() {
        return rows.snapshot();
    }

    /** Examples dropped before training or evaluation, by reason (each id once). */
    public synchronized Map<String, Long> sampleSkips() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(samples.byReason));
    }

    /** Both kinds together. */
    public synchronized Dataset.Skips all() {
        Tally t = new Tally();
        t.merge(rows);
        t.merge(samples);
        return t.snapshot();
    }

    /** "12 rows skipped (undecodable image: WebP is not supported: 10, empty caption: 2), first ids: a, b; all in FILE". */
    public synchronized String summary() {
        Dataset.Skips s = all();
        if (s.count() == 0) return "no rows skipped";
        List<String> reasons = new ArrayList<>();
        s.byReason().forEach((r, n) -> {
            if (reasons.size() < SHOWN_REASONS) reasons.add(r + ": " + n);
        });
        if (s.byReason().size() > SHOWN_REASONS) reasons.add((s.byReason().size() - SHOWN_REASONS) + " more reasons");
        return s.count() + (s.count() == 1 ? " row" : " rows") + " skipped (" + String.join(", ", reasons) + "), first ids: "
                + String.join(", ", s.firstIds()) + file().map(f -> "; all listed in " + f).orElse("");
    }

    @Override
    public synchronized void close() {
        if (out == null) return;
        try {
            out.close();
        } catch (IOException e) {
            throw new IrisException("cannot write the list of skipped rows " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The reason a row is counted under: its head without the details that differ from row to row
     * ("undecodable image: damaged or truncated JPEG: Premature end..." counts as "undecodable image:
     * damaged or truncated JPEG"; "(64 bytes starting 52494646...)" is dropped). The list file keeps
     * the whole reason.
     */
    static String group(String reason) {
        int head = reason.indexOf(": ");
        int from = head < 0 ? 0 : head + 2;
        int end = reason.length();
        int detail = reason.indexOf(": ", from);
        if (detail >= 0) end = detail;
        int paren = reason.indexOf(" (", from);
        if (paren >= 0 && paren < end) end = paren;
        return reason.substring(0, end);
    }

    /** Counts by reason (in the order first met) and the first ids. */
    private static final class Tally {
        long count;
        final List<String> firstIds = new ArrayList<>();
        final Map<String, Long> byReason = new LinkedHashMap<>();

        void add(String id, String reason) {
            count++;
            if (firstIds.size() < SHOWN_IDS) firstIds.add(id);
            byReason.merge(group(reason), 1L, Long::sum);
        }

        void merge(Tally o) {
            count += o.count;
            for (String id : o.firstIds) if (firstIds.size() < SHOWN_IDS) firstIds.add(id);
            o.byReason.forEach((r, n) -> byReason.merge(r, n, Long::sum));
        }

        Dataset.Skips snapshot() {
            return count == 0 ? Dataset.Skips.NONE
                    : new Dataset.Skips(count, List.copyOf(firstIds), Collections.unmodifiableMap(new LinkedHashMap<>(byReason)));
        }
    }
}
