package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.Llama3Chat;
import dev.iris.common.text.ZephyrChat;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Where the image's place falls in a prompt's tokens, for the templates Iris renders. */
class ImageRowsTest {
    /** One token per character, so a position in the text is a position in the ids. */
    static final TextTokenizer CHARS = new TextTokenizer() {
        @Override
        public long[] encode(String text) {
            return text.chars().asLongStream().toArray();
        }

        @Override
        public String decode(long[] ids, boolean skipSpecial) {
            StringBuilder b = new StringBuilder();
            for (long id : ids) b.append((char) id);
            return b.toString();
        }

        @Override
        public OptionalLong tokenId(String token) {
            return token.length() == 1 ? OptionalLong.of(token.charAt(0)) : OptionalLong.empty();
        }

        @Override
        public int size() {
            return 65536;
        }
    };

    static int start(ChatTemplate t, List<ChatMessage> messages, int imageMessage) {
        long[] ids = CHARS.encode(t.render(messages, true));
        return ImageRows.start(t, CHARS, messages, imageMessage, ids);
    }

    /** The prompt text from the image's place on. */
    static String after(ChatTemplate t, List<ChatMessage> messages, int imageMessage) {
        return t.render(messages, true).substring(start(t, messages, imageMessage));
    }

    @Test
    void theImagesPlaceIsTheEndOfTheMessageThatCarriesIt() {
        List<ChatMessage> m = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Describe the image."));
        assertThat(after(ChatMl.chatMl(), m, 1)).isEqualTo("<|im_end|>\n<|im_start|>assistant\n");
        assertThat(after(ChatMl.qwen25(), m, 1)).isEqualTo("<|im_end|>\n<|im_start|>assistant\n");
        assertThat(after(Llama3Chat.llama32(), m, 1)).isEqualTo("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(after(ZephyrChat.zephyr(), m, 1)).isEqualTo("</s>\n<|assistant|>\n");
        // an earlier turn: everything after it reads the image
        List<ChatMessage> turns = List.of(ChatMessage.user("Look."), ChatMessage.assistant("OK."), ChatMessage.user("And now?"));
        assertThat(after(ChatMl.chatMl(), turns, 0)).isEqualTo("<|im_end|>\n<|im_start|>assistant\nOK.<|im_end|>\n<|im_start|>user\nAnd now?<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void whitespaceATemplateStripsDoesNotMoveThePlacePastTheText() {
        // Llama 3 strips the content: the trailing newline is not in the prompt, the place is right after the text
        List<ChatMessage> m = List.of(ChatMessage.user("Describe the image.\n  "));
        assertThat(after(Llama3Chat.llama3(), m, 0)).isEqualTo("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        // ChatML keeps it: the place comes after it
        assertThat(after(ChatMl.chatMl(), m, 0)).isEqualTo("<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void aTokenThatStraddlesThePlaceCountsAsBeforeIt() {
        // a tokenizer that merges "." with the character after it
        TextTokenizer merging = new TextTokenizer() {
            @Override
            public long[] encode(String text) {
                java.util.List<Long> out = new java.util.ArrayList<>();
                for (int i = 0; i < text.length(); i++) {
                    if (text.charAt(i) == '.' && i + 1 < text.length()) {
                        out.add(100000L + text.charAt(i + 1));
                        i++;
                    } else {
                        out.add((long) text.charAt(i));
                    }
                }
                return out.stream().mapToLong(Long::longValue).toArray();
            }

            @Override
            public String decode(long[] ids, boolean skipSpecial) {
                throw new UnsupportedOperationException();
            }

            @Override
            public OptionalLong tokenId(String token) {
                return OptionalLong.empty();
            }

            @Override
            public int size() {
                return 200000;
            }
        };
        List<ChatMessage> m = List.of(ChatMessage.user("Hi."));
        ChatTemplate t = ChatMl.chatMl();
        long[] ids = merging.encode(t.render(m, true));
        int start = ImageRows.start(t, merging, m, 0, ids);
        // "<|im_start|>user\nHi" then ".<" merged: that token is before the place
        assertThat(start).isEqualTo("<|im_start|>user\nHi".length());
        assertThat(ids[start]).isEqualTo(100000L + '<');
    }

    @Test
    void anImageIsReadFromItsPlaceOnOverAllItsTokens() {
        // one image of 2 tokens placed at 2: positions 2.. read both tokens
        Tensor f = ImageRows.flags(4, new int[] {2}, 2);
        assertThat(f.shape()).containsExactly(1, 4, 2);
        assertThat(f.toFloats()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
        // placed at the end: nothing reads it in the prompt, the generated tokens do
        assertThat(ImageRows.flags(3, new int[] {3}, 1).toFloats()).containsExactly(0, 0, 0);
        assertThat(ImageRows.decodeStep(new int[] {3}, 2).toFloats()).containsExactly(1, 1);
    }

    @Test
    void eachImageIsReadUntilTheNextImagesPlaceAndImagesAtOnePlaceAreReadTogether() {
        // images 0 and 1 attached to the same message (place 1), image 2 at place 3; one token each
        int[] starts = {1, 1, 3};
        float[] f = ImageRows.flags(5, starts, 1).toFloats();
        assertThat(f).containsExactly(
                0, 0, 0,    // position 0: before every image
                1, 1, 0,    // 1-2: the first two images
                1, 1, 0,
                0, 0, 1,    // 3-4: the last image only
                0, 0, 1);
        // a generated token reads the last place's images
        assertThat(ImageRows.decodeStep(starts, 1).toFloats()).containsExactly(0, 0, 1);
        assertThat(ImageRows.decodeStep(new int[] {2, 2}, 1).toFloats()).containsExactly(1, 1);
        // in a batch: a sample with one image in a row of two slots leaves the second slot 0
        float[] padded = new float[3 * 2 * 2];
        ImageRows.write(padded, 0, 3, new int[] {1}, 2, 2);
        assertThat(padded).containsExactly(0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0);
    }

    @Test
    void startsAreFoundOncePerMessage() {
        List<ChatMessage> m = List.of(ChatMessage.user("First."), ChatMessage.assistant("Ok."), ChatMessage.user("Second."));
        ChatTemplate t = ChatMl.chatMl();
        long[] ids = CHARS.encode(t.render(m, true));
        int[] starts = ImageRows.starts(t, CHARS, m, List.of(0, 0, 2), ids);
        assertThat(starts[0]).isEqualTo(starts[1]).isEqualTo(ImageRows.start(t, CHARS, m, 0, ids));
        assertThat(starts[2]).isEqualTo(ImageRows.start(t, CHARS, m, 2, ids)).isGreaterThan(starts[0]);
    }
}
