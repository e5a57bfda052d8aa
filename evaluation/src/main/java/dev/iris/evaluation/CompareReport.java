package dev.iris.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iris.api.IrisException;
import dev.iris.training.LossChart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The figures of a {@link Compare} as rows (one list drives both the JSON and the Markdown, so the
 * two cannot disagree), the "what this means" paragraph, and the atomic writing of the three files.
 */
public final class CompareReport {
    /**
     * One figure: its JSON key, its label in the table, how to get it (null when unavailable) and how
     * to show it.
     */
    public record Row(String key, String label, Function<Compare.Side, Object> value, Function<Object, String> format) {
        public String cell(Compare.Side s) {
            Object v = value.apply(s);
            return v == null ? "n/a" : format.apply(v);
        }
    }

    private static final Function<Object, String> TEXT = String::valueOf;
    private static final Function<Object, String> INT = v -> String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
    private static final Function<Object, String> YES_NO = v -> (Boolean) v ? "yes" : "no";
    private static final Function<Object, String> PCT = v -> String.format(Locale.ROOT, "%.1f%%", 100 * ((Number) v).doubleValue());

    private static Function<Object, String> fixed(int digits) {
        return v -> String.format(Locale.ROOT, "%." + digits + "f", ((Number) v).doubleValue());
    }

    /** Every figure of a side, in table order. */
    public static final List<Row> ROWS = List.of(
            new Row("fusion_type", "fusion type", Compare.Side::fusionType, TEXT),
            new Row("fusion_settings", "fusion settings", Compare.Side::fusionSettings, TEXT),
            new Row("trained_here", "trained in this run", Compare.Side::trainedHere, v -> (Boolean) v ? "yes" : "no (checkpoint loaded)"),
            new Row("image_tokens", "tokens each image adds to the context", Compare.Side::imageTokens, INT),
            new Row("prompt_tokens_with_image", "prompt length with an image (tokens)", Compare.Side::promptTokensWithImage, INT),
            new Row("trainable_params", "trainable parameters", Compare.Side::trainableParameters, INT),
            new Row("train_steps", "training steps", s -> s.trainSteps().orElse(null), INT),
            new Row("train_samples_per_s", "training samples/s", s -> s.trainSamplesPerSecond().orElse(null), fixed(1)),
            new Row("train_seconds", "training time (s)", s -> s.trainSeconds().orElse(null), fixed(1)),
            new Row("final_train_loss", "final training loss", s -> finite(s.finalTrainLoss().orElse(Double.NaN)), fixed(4)),
            new Row("heldout_examples", "held-out examples evaluated", Compare.Side::heldOutExamples, INT),
            new Row("heldout_loss", "held-out loss", s -> finite(s.heldOutLoss()), fixed(4)),
            new Row("heldout_perplexity", "held-out perplexity", s -> finite(s.perplexity()), fixed(3)),
            new Row("bleu4", "BLEU-4", s -> finite(s.bleu4()), fixed(3)),
            new Row("rouge_l", "ROUGE-L", s -> finite(s.rougeL()), fixed(3)),
            new Row("cider_d", "CIDEr-D", s -> finite(s.ciderD()), fixed(3)),
            new Row("heldout_skipped", "held-out rows skipped", s -> s.heldOutSkipped().count(), INT),
            new Row("image_encode_ms", "image encoding (ms, median)", s -> finite(s.imageEncodeMs()), fixed(2)),
            new Row("prefill_ms", "prefill with an image (ms, median)", s -> finite(s.prefillMs()), fixed(2)),
            new Row("decode_ms_per_token", "decode (ms per token, median)", s -> finite(s.decodeMsPerToken()), fixed(2)),
            new Row("peak_rss_mb", "process peak RSS after this side (MB)", s -> s.peakRssMb().orElse(null), fixed(0)),
            new Row("rss_mb", "process RSS after this side (MB)", s -> s.rssMb().orElse(null), fixed(0)),
            new Row("heap_used_mb", "Java heap in use after this side (MB)", s -> finite(s.heapUsedMb()), fixed(0)),
            new Row("text_only_equals_base", "text-only prompts give exactly the base LLM's output", Compare.Side::textOnlyEqualsBase, YES_NO));

    /** Where the dataset's own metrics go in the table: after the general caption metrics. */
    private static final String TASK_ROWS_AFTER = "cider_d";

    private CompareReport() {}

