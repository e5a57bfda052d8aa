package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Turn;
import dev.iris.testkit.DatasetPass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Conversations as LLaVA-Instruct / mix665k json and Hugging Face parquet store them: every turn kept, bad entries counted. */
class ConversationDataTest {
    @TempDir
    Path dir;

    /** mix665k-style entries: multi-turn, an image list, text only, and one of each bad kind. */
    static final String MIX = """
            [
              {"id": "multi", "image": "coco/1.png", "conversations": [
                {"from": "human", "value": "<image>\\nWhat colour is the bus?"}, {"from": "gpt", "value": "Red."},
                {"from": "human", "value": "How many wheels?"}, {"from": "gpt", "value": " Four. "}]},
              {"id": "two-images", "image": ["coco/1.png", "coco/2.png"], "conversations": [
                {"from": "human", "value": "<image> and <image>: which is bigger?"}, {"from": "gpt", "value": "The second."}]},
              {"id": "listed-one", "image": ["coco/2.png"], "conversations": [
                {"from": "human", "value": "Describe.\\n<image>"}, {"from": "gpt", "value": "A square."}]},
              {"id": "sharegpt", "conversations": [
                {"from": "system", "value": "Be brief."}, {"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
              {"id": "twice-gpt", "image": "coco/1.png", "conversations": [
                {"from": "human", "value": "<image>"}, {"from": "gpt", "value": "a"}, {"from": "gpt", "value": "b"}]},
              {"id": "empty-answer", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "  "}]},
              {"id": "gone", "image": "coco/none.png", "conversations": [
                {"from": "human", "value": "<image>"}, {"from": "gpt", "value": "x"}]},
              {"id": "markers", "image": "coco/1.png", "conversations": [
                {"from": "human", "value": "<image><image>"}, {"from": "gpt", "value": "x"}]},
              {"id": "marker-no-image", "conversations": [{"from": "human", "value": "<image>\\nWhat?"}, {"from": "gpt", "value": "x"}]},
              {"id": "bot", "conversations": [{"from": "bot", "value": "x"}, {"from": "gpt", "value": "y"}]},
              {"id": "number", "image": 7, "conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}]}
            ]
            """;

    @Test
    void llavaJsonKeepsEveryTurnAndCountsEachBadEntryWithItsReason() throws Exception {
        Files.writeString(dir.resolve("mix.json"), MIX);
        byte[] one = Files.readAllBytes(DataFixtures.writePng(dir.resolve("coco/1.png"), 1));
        byte[] two = Files.readAllBytes(DataFixtures.writePng(dir.resolve("coco/2.png"), 2));

        Dataset d = DataFixtures.create(dir, "type: llava-json, path: mix.json");
        List<Dataset.Example> examples = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        try (Dataset.Examples it = d.open()) {
            while (it.hasNext()) examples.add(it.next());
            it.drainSkipped().forEach(s -> skipped.put(s.id(), s.reason()));
        }

        assertThat(examples).extracting(Dataset.Example::id).containsExactly("multi", "two-images", "listed-one", "sharegpt");
        Dataset.Example multi = examples.get(0);
        assertThat(multi.turns()).containsExactly(Turn.user("<image>\nWhat colour is the bus?"), Turn.assistant("Red."),
                Turn.user("How many wheels?"), Turn.assistant("Four."));
        assertThat(multi.images()).containsExactly(one);
        assertThat(multi.imageTurns()).containsExactly(0);
        assertThat(examples.get(1).images()).containsExactly(one, two);
        assertThat(examples.get(2).images()).containsExactly(two);
        Dataset.Example text = examples.get(3);
        assertThat(text.images()).isEmpty();
        assertThat(text.turns()).containsExactly(Turn.system("Be brief."), Turn.user("Hi"), Turn.assistant("Hello"));

        assertThat(skipped).containsOnlyKeys("twice-gpt", "empty-answer", "gone", "markers", "marker-no-image", "bot", "number");
        assertThat(skipped.get("twice-gpt")).isEqualTo("roles not alternating: turn 3 is assistant where user should be"
                + " (system first, then user and assistant in turns)");
        assertThat(skipped.get("empty-answer")).isEqualTo("empty answer: turn 2");
        assertThat(skipped.get("gone")).isEqualTo("image file not found: coco/none.png");
        assertThat(skipped.get("markers")).isEqualTo("image count mismatch: <image> appears 2 times but the example has 1 image");
        assertThat(skipped.get("marker-no-image")).isEqualTo("image count mismatch: <image> appears 1 times but the example has 0 images");
        assertThat(skipped.get("bot")).startsWith("unknown role: turn 1 is from 'bot'");
        assertThat(skipped.get("number")).startsWith("bad image field: 'image' is a number");
        try (Dataset.Examples it = d.open()) {
            while (it.hasNext()) it.next();
            assertThat(it.skips().count()).isEqualTo(7);
            assertThat(it.skips().byReason()).containsEntry("image count mismatch", 2L).containsEntry("roles not alternating", 1L);
        }
    }

