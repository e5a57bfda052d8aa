package dev.iris.common.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model folder's text side: eos ids, the tokenizer checked against vocab_size, added tokens, the tokenizer check. */
class HfModelFolderTest {
    static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_end|>");

    @TempDir
    Path dir;

    private Path folderWithTokenizer() throws IOException {
        ByteLevelBpe.Model bpe = ByteLevelBpe.train("a cat sat on a mat, a dog sat on a log. ".repeat(4), 20);
        Files.writeString(dir.resolve("tokenizer.json"), ByteLevelBpe.tokenizerJson(bpe, SPECIALS));
        return dir;
    }

    @Test
    void eosIdsAreANumberOrAListAndEmptyWhenAbsent() throws IOException {
        assertThat(HfModelFolder.eosIds(dir.resolve("none.json"))).isEmpty();
        assertThat(HfModelFolder.eosIds(Files.writeString(dir.resolve("a.json"), "{\"eos_token_id\": 7}"))).containsExactly(7L);
        assertThat(HfModelFolder.eosIds(Files.writeString(dir.resolve("b.json"), "{\"eos_token_id\": [9, 2]}"))).containsExactly(9L, 2L);
        assertThat(HfModelFolder.eosIds(Files.writeString(dir.resolve("c.json"), "{\"bos_token_id\": 1}"))).isEmpty();
        Path bad = Files.writeString(dir.resolve("d.json"), "{\"eos_token_id\": [1, \"x\"]}");
        assertThatThrownBy(() -> HfModelFolder.eosIds(bad)).isInstanceOf(IrisException.class)
                .hasMessage(bad + ": eos_token_id must hold integers, found x");
        Path text = Files.writeString(dir.resolve("e.json"), "{\"eos_token_id\": \"</s>\"}");
        assertThatThrownBy(() -> HfModelFolder.eosIds(text)).hasMessageContaining("must be an integer or a list of integers, found </s>");
    }

    @Test
    void theTokenizerIsLoadedOnceWithTheAddedTokens() throws IOException {
        Path folder = folderWithTokenizer();
        HfModelFolder plain = new HfModelFolder(folder, 1000, List.of());
        HfTokenizer t = plain.tokenizer();
        assertThat(plain.tokenizer()).isSameAs(t);
        assertThat(t.tokenId("<image>")).isEmpty();
        HfTokenizer added = new HfModelFolder(folder, 1000, List.of("<image>")).tokenizer();
        assertThat(added.tokenId("<image>")).hasValue(t.size());   // the next id after the vocabulary
        assertThat(added.tokenId("<|im_end|>")).isEqualTo(t.tokenId("<|im_end|>"));
    }

    @Test
    void aTokenizerLargerThanTheVocabularyIsRefused() throws IOException {
        Path folder = folderWithTokenizer();
        int size = new HfModelFolder(folder, 1000, List.of()).tokenizer().size();
        assertThatThrownBy(() -> new HfModelFolder(folder, size - 1, List.of()).tokenizer()).isInstanceOf(IrisException.class)
                .hasMessageContaining("the tokenizer has " + size + " ids but config.json's vocab_size is " + (size - 1));
        assertThat(new HfModelFolder(folder, size, List.of()).tokenizer().size()).isEqualTo(size);
    }

    @Test
    void aFolderWithoutTokenizerIsNamed() {
        assertThatThrownBy(() -> HfModelFolder.requireTokenizer(dir, "Some")).isInstanceOf(IrisException.class)
                .hasMessage(dir.resolve("tokenizer.json") + ": file not found; a Some model folder needs the tokenizer.json of its checkpoint");
    }

    @Test
    void presetResourcesReadAddedTokensAndNameAMissingResource() {
        String json = "{\"added_tokens\": [{\"id\": 5, \"content\": \"<a>\", \"special\": true}, {\"id\": 6, \"content\": \"b\"},"
                + " {\"content\": \"no id\"}]}";
        assertThat(PresetResources.addedTokens(json, "t.json"))
                .containsExactly(new HfTokenizer.AddedToken("<a>", 5, true), new HfTokenizer.AddedToken("b", 6, false));
        assertThat(PresetResources.addedTokens("{}", "t.json")).isEmpty();
        PresetResources r = new PresetResources(HfModelFolderTest.class, "/nowhere/", "iris-x");
        assertThatThrownBy(() -> r.text("a.txt")).isInstanceOf(IrisException.class)
                .hasMessage("cannot read the resource /nowhere/a.txt: not found on the class path (is the iris-x jar complete?)");
        assertThat(ChatTemplates.recognise(PresetResources.CHATML_TEMPLATE)).hasValue(ChatMl.chatMl());
    }
}
