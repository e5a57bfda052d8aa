package dev.iris.runtime.weights;

import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightNaming;
import dev.iris.api.weights.WeightSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.Arrays;

/**
 * Checks a checkpoint given for one part of a model against the names that part's graph binds,
 * so a wrong file is an error at load rather than a part that quietly starts from its initialiser.
 * Errors name the file, the missing (or unknown) tensors, the names the file holds, and a hint
 * when the file looks like another part's or another naming's.
 */
public final class PartCheckpoint {
    /** How many names a message lists before "and N more". */
    static final int SHOWN = 6;

    private PartCheckpoint() {}

    /**
     * The part's view of a file that must hold every tensor the part needs: under the part's own
     * names or one of its {@link WeightNaming}s, each under any common prefix (a whole-model
     * training checkpoint holds the part's tensors under, say, {@code projector.}). Exactly one
     * (naming, prefix) must hold them all.
     *
     * @param exclusive the file must hold nothing else under that prefix (a file Iris wrote for this part)
     * @param others    the model's other parts, to recognise a file meant for one of them
     */
    public static WeightSource resolve(WeightSource file, PartNeeds needs, boolean exclusive, List<PartNeeds> others) {
        if (needs.names().isEmpty()) return file;   // nothing to bind
        List<Candidate> candidates = candidates(file, needs);
        List<Candidate> full = candidates.stream().filter(c -> c.found.size() == needs.names().size()).toList();
        if (full.size() > 1) {
            throw new WeightException(file.describe() + " (" + needs.option() + "): the " + needs.part() + "'s tensors are in it "
                    + full.size() + " times: " + String.join("; ", full.stream().map(Candidate::where).toList())
                    + "; keep one set in the file");
        }
        if (full.isEmpty()) throw missing(file, needs, candidates, others);
        Candidate c = full.get(0);
        if (exclusive) {
            List<String> extra = new ArrayList<>();
            Set<String> used = Set.copyOf(c.found.values());
            for (String n : file.names()) if (n.startsWith(c.prefix) && !used.contains(n)) extra.add(n);
            if (!extra.isEmpty()) {
                throw new WeightException(file.describe() + " (" + needs.option() + "): holds " + extra.size() + " tensor(s) the "
                        + needs.part() + " does not use: " + few(extra) + "; it was written for a " + needs.part()
                        + " configured differently (compare its run's config with this one)" + otherPartHint(extra, others));
            }
        }
        if (c.naming == null && c.prefix.isEmpty()) return file;
        return new RenamedSource(file, c.found, c.note());
    }

    /**
     * Checks a file of trained tensors laid over the part's own checkpoint (a language model
     * trained by {@code iris train}): every tensor in it must be one the part binds, under the
     * part's own names; it must hold at least one; and when {@code completeBecause} is given (why
     * the file must hold every tensor of the part), it must hold them all.
     */
    public static void checkOverlay(WeightSource top, PartNeeds needs, String completeBecause, List<PartNeeds> others) {
        String where = top.describe() + " (" + needs.option() + ")";
        if (top.names().isEmpty()) throw new WeightException(where + ": holds no tensors");
        List<String> unknown = top.names().stream().filter(n -> !needs.names().contains(n)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new WeightException(where + ": holds " + unknown.size() + " of its " + top.names().size()
                    + " tensors under names the " + needs.part() + " does not bind: " + few(unknown) + "; the " + needs.part()
                    + " binds " + needs.names().size() + " tensors such as " + few(needs.names()) + otherPartHint(top.names(), others));
        }
        if (completeBecause != null) {
            List<String> missing = needs.names().stream().filter(n -> !top.names().contains(n)).sorted().toList();
            if (!missing.isEmpty()) {
                throw new WeightException(where + ": " + completeBecause + ", so it must hold every tensor of the " + needs.part()
                        + ", but " + missing.size() + " of " + needs.names().size() + " are missing: " + few(missing)
                        + "; the file holds " + top.names().size() + " tensors: " + few(top.names()));
            }
        }
    }

    /**
     * Checks, without reading data, that every tensor {@code src} holds for the part has the
     * shape the part's graph declares, so a file of another model size fails at load rather than
     * at the first request that binds it.
     */
    public static void checkShapes(WeightSource src, Map<String, long[]> shapes) {
        shapes.forEach((name, shape) -> src.info(name).ifPresent(info -> {
            if (!Arrays.equals(info.shape(), shape)) {
                throw new WeightException("weight " + name + " in " + src.origin(name) + " has shape " + Arrays.toString(info.shape())
                        + ", the model expects " + Arrays.toString(shape));
            }
        }));
    }