    @Test
    void anExampleRefusesTurnsThatBreakTheRules() {
        assertThatThrownBy(() -> new Dataset.Example("x", List.of(Turn.user("q")), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no final answer");
        assertThat(Dataset.Example.caption("c", "A cat.", new byte[] {1}).isCaption()).isTrue();
        assertThat(Dataset.Example.caption("c", "A cat.", new byte[] {1}).caption()).isEqualTo("A cat.");
    }

    /** What pyarrow writes for a {@code list<struct<from, value>>} column next to an image struct. */
    static final MessageType HUB = MessageTypeParser.parseMessageType("""
            message schema {
              optional binary id (STRING);
              optional group image { optional binary bytes; optional binary path (STRING); }
              optional group conversations (LIST) {
                repeated group list { optional group element { optional binary from (STRING); optional binary value (STRING); } }
              }
            }""");

    @Test
    void parquetReadsAConversationsColumnWithOptionalImages() throws Exception {
        byte[] png = DataFixtures.png(8, java.awt.Color.RED, 3);
        Path file = dir.resolve("train.parquet");
        SimpleGroupFactory f = new SimpleGroupFactory(HUB);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(HUB).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            w.write(row(f, "a", png, "human", "<image>\nWhat is it?", "gpt", "A dot.", "human", "Sure?", "gpt", "Yes."));
            w.write(row(f, "text", null, "human", "Hi", "gpt", "Hello"));
            w.write(row(f, "bad", null, "human", "<image>\nWhat?", "gpt", "x"));
            w.write(row(f, "empty", png, "human", "<image>", "gpt", ""));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        DatasetPass pass = DatasetPass.readAll(DataFixtures.create(dir, "type: parquet, path: train.parquet"));
        assertThat(pass.ids()).containsExactly("a", "text");
        assertThat(pass.examples().get(0).turns()).containsExactly(Turn.user("<image>\nWhat is it?"), Turn.assistant("A dot."),
                Turn.user("Sure?"), Turn.assistant("Yes."));
        assertThat(pass.examples().get(0).images()).containsExactly(png);
        assertThat(pass.examples().get(1).images()).isEmpty();
        assertThat(pass.skips().byReason()).containsExactly(Map.entry("image count mismatch", 1L), Map.entry("empty answer", 1L));
        assertThat(pass.skips().firstIds()).containsExactly("bad", "empty");
    }

    /**
     * The other two ways writers lay out a list column: the legacy two levels (older parquet-mr and
     * Spark writers: the repeated group is the struct itself) and a bare repeated group (protobuf
     * style, no LIST annotation). Both read as the three-level layout does.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "optional group conversations (LIST) { repeated group array { optional binary from (STRING); optional binary value (STRING); } }",
            "repeated group conversations { optional binary from (STRING); optional binary value (STRING); }"})
    void otherListLayoutsOfTheConversationsColumnReadTheSame(String column) throws Exception {
        MessageType schema = MessageTypeParser.parseMessageType("message schema { optional binary id (STRING); " + column + " }");
        Path file = dir.resolve("train.parquet");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        boolean bare = column.startsWith("repeated");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (String[] r : new String[][] {{"multi", "human", "Count to two.", "gpt", "1, 2.", "human", "Back?", "gpt", "2, 1."},
                                              {"roles", "human", "Hi", "human", "Hi again"}}) {
                Group g = f.newGroup();
                g.append("id", r[0]);
                Group list = bare ? null : g.addGroup("conversations");
                for (int i = 1; i < r.length; i += 2) {
                    Group turn = bare ? g.addGroup("conversations") : list.addGroup("array");
                    turn.append("from", r[i]);
                    turn.append("value", r[i + 1]);
                }
                w.write(g);
            }
        }
        DatasetPass pass = DatasetPass.readAll(DataFixtures.create(dir, "type: parquet, path: train.parquet"));
        assertThat(pass.ids()).containsExactly("multi");
        assertThat(pass.examples().get(0).turns()).containsExactly(Turn.user("Count to two."), Turn.assistant("1, 2."),
                Turn.user("Back?"), Turn.assistant("2, 1."));
        assertThat(pass.examples().get(0).images()).isEmpty();
        assertThat(pass.skips().byReason()).containsExactly(Map.entry("roles not alternating", 1L));
    }

    @Test
    void aConversationsColumnOfAnotherTypeIsNamed() throws Exception {
        MessageType schema = MessageTypeParser.parseMessageType(
                "message schema { optional binary id (STRING); optional binary caption (STRING); optional binary conversations (STRING); }");
        Path file = dir.resolve("train.parquet");
        SimpleGroupFactory f = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(schema).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            w.write(f.newGroup().append("id", "a").append("caption", "A dot.").append("conversations", "[{\"from\": \"human\"}]"));
        }
        assertThatThrownBy(() -> DatasetPass.readAll(DataFixtures.create(dir, "type: parquet, path: train.parquet")))
                .hasMessageContaining("train.parquet").hasMessageContaining("column 'conversations' should be a list of struct<from: string, value: string>");
    }

    private static Group row(SimpleGroupFactory f, String id, byte[] image, String... turns) {
        Group g = f.newGroup();
        g.append("id", id);
        if (image != null) g.addGroup("image").append("bytes", Binary.fromConstantByteArray(image));
        Group list = g.addGroup("conversations");
        for (int i = 0; i < turns.length; i += 2) {
            Group element = list.addGroup("list").addGroup("element");
            element.append("from", turns[i]);
            element.append("value", turns[i + 1]);
        }
        return g;
    }
}
