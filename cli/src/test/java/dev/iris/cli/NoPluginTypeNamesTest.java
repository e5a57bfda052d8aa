package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.host.PluginRegistry;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The host (plugin host, training, evaluation, server, report, cli) names no plugin: no string
 * constant in its main classes selects a plugin type the installed plugins register, whether as
 * the bare name or in config text such as {@code type: NAME} or {@code model.llm.type=NAME}.
 * Presets and configs come from what the plugins declare.
 */
class NoPluginTypeNamesTest {
    static final String[] HOST_PACKAGES = {"dev.iris.plugins", "dev.iris.training", "dev.iris.evaluation", "dev.iris.server",
            "dev.iris.report", "dev.iris.cli"};

    @Test
    void noHostClassNamesARegisteredPluginType() {
        Set<String> types = registeredTypes();
        assertThat(types).contains("projector"); // the scan is only worth something with the real plugins installed
        JavaClasses host = new ClassFileImporter().withImportOption(new ImportOption.DoNotIncludeTests())
                .withImportOption(ModuleLayersTest.NO_TEST_JARS).importPackages(HOST_PACKAGES);
        assertThat(host.contain("dev.iris.cli.quickstart.Quickstart")).isTrue();

        List<String> found = new ArrayList<>();
        for (JavaClass c : host) found.addAll(offences(c, types));

        assertThat(found).as("string constants in host code that name a plugin type").isEmpty();
    }

    @Test
    void theScanFindsATypeNameInBareAndConfigForm() {
        Set<String> types = Set.of("projector", "siglip", "qwen2", "shapes");

        assertThat(offences(new ClassFileImporter().importClass(NamesPlugins.class), types)).hasSize(3)
                .anySatisfy(o -> assertThat(o).contains("\"projector\""))
                .anySatisfy(o -> assertThat(o).contains("type: siglip"))
                .anySatisfy(o -> assertThat(o).contains("model.llm.type=qwen2"));
        // prose that happens to use a type name as a word is no selection of a plugin
        assertThat(offences(new ClassFileImporter().importClass(MentionsAWord.class), types)).isEmpty();
    }

    /** A fixture: what the scan must catch. */
    static final class NamesPlugins {
        String[] all() {
            return new String[] {"projector", "model:\n  vision: { type: siglip, path: v }\n", "model.llm.type=qwen2"};
        }
    }

    /** A fixture: what the scan must let pass. */
    static final class MentionsAWord {
        String text() {
            return "writing 200 synthetic shapes images, preset qwen2.5-0.5b, metric shapes_accuracy";
        }
    }

    private static Set<String> registeredTypes() {
        PluginRegistry registry = PluginRegistry.discover();
        Set<String> types = new TreeSet<>();
        for (ProviderKind kind : ProviderKind.values()) {
            for (Provider p : registry.providers(kind)) types.add(p.type());
        }
        return types;
    }

    private static List<String> offences(JavaClass c, Set<String> types) {
        List<String> out = new ArrayList<>();
        for (String s : stringConstants(c)) {
            for (String type : types) {
                if (s.equals(type) || selects(type).matcher(s).find()) {
                    out.add(c.getName() + ": \"" + s.replace("\n", "\\n") + "\" names '" + type + "'");
                }
            }
        }
        return out;
    }

    /** {@code type: NAME}, {@code type=NAME} (also after a dotted key), quoted or not, NAME a whole word. */
    private static Pattern selects(String type) {
        return Pattern.compile("\\btype\\s*[:=]\\s*[\"']?" + Pattern.quote(type) + "(?![\\w.-])");
    }

    private static List<String> stringConstants(JavaClass c) {
        String resource = c.getName().replace('.', '/') + ".class";
        try (InputStream in = NoPluginTypeNamesTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("no class file " + resource);
            return stringConstants(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CONSTANT_String entries of a class file's constant pool (JVMS 4.4): literals, text blocks and concat recipes. */
    static List<String> stringConstants(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        Map<Integer, String> utf8 = new HashMap<>();
        List<Integer> strings = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8.put(i, in.readUTF());
                case 8 -> strings.add(in.readUnsignedShort());
                case 7, 16, 19, 20 -> in.skipBytes(2);
                case 15 -> in.skipBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++; // a long or double takes two entries
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        return strings.stream().map(utf8::get).toList();
    }
}