    /**
     * The rows of a comparison: {@link #ROWS} and one for each task metric the held-out dataset
     * declared (labelled by the dataset; "n/a" on a side where it judged nothing).
     */
    public static List<Row> rows(Compare.Side a, Compare.Side b) {
        Map<String, String> tasks = new LinkedHashMap<>();
        for (Compare.Side s : List.of(a, b)) for (Evaluator.TaskScore t : s.taskScores()) tasks.putIfAbsent(t.key(), t.label());
        List<Row> out = new ArrayList<>();
        for (Row r : ROWS) {
            out.add(r);
            if (!r.key().equals(TASK_ROWS_AFTER)) continue;
            tasks.forEach((key, label) -> out.add(new Row(key, label, s -> task(s, key).map(Evaluator.TaskScore::value).orElse(null), PCT)));
        }
        return out;
    }

    private static Optional<Evaluator.TaskScore> task(Compare.Side s, String key) {
        return s.taskScores().stream().filter(t -> t.key().equals(key)).findFirst();
    }

    /** NaN and infinities are "not available": JSON has no number for them. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    // ------------------------------------------------------------------ text

    public static String table(Compare.Side a, Compare.Side b) {
        return table(a, b, a.fusionType(), b.fusionType());
    }

    /** The table with each side's column named by {@code labelA} and {@code labelB} (the parts that differ). */
    public static String table(Compare.Side a, Compare.Side b, String labelA, String labelB) {
        StringBuilder t = new StringBuilder();
        t.append("| figure | A (").append(labelA).append(") | B (").append(labelB).append(") |\n");
        t.append("|---|---:|---:|\n");
        for (Row r : rows(a, b)) t.append("| ").append(r.label()).append(" | ").append(r.cell(a)).append(" | ").append(r.cell(b)).append(" |\n");
        return t.toString();
    }

    /** A few sentences read off the figures: context cost, accuracy, speed, size, text-only behaviour. */
    public static String meaning(Compare.Side a, Compare.Side b) {
        List<String> s = new ArrayList<>();
        if (a.imageTokens() == b.imageTokens()) {
            s.add("Both add " + a.imageTokens() + " tokens per image to the context.");
        } else {
            Compare.Side none = a.imageTokens() == 0 ? a : b.imageTokens() == 0 ? b : null;
            if (none != null) {
                Compare.Side other = none == a ? b : a;
                // how the image gets in without tokens is what the fusion declared, not read off the count
                String how = none.readsImageEveryStep() ? " (it reads the image from inside the decoder layers)" : "";
                s.add(String.format(Locale.ROOT, "%s adds no tokens to the context%s, while %s adds %d "
                                + "per image, so %s's prompts with an image are %d tokens long against %d.",
                        none.name(), how, other.name(), other.imageTokens(), other.name(),
                        other.promptTokensWithImage(), none.promptTokensWithImage()));
            } else {
                s.add(String.format(Locale.ROOT, "A adds %d and B %d tokens per image to the context.", a.imageTokens(), b.imageTokens()));
            }
        }
        for (Compare.Side side : List.of(a, b)) {
            if (side.imageTokens() > 0 && side.readsImageEveryStep()) {
                s.add(side.name() + " also reads the image inside the decoder layers at every step, besides its tokens in the prompt.");
            }
        }
        s.add(accuracy(a, b));
        s.add(faster(a, b, a.decodeMsPerToken(), b.decodeMsPerToken(), "decodes faster", "decode at about the same speed",
                "ms per token, median"));
        s.add(faster(a, b, a.prefillMs(), b.prefillMs(), "prefills a prompt with an image faster", "prefill a prompt with an image in about the same time",
                "ms, median"));
        if (a.trainableParameters() == b.trainableParameters()) {
            s.add(String.format(Locale.ROOT, "Both train %,d parameters.", a.trainableParameters()));
        } else {
            Compare.Side fewer = a.trainableParameters() < b.trainableParameters() ? a : b, more = fewer == a ? b : a;
            s.add(String.format(Locale.ROOT, "%s trains fewer parameters (%,d against %,d).", fewer.name(), fewer.trainableParameters(),
                    more.trainableParameters()));
        }
        if (a.trainSamplesPerSecond().isPresent() && b.trainSamplesPerSecond().isPresent()) {
            double x = a.trainSamplesPerSecond().get(), y = b.trainSamplesPerSecond().get();
            s.add(within(x, y, 0.05) ? String.format(Locale.ROOT, "Both trained at about the same speed (%.1f and %.1f samples/s).", x, y)
                    : String.format(Locale.ROOT, "%s trained faster (%.1f against %.1f samples/s).", x > y ? "A" : "B", Math.max(x, y), Math.min(x, y)));
        }
        if (a.textOnlyEqualsBase() && b.textOnlyEqualsBase()) {
            s.add("With both, text-only prompts give exactly the base LLM's output.");
        } else if (a.textOnlyEqualsBase() || b.textOnlyEqualsBase()) {
            Compare.Side bad = a.textOnlyEqualsBase() ? b : a;
            s.add("With " + bad.name() + ", text-only prompts do not give exactly the base LLM's output: its fusion changes answers that have no image.");
        } else {
            s.add("With neither, text-only prompts give exactly the base LLM's output: both fusions change answers that have no image.");
        }
        return String.join(" ", s.stream().filter(x -> !x.isEmpty()).toList());
    }

