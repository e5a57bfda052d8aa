package dev.iris.plugins.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean ...?" for a mistyped key: the closest known name within a small edit distance. */
public final class Suggestion {
    private Suggestion() {}

    /** The known name closest to {@code typed}, when it is at most two edits away (one for short names). */
    public static Optional<String> closest(String typed, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = typed.length() <= 3 ? 1 : 2;
        for (String k : known) {
            int d = distance(typed, k);
            if (d <= limit && d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** ", did you mean X?" or nothing. */
    public static String hint(String typed, Collection<String> known) {
        return closest(typed, known).map(k -> ", did you mean " + k + "?").orElse("");
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2) {
            return 3; // farther than any hint we give; also keeps a huge key from costing a huge table
        }
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
