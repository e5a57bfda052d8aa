package dev.iris.common.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a small byte-level BPE vocabulary from a text and writes it as a Hugging Face
 * {@code tokenizer.json} (the format of Qwen's, Llama 3's and GPT-2's tokenizers), for tiny
 * presets whose vocabulary is made on the spot.
 *
 * <p>Byte level: every UTF-8 byte is a symbol of its own (written as a printable character, the
 * GPT-2 convention the {@code ByteLevel} pre-tokenizer and decoder use), so any text encodes and
 * decodes exactly even with a vocabulary of a few hundred ids; the merges only make frequent
 * English shorter. Training is deterministic: ties go to the lexicographically first pair.
 */
public final class ByteLevelBpe {
    /** The GPT-2 pre-tokenizer split (contractions, words, numbers, punctuation, spaces), as {@code ByteLevel(use_regex=true)} applies it. */
    private static final Pattern SPLIT = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    /** Byte value to its printable stand-in: printable Latin-1 bytes are themselves, the rest move to U+0100 onwards. */
    static final char[] BYTE_CHAR = byteChars();

    private ByteLevelBpe() {}

    private static char[] byteChars() {
        char[] map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) next++;
        }
        return map;
    }

    /** A vocabulary (id to symbol string, ids 0..255 are the bytes in order) and the merges in rank order. */
    public record Model(List<String> vocab, List<String[]> merges) {}

    static String symbols(String piece) {
        StringBuilder sb = new StringBuilder();
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) sb.append(BYTE_CHAR[b & 0xFF]);
        return sb.toString();
    }

    /** Learns up to {@code merges} merges; stops early when no pair occurs twice. */
    public static Model train(String corpus, int merges) {
        // words as symbol-id sequences with their counts; a TreeMap keeps the order fixed
        Map<String, Integer> counts = new TreeMap<>();
        Matcher m = SPLIT.matcher(corpus);
        while (m.find()) counts.merge(symbols(m.group()), 1, Integer::sum);

        List<String> vocab = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.add(String.valueOf(BYTE_CHAR[b]));
            ids.put(vocab.get(b), b);
        }
        List<int[]> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String w = e.getKey();
            int[] seq = new int[w.length()];
            for (int i = 0; i < w.length(); i++) seq[i] = ids.get(String.valueOf(w.charAt(i)));
            words.add(seq);
            freq.add(e.getValue());
        }

        List<String[]> learned = new ArrayList<>();
        while (learned.size() < merges) {
            Map<Long, Integer> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] s = words.get(w);
                for (int i = 0; i + 1 < s.length; i++) pairs.merge(((long) s[i] << 32) | s[i + 1], freq.get(w), Integer::sum);
            }
            long best = -1;
            int bestCount = 1;
            for (Map.Entry<Long, Integer> e : pairs.entrySet()) {
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && best >= 0 && comparePairs(vocab, e.getKey(), best) < 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best < 0) break;   // nothing occurs twice any more
            int a = (int) (best >>> 32), b = (int) best;
            String joined = vocab.get(a) + vocab.get(b);
            Integer id = ids.get(joined);   // two different pairs can spell the same token
            if (id == null) {
                id = vocab.size();
                vocab.add(joined);
                ids.put(joined, id);
            }
            learned.add(new String[] {vocab.get(a), vocab.get(b)});
            for (int w = 0; w < words.size(); w++) words.set(w, apply(words.get(w), a, b, id));
        }
        return new Model(List.copyOf(vocab), List.copyOf(learned));
    }

    private static int comparePairs(List<String> vocab, long p, long q) {
        int c = vocab.get((int) (p >>> 32)).compareTo(vocab.get((int) (q >>> 32)));
        return c != 0 ? c : vocab.get((int) p).compareTo(vocab.get((int) q));
    }

    private static int[] apply(int[] s, int a, int b, int merged) {
        int[] out = new int[s.length];
        int n = 0;
        for (int i = 0; i < s.length; i++) {
            if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = s[i];
            }
        }
        return n == s.length ? s : Arrays.copyOf(out, n);
    }

    /**
     * The {@code tokenizer.json} of a model plus special tokens, which take the ids after the
     * vocabulary. No normalizer (so text round-trips exactly), ByteLevel pre-tokenizer and decoder.
     */
    public static String tokenizerJson(Model model, List<String> specials) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        for (int i = 0; i < specials.size(); i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", (long) model.vocab().size() + i);
            t.put("content", specials.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        }
        root.put("added_tokens", added);
        root.put("normalizer", null);
        root.put("pre_tokenizer", byteLevel(true));
        root.put("post_processor", null);
        root.put("decoder", byteLevel(true));
        Map<String, Object> bpe = new LinkedHashMap<>();
        bpe.put("type", "BPE");
        bpe.put("dropout", null);
        bpe.put("unk_token", null);
        bpe.put("continuing_subword_prefix", null);
        bpe.put("end_of_word_suffix", null);
        bpe.put("fuse_unk", false);
        bpe.put("byte_fallback", false);
        bpe.put("ignore_merges", false);
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int i = 0; i < model.vocab().size(); i++) vocab.put(model.vocab().get(i), (long) i);
        bpe.put("vocab", vocab);
        List<Object> merges = new ArrayList<>();
        for (String[] pair : model.merges()) merges.add(List.of(pair[0], pair[1]));
        bpe.put("merges", merges);
        root.put("model", bpe);
        return JsonText.write(root, 3);
    }

    private static Map<String, Object> byteLevel(boolean useRegex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", false);
        m.put("trim_offsets", true);
        m.put("use_regex", useRegex);
        return m;
    }
}
