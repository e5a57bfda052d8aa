package dev.iris.spark;

import dev.iris.api.IrisException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line of a job: {@code CONFIG INPUT OUTPUT} then {@code name=value} options
 * (a name may repeat, e.g. {@code set=train.seed=3}). An unknown name or a bad number is an error
 * naming it, before Spark starts.
 */
record JobArgs(String job, Path config, String input, String output, Map<String, List<String>> options) {
    static JobArgs parse(String[] args, String job, List<String> known) {
        if (args.length < 3) {
            throw new IrisException(job + " job: usage: CONFIG INPUT OUTPUT [name=value]...; options: " + String.join(", ", known));
        }
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String name = eq < 0 ? args[i] : args[i].substring(0, eq);
            if (eq < 0 || !known.contains(name)) {
                throw new IrisException(job + " job: unknown option '" + args[i] + "'; options (name=value): " + String.join(", ", known));
            }
            options.computeIfAbsent(name, k -> new ArrayList<>()).add(args[i].substring(eq + 1));
        }
        return new JobArgs(job, Path.of(args[0]), args[1], args[2], options);
    }

    String get(String name, String fallback) {
        List<String> v = options.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    int intValue(String name, int fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IrisException(job + " job: option " + name + " must be a whole number, found '" + v + "'");
        }
    }
}
