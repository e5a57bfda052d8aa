package dev.iris.datasets;

import static dev.iris.datasets.DataFixtures.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.Dataset;
import dev.iris.testkit.DatasetPass;
import dev.iris.testkit.OpenFiles;
import dev.iris.testkit.PluginBehavior;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LlavaJsonDatasetTest extends ConfiguredDatasetContract {
    /** Five entries as LLaVA's json files have them: two captions, a text-only conversation, and two bad ones. */
    static final String FIVE = """
            [
              {"id": "004539375", "image": "00453/004539375.png",
               "conversations": [{"from": "human", "value": "<image>\\nRender a clear and concise summary of the photo."},
                                 {"from": "gpt", "value": "select luxury furniture 3 - inch gel memory foam mattress topper"}]},
              {"id": "002239345", "image": "00223/002239345.png",
               "conversations": [{"from": "human", "value": "What is in the photo?\\n<image>"},
                                 {"from": "gpt", "value": " a grey watercolor painting of a fox \\n"}]},
              {"id": "text-only",
               "conversations": [{"from": "human", "value": "Hello"}, {"from": "gpt", "value": "Hi"}]},
              {"id": "no-answer", "image": "00223/002239345.png",
               "conversations": [{"from": "human", "value": "<image>\\nDescribe the image."}]},
              {"id": "lost-image", "image": "00999/gone.png",
               "conversations": [{"from": "human", "value": "<image>\\nDescribe."}, {"from": "gpt", "value": "a cat"}]}
            ]
            """;

    @Override
    protected Set<PluginBehavior> behaviors() {
        return Set.of(PluginBehavior.SKIPS_BAD_ROWS, PluginBehavior.READS_FILES);
    }

    @Override
    protected Fixture fixture(Path dir) throws Exception {
        Files.writeString(dir.resolve("chat.json"), FIVE);
        DataFixtures.writePng(dir.resolve("00453/004539375.png"), 1);
        DataFixtures.writePng(dir.resolve("00223/002239345.png"), 2);
        return new Fixture("type: llava-json, path: chat.json", 3,
                Map.of("no final answer", 1L, SkipCounter.IMAGE_NOT_FOUND, 1L),
                List.of("no-answer", "lost-image"), "chat.json");
    }

    @Test
    void answersAreTheGptTurnsAndQuestionsTheHumanTurnsWhereverThePlaceholderIs() {
        DatasetPass pass = DatasetPass.readAll(dataset);
        assertThat(pass.ids()).containsExactly("004539375", "002239345", "text-only");
        assertThat(pass.examples().get(1).turns()).containsExactly(
                Dataset.Turn.user("What is in the photo?\n<image>"), Dataset.Turn.assistant("a grey watercolor painting of a fox"));
        assertThat(pass.examples().get(1).images()).hasSize(1);
        assertThat(pass.examples().get(2).images()).as("an entry without an image is a text-only sample").isEmpty();
        assertThat(pass.captions()).containsExactly(
                "select luxury furniture 3 - inch gel memory foam mattress topper",
                "a grey watercolor painting of a fox", "Hi");
        assertThat(pass.skips().byReason()).containsExactly(
                Map.entry("no final answer", 1L),
                Map.entry(SkipCounter.IMAGE_NOT_FOUND, 1L));
    }

    @Test
    void imagesComeFromTheConfiguredFolder() throws Exception {
        Path json = Files.writeString(Files.createDirectories(dir.resolve("meta")).resolve("blip.json"), """
                [{"id": 17, "image": "a/1.png", "conversations": [{"from": "human", "value": "<image>"},
                                                                  {"from": "gpt", "value": "first"},
                                                                  {"from": "human", "value": "and?"},
                                                                  {"from": "gpt", "value": "second"}]},
                 {"image": "a/2.png", "conversations": [{"from": "human", "value": "<image>"}, {"from": "gpt", "value": "no id"}]},
                 {"id": "blank", "image": "a/1.png", "conversations": [{"from": "human", "value": "<image>"},
                                                                       {"from": "gpt", "value": "   "}]},
                 ["not", "an", "entry"]]
                """);
        byte[] one = Files.readAllBytes(DataFixtures.writePng(dir.resolve("pics/a/1.png"), 1));
        DataFixtures.writePng(dir.resolve("pics/a/2.png"), 2);

        Dataset d = DataFixtures.create(dir, "type: llava-json, path: meta/blip.json, images: pics");
        DatasetPass pass = DatasetPass.readAll(d);

        assertThat(pass.ids()).containsExactly("17", "blip.json#1"); // numeric id as text; no id: file and index
        assertThat(pass.captions()).containsExactly("second", "no id"); // every turn is kept: the last answer
        assertThat(pass.examples().get(0).turns()).extracting(Dataset.Turn::text).containsExactly("<image>", "first", "and?", "second");
        assertThat(pass.examples().get(0).firstImage()).isEqualTo(one);
        assertThat(pass.skips().byReason()).containsExactly(
                Map.entry("empty answer", 1L), Map.entry(SkipCounter.NOT_AN_ENTRY, 1L));
        assertThat(pass.skips().firstIds()).containsExactly("blank", "blip.json#3");
        assertThat(d.describe()).contains(json.toString(), dir.resolve("pics").toString());
    }

    @Test
    void aFileThatIsNotAnArrayIsAClearError() throws Exception {
        Path json = Files.writeString(dir.resolve("obj.json"), "{\"annotations\": []}");
        Dataset d = DataFixtures.create(dir, "type: llava-json, path: obj.json");
        assertThatThrownBy(d::open)
                .isInstanceOf(IrisException.class)
                .hasMessage(json + ": expected a JSON array of LLaVA entries but the file starts with '{'"
                        + " (JSON Lines, one entry per line, are read from a .jsonl file)");
        assertThat(OpenFiles.under(dir)).isNullOrEmpty();
    }

    @Test
    void jsonLinesAreReadAndABadLineIsSkippedAndCountedWithItsLineNumber() throws Exception {
        Path jsonl = Files.writeString(dir.resolve("chat.jsonl"), String.join("\n",
                "{\"id\": \"a\", \"image\": \"00453/004539375.png\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\"}, {\"from\": \"gpt\", \"value\": \"first\"}]}",
                "{\"id\": \"cut\", \"image\": \"00453/0045",
                "",
                "[\"not\", \"an\", \"entry\"]",
                "{\"id\": \"two\", \"image\": \"x.png\"} {\"id\": \"on one line\"}",
                "{\"image\": \"00223/002239345.png\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\"}, {\"from\": \"gpt\", \"value\": \" second \"}]}",
                "{\"id\": \"lost\", \"image\": \"gone.png\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\"}, {\"from\": \"gpt\", \"value\": \"c\"}]}",
                ""));
        DatasetPass pass = DatasetPass.readAll(DataFixtures.create(dir, "type: llava-json, path: chat.jsonl"));

        assertThat(pass.ids()).containsExactly("a", "chat.jsonl:6"); // no id: file and line
        assertThat(pass.captions()).containsExactly("first", "second");
        assertThat(pass.skips().byReason()).containsExactly(
                Map.entry(SkipCounter.MALFORMED_LINE, 2L), Map.entry(SkipCounter.NOT_AN_ENTRY, 1L),
                Map.entry(SkipCounter.IMAGE_NOT_FOUND, 1L));
        assertThat(pass.skips().firstIds()).containsExactly("chat.jsonl:2", "chat.jsonl:4", "chat.jsonl:5", "lost");
        assertThat(OpenFiles.under(dir)).isNullOrEmpty();
        // a .jsonl file that holds an array is read as one
        Files.writeString(jsonl, FIVE);
        assertThat(DatasetPass.readAll(DataFixtures.create(dir, "type: llava-json, path: chat.jsonl")).ids())
                .containsExactly("004539375", "002239345", "text-only");
    }

    @Test
    void entriesAreStreamedUpToWhereTheJsonBreaks() throws Exception {
        Path json = Files.writeString(dir.resolve("broken.json"), """
                [{"id": "ok", "image": "00453/004539375.png", "conversations": [{"from": "human", "value": "<image>"}, {"from": "gpt", "value": "fine"}]},
                 {"id": "bad", "image": oops}]
                """);
        Dataset d = DataFixtures.create(dir, "type: llava-json, path: " + q(json));
        try (Dataset.Examples it = d.open()) {
            assertThat(it.next().id()).isEqualTo("ok");
            assertThatThrownBy(it::hasNext)
                    .isInstanceOf(IrisException.class)
                    .hasMessageStartingWith(json + ": malformed JSON at line 2, column");
        }
        assertThat(OpenFiles.under(dir)).isNullOrEmpty();
    }

    @Test
    void aMissingFileOrImageFolderIsAConfigError() {
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: llava-json, path: none.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.dataset.path: no such file: " + dir.resolve("none.json") + " (found: type, path)");
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: llava-json, path: '.'"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("train.dataset.path: expected a json file but got the folder");
        assertThatThrownBy(() -> DataFixtures.create(dir, "type: llava-json, path: chat.json, images: nope"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.dataset.images: no such folder: " + dir.resolve("nope") + " (found: type, path, images)");
    }
}