    /** The dataset's first task metric when both sides have it, else the general caption metrics. */
    private static String accuracy(Compare.Side a, Compare.Side b) {
        Optional<Evaluator.TaskScore> ta = a.taskScores().stream().findFirst(), tb = ta.flatMap(t -> task(b, t.key()));
        if (ta.isPresent() && tb.isPresent()) {
            String label = ta.get().label();
            double x = ta.get().value(), y = tb.get().value();
            // two standard errors of the difference of two proportions: below that, the split is too small to tell
            double noise = 2 * Math.sqrt(x * (1 - x) / a.heldOutExamples() + y * (1 - y) / b.heldOutExamples());
            noise = Math.max(noise, 1.0 / Math.min(a.heldOutExamples(), b.heldOutExamples()));
            String figures = String.format(Locale.ROOT, "%.1f%% against %.1f%%, %s", 100 * Math.max(x, y), 100 * Math.min(x, y), label);
            if (x == y) return String.format(Locale.ROOT, "Both were equally accurate (%.1f%%, %s).", 100 * x, label);
            String better = x > y ? "A" : "B";
            if (Math.abs(x - y) <= noise) {
                return String.format(Locale.ROOT, "%s was slightly more accurate (%s), but with %d held-out images that difference is within the noise.",
                        better, figures, Math.min(a.heldOutExamples(), b.heldOutExamples()));
            }
            return better + " was more accurate (" + figures + ")" + lossClause(a, b, better) + ".";
        }
        // CIDEr-D weighs the words that tell captions apart; ROUGE-L is the tie-breaker when CIDEr-D is 0 on both sides
        boolean useCider = (a.ciderD() > 0 || b.ciderD() > 0) && Double.isFinite(a.ciderD()) && Double.isFinite(b.ciderD());
        double x = useCider ? a.ciderD() : a.rougeL(), y = useCider ? b.ciderD() : b.rougeL();
        String metric = useCider ? "CIDEr-D" : "ROUGE-L";
        if (within(x, y, 0.02)) {
            return String.format(Locale.ROOT, "Their captions match the references about equally well (CIDEr-D %.3f and %.3f, ROUGE-L %.3f and %.3f, "
                    + "BLEU-4 %.3f and %.3f).", a.ciderD(), b.ciderD(), a.rougeL(), b.rougeL(), a.bleu4(), b.bleu4());
        }
        String better = x > y ? "A" : "B";
        return String.format(Locale.ROOT, "%s's captions match the references better (%s %.3f against %.3f)", better, metric, Math.max(x, y), Math.min(x, y))
                + lossClause(a, b, better) + ".";
    }

    private static String lossClause(Compare.Side a, Compare.Side b, String better) {
        double x = a.heldOutLoss(), y = b.heldOutLoss();
        if (!Double.isFinite(x) || !Double.isFinite(y) || x == y) return "";
        String lower = x < y ? "A" : "B";
        return String.format(Locale.ROOT, "%s held-out loss %.4f against %.4f", lower.equals(better) ? ", with a lower" : ", though " + lower + " has the lower",
                Math.min(x, y), Math.max(x, y));
    }

    private static String faster(Compare.Side a, Compare.Side b, double x, double y, String verb, String same, String unit) {
        if (!Double.isFinite(x) || !Double.isFinite(y)) return "";
        // timings of one process on a shared machine wobble by several percent, and below 0.05 ms by the
        // scheduler's whims (tiny models): closer than either is a tie
        if (within(x, y, 0.10) || Math.abs(x - y) < 0.05) return String.format(Locale.ROOT, "Both %s (%.2f and %.2f %s).", same, x, y, unit);
        return String.format(Locale.ROOT, "%s %s (%.2f against %.2f %s).", x < y ? "A" : "B", verb, Math.min(x, y), Math.max(x, y), unit);
    }

    /** Relative difference at most {@code tolerance} of the larger. */
    private static boolean within(double x, double y, double tolerance) {
        return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
    }

