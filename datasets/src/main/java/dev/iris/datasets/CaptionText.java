package dev.iris.datasets;

/**
 * Caption text as the datasets judge it. {@link String#isBlank()} and {@link String#strip()} count only
 * {@link Character#isWhitespace} characters, so a caption of no-break spaces (U+00A0, U+202F, common in
 * scraped text) would pass as non-empty and be trained on; here every Unicode space separator counts.
 */
final class CaptionText {
    private CaptionText() {}

    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** True when {@code s} holds nothing but spaces of any kind. */
    static boolean isBlank(String s) {
        return s.codePoints().allMatch(CaptionText::isSpace);
    }

    /** {@code s} without leading and trailing spaces of any kind. */
    static String strip(String s) {
        int from = 0, to = s.length();
        while (from < to && isSpace(s.charAt(from))) from++;
        while (to > from && isSpace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }
}