    /** One way the file could hold the part: a naming (null: the part's own) under a prefix. */
    private record Candidate(WeightNaming naming, String prefix, Map<String, String> found) {
        String where() {
            String in = naming == null ? "its own names" : "the " + naming.description() + " naming";
            return prefix.isEmpty() ? in : in + " under '" + prefix + "'";
        }

        /** How the part's view describes itself, e.g. "tensors under projector." */
        String note() {
            String in = naming == null ? "" : "in the " + naming.description() + " naming";
            return prefix.isEmpty() ? in : "tensors under " + prefix + (in.isEmpty() ? "" : " " + in);
        }
    }

    /** Every (naming, prefix) under which the file holds at least one needed tensor, own naming first. */
    private static List<Candidate> candidates(WeightSource file, PartNeeds needs) {
        List<WeightNaming> namings = new ArrayList<>();
        namings.add(null);
        namings.addAll(needs.namings());
        List<Candidate> out = new ArrayList<>();
        for (WeightNaming naming : namings) {
            Map<String, String> byFileName = new HashMap<>();   // name in the file (without prefix) -> needed name
            for (String n : needs.names()) byFileName.put(naming == null ? n : naming.fileName(n), n);
            Map<String, Map<String, String>> byPrefix = new LinkedHashMap<>();
            for (String f : file.names()) {
                // the whole name, then every suffix after a dot
                for (int cut = 0; ; ) {
                    String needed = byFileName.get(f.substring(cut));
                    if (needed != null) byPrefix.computeIfAbsent(f.substring(0, cut), k -> new LinkedHashMap<>()).put(needed, f);
                    int dot = f.indexOf('.', cut);
                    if (dot < 0) break;
                    cut = dot + 1;
                }
            }
            byPrefix.forEach((prefix, found) -> out.add(new Candidate(naming, prefix, found)));
        }
        return out;
    }

    private static WeightException missing(WeightSource file, PartNeeds needs, List<Candidate> candidates, List<PartNeeds> others) {
        Candidate best = null;
        for (Candidate c : candidates) if (best == null || c.found.size() > best.found.size()) best = c;
        Map<String, String> found = best == null ? Map.of() : best.found;
        List<String> missing = needs.names().stream().filter(n -> !found.containsKey(n)).sorted().toList();
        StringBuilder m = new StringBuilder(file.describe()).append(" (").append(needs.option()).append("): the ").append(needs.part())
                .append(" needs ").append(needs.names().size()).append(" tensors and ").append(missing.size())
                .append(" of them are not in the file: ").append(few(missing))
                .append("; the file holds ").append(file.names().size()).append(" tensors: ").append(few(file.names()));
        if (best != null) {
            m.append("; closest: ").append(best.where()).append(" holds ").append(found.size()).append(" of the ")
                    .append(needs.names().size());
        }
        if (!needs.namings().isEmpty()) {
            m.append(" (names accepted: its own");
            for (WeightNaming n : needs.namings()) m.append(", the ").append(n.description()).append(" naming");
            m.append(", under any prefix)");
        }
        m.append(otherPartHint(file.names(), others));
        return new WeightException(m.toString());
    }

    /** "; N of its tensors are named as the language model's (...)" when at least half of {@code names} belong to another part. */
    private static String otherPartHint(Collection<String> names, List<PartNeeds> others) {
        for (PartNeeds o : others) {
            List<String> theirs = new ArrayList<>();
            for (String f : names) if (ownedBy(f, o.names())) theirs.add(f);
            if (!theirs.isEmpty() && theirs.size() * 2 >= names.size()) {
                return "; " + theirs.size() + " of its tensors are named as the " + o.part() + "'s (" + few(theirs) + "): is it meant for "
                        + o.option() + "?";
            }
        }
        return "";
    }

    /** The name, or a prefixed form of it, is one of {@code names}. */
    private static boolean ownedBy(String fileName, Set<String> names) {
        for (int cut = 0; ; ) {
            if (names.contains(fileName.substring(cut))) return true;
            int dot = fileName.indexOf('.', cut);
            if (dot < 0) return false;
            cut = dot + 1;
        }
    }

    /** The first few names in sorted order, then how many more: how messages list names. */
    public static String few(Collection<String> names) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(names));
        if (sorted.size() <= SHOWN) return String.join(", ", sorted);
        return String.join(", ", sorted.subList(0, SHOWN)) + " (and " + (sorted.size() - SHOWN) + " more)";
    }
}