    /** What a reader needs to know to read the figures right. */
    static List<String> notes(Compare.Side a, Compare.Side b, List<String> bOverridden, List<String> unshared) {
        List<String> n = new ArrayList<>();
        if (!bOverridden.isEmpty()) n.add("B's config differed in settings both sides share, so B used A's: " + String.join("; ", bOverridden) + ".");
        if (!unshared.isEmpty()) n.add("Each side kept its own " + String.join(", ", unshared) + ".");
        for (Compare.Side s : List.of(a, b)) {
            if (!s.trainedHere()) {
                n.add(s.name() + " was not trained in this run: its checkpoint " + s.checkpoint() + " was loaded, so its training figures "
                        + "come from that run's metrics (where found) and its data, seed and budget are that run's.");
            }
        }
        n.add("Both sides ran in one process, one after the other: the peak RSS is the process's high-water mark (VmHWM) after that side, "
                + "so B's figure includes A's peak; the Java heap is what was reachable after that side (models are native memory, "
                + "mostly outside the heap).");
        n.add("Timings: medians over " + SideMeasurement.TIMED_IMAGES + " held-out images after " + SideMeasurement.WARMUP_GENERATIONS
                + " warm-up generations, greedy, at most " + SideMeasurement.TIMED_NEW_TOKENS + " new tokens. Timings and training samples/s "
                + "come from one run on this machine and move with its load.");
        n.add("\"Base LLM's output\": " + SideMeasurement.TEXT_ONLY_PROMPTS.size() + " text-only prompts generated greedily by the trained model and by the "
                + "same config without the fusion's trained weights, compared id for id.");
        return n;
    }

    // ------------------------------------------------------------------ files

    static Compare.Result write(Path out, Compare.Options options, Compare.Side a, Compare.Side b, Map<String, Object> shared,
                                List<String> bOverridden, List<String> notes, PartDifferences parts) {
        String table = table(a, b, parts.labelA(), parts.labelB());
        Path json = out.resolve(Compare.JSON_FILE), md = out.resolve(Compare.MARKDOWN_FILE), png = out.resolve(Compare.CHART_FILE);
        List<Path> temps = new ArrayList<>();
        try {
            Files.createDirectories(out);
            // all three are written aside first and renamed at the end, so an error never leaves a half-written file
            // nor a new compare.json beside an old compare.md
            Path pngTmp = temp(png, temps), jsonTmp = temp(json, temps), mdTmp = temp(md, temps);
            Map<String, List<double[]>> curves = new LinkedHashMap<>();
            curves.put("A (" + parts.labelA() + ")", a.lossCurve());
            curves.put("B (" + parts.labelB() + ")", b.lossCurve());
            LossChart.write(pngTmp, "Training loss: A (" + parts.labelA() + ") vs B (" + parts.labelB() + ")", curves);
            Files.writeString(jsonTmp, json(options, a, b, shared, bOverridden, notes, parts), StandardCharsets.UTF_8);
            Files.writeString(mdTmp, markdown(options, a, b, shared, table, notes, parts), StandardCharsets.UTF_8);
            move(pngTmp, png);
            move(jsonTmp, json);
            move(mdTmp, md);
        } catch (IOException e) {
            throw new IrisException("cannot write the comparison into " + out + ": " + e.getMessage(), e);
        } finally {
            for (Path t : temps) {
                try {
                    Files.deleteIfExists(t);
                } catch (IOException ignored) {
                    // a stray temporary file is harmless; the error that brought us here matters more
                }
            }
        }
        return new Compare.Result(out, a, b, shared, bOverridden, notes, table, json, md, png, parts);
    }

