package dev.iris.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** iris-bom lists every artifact the build publishes, at the build's version, so a consumer never adds a version by hand. */
class BomTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();   // tests run in vlm/
    /** Modules that are not for consumers: the BOM itself, the micro-benchmarks, the examples. */
    static final Set<String> NOT_PUBLISHED = Set.of("bom", "benchmarks");

    @Test
    void theBomListsEveryModuleAtTheParentsVersion() throws Exception {
        Document parent = read(ROOT.resolve("pom.xml"));
        String version = text(parent.getDocumentElement(), "version");
        Document bom = read(ROOT.resolve("bom/pom.xml"));
        assertThat(text(bom.getDocumentElement(), "version")).as("iris-bom's version").isEqualTo(version);

        Map<String, String> listed = new LinkedHashMap<>();   // artifactId -> type
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            assertThat(text(d, "groupId")).isEqualTo("dev.iris");
            assertThat(text(d, "version")).isEqualTo("${iris.version}");
            listed.put(text(d, "artifactId"), text(d, "type") == null ? "jar" : text(d, "type"));
        }
        assertThat(bomProperty(bom, "iris.version")).isEqualTo(version);

        List<String> expected = new ArrayList<>();
        NodeList modules = parent.getElementsByTagName("module");
        for (int i = 0; i < modules.getLength(); i++) {
            String module = modules.item(i).getTextContent().strip();
            if (NOT_PUBLISHED.contains(module) || module.startsWith("examples/")) continue;
            Document pom = read(ROOT.resolve(module).resolve("pom.xml"));
            String artifact = text(pom.getDocumentElement(), "artifactId");
            String packaging = text(pom.getDocumentElement(), "packaging");
            expected.add(artifact);
            assertThat(listed).as("iris-bom lists " + artifact + " (module " + module + ")").containsEntry(artifact, packaging == null ? "jar" : packaging);
        }
        assertThat(listed.keySet()).as("iris-bom lists only the build's modules").containsExactlyInAnyOrderElementsOf(expected);
    }

    private static String bomProperty(Document bom, String name) {
        NodeList props = bom.getElementsByTagName(name);
        return props.getLength() == 0 ? null : props.item(0).getTextContent().strip();
    }

    private static Document read(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    /** The text of a direct child element, or null. */
    private static String text(Element parent, String child) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(child)) return e.getTextContent().strip();
        }
        return null;
    }
}
