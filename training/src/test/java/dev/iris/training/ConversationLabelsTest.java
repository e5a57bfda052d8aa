package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.json.Json;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatTemplate;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.common.text.Llama3Chat;
import dev.iris.llm.qwen.Qwen2Provider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The label mask of multi-turn samples, token by token, against the models' own chat templates
 * rendered by Python jinja2 ({@code conversations/label_cases.json}, written by
 * {@code make_label_cases.py}): the expected ids are the real tokenizer's ids of jinja2's text,
 * and the labelled positions are those of each answer and its end-of-turn token in that text.
 */
class ConversationLabelsTest {
    static HfTokenizer qwen, llama;
    static Map<String, Object> cases;

    @BeforeAll
    static void load() throws IOException {
        qwen = HfTokenizer.fromJson(new Qwen2Provider().presetFiles("qwen2.5-0.5b").get("tokenizer.json"), Path.of("qwen2.5-0.5b/tokenizer.json"));
        try (InputStream in = new GZIPInputStream(resource("/dev/iris/llm/llama/llama3-tokenizer/tokenizer.json.gz"))) {
            llama = HfTokenizer.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), Path.of("llama3/tokenizer.json"))
                    .withSpecialTokens(List.of("<image>"));
        }
        try (InputStream in = resource("/conversations/label_cases.json")) {
            cases = map(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "label_cases.json"));
        }
    }

    private static InputStream resource(String name) {
        InputStream in = ConversationLabelsTest.class.getResourceAsStream(name);
        if (in == null) throw new UncheckedIOException(new IOException("no test resource " + name));
        return in;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    private static HfTokenizer tokenizer(String variant) {
        return variant.startsWith("llama") ? llama : qwen;
    }

    private static ChatTemplate template(String variant) {
        return switch (variant) {
            case "qwen25" -> ChatMl.qwen25();
            case "chatml" -> ChatMl.chatMl();
            case "llama3" -> Llama3Chat.llama3().withImageToken("<image>");
            default -> throw new IllegalArgumentException(variant);
        };
    }

    private static SampleBuilder builder(String variant, int maxLength) {
        Map<String, Object> v = map(map(cases.get("variants")).get(variant));
        String token = (String) v.get("image_token");
        long id = tokenizer(variant).tokenId(token).orElseThrow();
        int count = ((Number) cases.get("image_tokens")).intValue();
        return new SampleBuilder(template(variant), tokenizer(variant),
                new SampleBuilder.ImagePositions(count, new LanguageModel.ImageToken(token, id)), Optional.empty(), List.of("unused"), maxLength);
    }

    private static Map<String, Object> caseNamed(String name) {
        return list(cases.get("cases")).stream().map(ConversationLabelsTest::map).filter(c -> c.get("name").equals(name)).findFirst().orElseThrow();
    }

    /** The case's turns as a dataset example (a one-byte stand-in for the image: the builder never decodes it). */
    private static Dataset.Example example(Map<String, Object> c, int images) {
        List<Dataset.Turn> turns = new ArrayList<>();
        for (Object o : list(c.get("turns"))) {
            Map<String, Object> t = map(o);
            turns.add(new Dataset.Turn(Dataset.Role.valueOf(((String) t.get("role")).toUpperCase()), (String) t.get("text")));
        }
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < images; i++) bytes.add(new byte[] {(byte) i});
        return new Dataset.Example((String) c.get("name"), turns, bytes);
    }

    private static Dataset.Example example(Map<String, Object> c) {
        return example(c, ((Number) c.get("images")).intValue());
    }

    /** Ids and labels from jinja2's text alone: the ids of the text up to each answer's start and end. */
    record Expected(long[] ids, long[] labels, List<int[]> spans) {}

    private static Expected expected(String variant, Map<String, Object> c) {
        HfTokenizer tok = tokenizer(variant);
        Map<String, Object> r = map(map(c.get("rendered")).get(variant));
        String full = (String) r.get("full");
        List<int[]> spans = new ArrayList<>();
        int endChar = 0;
        for (Object o : list(r.get("answers"))) {
            Map<String, Object> a = map(o);
            int start = ((Number) a.get("start")).intValue();
            String text = (String) a.get("text");
            assertThat(full.substring(start)).startsWith(text);
            endChar = start + text.length();
            spans.add(new int[] {tok.encode(full.substring(0, start)).length, tok.encode(full.substring(0, endChar)).length});
        }
        long[] ids = tok.encode(full.substring(0, endChar));
        long[] labels = new long[ids.length];
        Arrays.fill(labels, Sample.IGNORE);
        List<Object> answers = list(r.get("answers"));
        for (int k = 0; k < spans.size(); k++) {
            int[] s = spans.get(k);
            System.arraycopy(ids, s[0], labels, s[0], s[1] - s[0]);
            // the labelled tokens are the answer's own tokens
            assertThat(Arrays.copyOfRange(ids, s[0], s[1])).containsExactly(tok.encode((String) map(answers.get(k)).get("text")));
        }
        // each answer's prompt is the text generation tokenizes: its ids start the sequence
        List<Object> prefixes = list(r.get("prefixes"));
        for (int k = 0; k < prefixes.size(); k++) {
            assertThat(Arrays.copyOf(ids, spans.get(k)[0])).containsExactly(tok.encode((String) prefixes.get(k)));
        }
        return new Expected(ids, labels, spans);
    }

    static Stream<Arguments> variantsAndCases() {
        List<Arguments> out = new ArrayList<>();
        for (String v : map(cases.get("variants")).keySet()) {
            for (Object c : list(cases.get("cases"))) out.add(Arguments.of(v, map(c).get("name")));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variantsAndCases")
    void labelsAreEveryAnswerAndItsEndOfTurnAsTheModelsOwnTemplateWritesThem(String variant, String name) {
        Map<String, Object> c = caseNamed(name);
        Expected e = expected(variant, c);
        Sample s = builder(variant, 4096).build(example(c), true, new Random(0));
        assertThat(s.ids()).containsExactly(e.ids());
        assertThat(s.labels()).containsExactly(e.labels());
        int images = ((Number) c.get("images")).intValue();
        assertThat(s.imagePads()).isEqualTo(images * 3);
        assertThat(s.truncated()).isFalse();
        assertThat(s.turnsDropped()).isZero();
    }

    @Test
    void aTextOnlyStageLeavesTheImageOut() {
        Map<String, Object> c = caseNamed("one_turn_image");
        Sample s = builder("chatml", 4096).build(example(c), false, new Random(0));
        assertThat(s.imagePads()).isZero();
        assertThat(s.images()).isEmpty();
        assertThat(qwen.decode(s.ids(), false)).isEqualTo("<|im_start|>user\nDescribe the image.<|im_end|>\n<|im_start|>assistant\nA red circle.<|im_end|>");
    }

    @Test
    void truncationDropsWholeTrailingTurnsFirstAndCountsThem() {
        Map<String, Object> c = caseNamed("three_turns_image_after_text");
        Expected e = expected("chatml", c);
        int end2 = e.spans().get(1)[1];
        Sample two = builder("chatml", end2).build(example(c), true, new Random(0));
        assertThat(two.ids()).containsExactly(Arrays.copyOf(e.ids(), end2));
        assertThat(two.labels()).containsExactly(Arrays.copyOf(e.labels(), end2));
        assertThat(two.truncated()).isTrue();
        assertThat(two.turnsDropped()).as("the last question and answer").isEqualTo(2);

        Sample one = builder("chatml", end2 - 1).build(example(c), true, new Random(0));
        assertThat(one.ids()).containsExactly(Arrays.copyOf(e.ids(), e.spans().get(0)[1]));
        assertThat(one.turnsDropped()).isEqualTo(4);

        // not even the first answer fits: its tail goes, with its end of turn; the image stays whole
        int start1 = e.spans().get(0)[0];
        Sample cut = builder("chatml", start1 + 1).build(example(c), true, new Random(0));
        assertThat(cut.ids()).containsExactly(Arrays.copyOf(e.ids(), start1 + 1));
        assertThat(cut.labelled()).isEqualTo(1);
        assertThat(cut.imagePads()).isEqualTo(3);
        assertThat(cut.turnsDropped()).isEqualTo(4);

        assertThatThrownBy(() -> builder("chatml", start1).build(example(c), true, new Random(0)))
                .hasMessage("sample three_turns_image_after_text: the prompt alone is " + start1 + " tokens, train.max_length is " + start1);
    }

    @Test
    void anImagesTokensAreNeverCut() {
        Map<String, Object> c = caseNamed("image_in_second_turn");
        Expected e = expected("chatml", c);
        // the first answer fits, but keeping only it would leave the image's turn out
        int end1 = e.spans().get(0)[1];
        assertThatThrownBy(() -> builder("chatml", end1 + 2).build(example(c), true, new Random(0)))
                .hasMessageStartingWith("sample image_in_second_turn: the prompt alone is");
    }

    @Test
    void severalImagesWithoutMarkersAllGoToTheFirstUserTurnAndATextOnlyStageLeavesThemOut() {
        Map<String, Object> c = caseNamed("system_text_only");
        List<Dataset.Turn> turns = new ArrayList<>(example(c).turns());
        Dataset.Example two = new Dataset.Example("pair", turns, List.of(new byte[] {1}, new byte[] {2}));
        Sample s = builder("chatml", 4096).build(two, true, new Random(0));
        assertThat(s.imagePads()).isEqualTo(2 * 3);
        assertThat(s.images()).hasSize(2);
        String text = qwen.decode(s.ids(), false);
        assertThat(text).contains("Hi\n" + "<|image_pad|>".repeat(3) + "\n" + "<|image_pad|>".repeat(3) + "<|im_end|>");
        // a text-only stage leaves the images out: nothing is refused
        assertThat(builder("chatml", 4096).build(two, false, new Random(0)).imagePads()).isZero();
    }
}