    /**
     * What was done before a side failed: the finished side's figures (A's, when B failed) and the
     * checkpoints trained so far, written atomically to {@link Compare#PARTIAL_FILE}.
     */
    static Path writePartial(Path out, Compare.Options options, Compare.Side doneA, Path checkpointA, Path checkpointB, String failedSide,
                             String failedStage, String error) {
        Path file = out.resolve(Compare.PARTIAL_FILE);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("complete", false);
        m.put("failed_side", failedSide);
        m.put("failed_while", failedStage);
        m.put("error", error);
        m.put("config_a", options.configA().toString());
        m.put("config_b", options.configB().toString());
        Map<String, Object> checkpoints = new LinkedHashMap<>();
        if (checkpointA != null) checkpoints.put("a", checkpointA.toString());
        if (checkpointB != null) checkpoints.put("b", checkpointB.toString());
        m.put("checkpoints", checkpoints);
        if (doneA != null) {
            Map<String, Object> a = side(doneA, rows(doneA, doneA));
            a.put("loss_curve", doneA.lossCurve());
            m.put("a", a);
        }
        List<Path> temps = new ArrayList<>();
        try {
            Files.createDirectories(out);
            Path tmp = temp(file, temps);
            Files.writeString(tmp, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n", StandardCharsets.UTF_8);
            move(tmp, file);
            return file;
        } catch (IOException e) {
            throw new IrisException("cannot save what the comparison had done into " + file + ": " + e.getMessage(), e);
        } finally {
            for (Path t : temps) {
                try {
                    Files.deleteIfExists(t);
                } catch (IOException ignored) {
                    // the error that brought us here matters more
                }
            }
        }
    }

    /** A completed comparison replaces what an earlier failed one saved. */
    static void deletePartial(Path out) {
        try {
            Files.deleteIfExists(out.resolve(Compare.PARTIAL_FILE));
        } catch (IOException e) {
            throw new IrisException("cannot remove the stale " + out.resolve(Compare.PARTIAL_FILE) + ": " + e.getMessage(), e);
        }
    }

    private static Path temp(Path target, List<Path> temps) {
        Path t = target.resolveSibling("." + target.getFileName() + ".tmp");
        temps.add(t);
        return t;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String json(Compare.Options options, Compare.Side a, Compare.Side b, Map<String, Object> shared, List<String> bOverridden,
                       List<String> notes, PartDifferences parts) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config_a", options.configA().toString());
        m.put("config_b", options.configB().toString());
        m.put("parts_differ", parts.parts());
        m.put("part_differences", parts.byPart());
        m.put("label_a", parts.labelA());
        m.put("label_b", parts.labelB());
        m.put("fusion_a", a.fusionType());
        m.put("fusion_b", b.fusionType());
        m.put("shared", shared);
        m.put("b_overridden", bOverridden);
        m.put("overrides", options.overrides());
        m.put("limit", options.limit());
        m.put("timing", Map.of("warmup_generations", SideMeasurement.WARMUP_GENERATIONS, "images", SideMeasurement.TIMED_IMAGES,
                "max_new_tokens", SideMeasurement.TIMED_NEW_TOKENS, "greedy", true));
        m.put("text_only_prompts", SideMeasurement.TEXT_ONLY_PROMPTS);
        List<Row> rows = rows(a, b);
        m.put("a", side(a, rows));
        m.put("b", side(b, rows));
        m.put("meaning", meaning(a, b));
        m.put("notes", notes);
        m.put("loss_curves", Compare.CHART_FILE);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    }

    private static Map<String, Object> side(Compare.Side s, List<Row> rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", s.config().toString());
        m.put("checkpoint", s.checkpoint().toString());
        for (Row r : rows) m.put(r.key(), r.value().apply(s));
        if (s.heldOutSkipped().count() > 0) {
            m.put("heldout_skipped_by_reason", s.heldOutSkipped().byReason());
            m.put("heldout_skipped_first_ids", s.heldOutSkipped().firstIds());
        }
        return m;
    }

    static String markdown(Compare.Options options, Compare.Side a, Compare.Side b, Map<String, Object> shared, String table,
                           List<String> notes, PartDifferences parts) {
        StringBuilder md = new StringBuilder();
        md.append("# Comparison: A (").append(parts.labelA()).append(") vs B (").append(parts.labelB()).append(")\n\n");
        md.append("- A: `").append(options.configA()).append("`, checkpoint `").append(a.checkpoint()).append("`\n");
        md.append("- B: `").append(options.configB()).append("`, checkpoint `").append(b.checkpoint()).append("`\n");
        if (parts.byPart().isEmpty()) {
            md.append("- parts that differ: none (the same encoder, language model and fusion)\n");
        } else {
            parts.byPart().forEach((part, lines) -> md.append("- ").append(part).append(" differs: ").append(String.join("; ", lines)).append('\n'));
        }
        md.append("- shared: ");
        List<String> sharedValues = new ArrayList<>();
        shared.forEach((k, v) -> sharedValues.add("`" + k + "` = " + (v instanceof Map<?, ?> m ? describe(m) : String.valueOf(v))));
        md.append(String.join(", ", sharedValues)).append("\n\n");
        md.append(table).append('\n');
        md.append("## What this means\n\n").append(meaning(a, b)).append("\n\n");
        md.append("## Notes\n\n");
        for (String n : notes) md.append("- ").append(n).append('\n');
        md.append("\n![Training loss of A and B](").append(Compare.CHART_FILE).append(")\n");
        return md.toString();
    }

    private static String describe(Map<?, ?> m) {
        List<String> kv = new ArrayList<>();
        m.forEach((k, v) -> kv.add(k + ": " + v));
        return "{" + String.join(", ", kv) + "}";
    }
}
