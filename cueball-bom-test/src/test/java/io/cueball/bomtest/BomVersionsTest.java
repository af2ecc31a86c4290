package io.cueball.bomtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A user who imports cueball-bom gets the third-party versions the build tests with. This module is that user:
 * Maven resolved its dependencies through the BOM alone (it has no parent), and the build's versions are the root
 * pom's properties, which its dependency management applies to every module.
 */
class BomVersionsTest {
    /** The libraries the published modules bring, and the root pom property that holds each one's version. */
    private static final Map<String, String> PINNED = pinned();
    /** One line of {@code dependency:list}: groupId:artifactId:type[:classifier]:version:scope, then maybe more. */
    private static final Pattern LISTED = Pattern.compile("^\\s*([\\w.-]+):([\\w.-]+):[\\w.-]+(?::[\\w.-]+)?:"
            + "([\\w.-]+):(compile|runtime)\\b.*");

    private static Map<String, String> pinned() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("org.apache.httpcomponents:httpclient", "httpclient.version");
        m.put("org.apache.httpcomponents:httpcore", "httpcore.version");
        m.put("com.google.code.gson:gson", "gson.version");
        m.put("dnsjava:dnsjava", "dnsjava.version");
        m.put("org.postgresql:postgresql", "postgresql.version");
        m.put("com.ecwid.consul:consul-api", "consul-api.version");
        return m;
    }

    @Test
    void aUserOfTheBomResolvesTheVersionsTheBuildTestsWith() throws Exception {
        Map<String, String> build = properties(pom("cueball.root.pom"));
        Map<String, String> resolved = resolved();
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> got = new TreeMap<>();
        for (Map.Entry<String, String> e : PINNED.entrySet()) {
            String version = build.get(e.getValue());
            assertTrue(version != null && !version.contains("$"), "the root pom sets " + e.getValue());
            expected.put(e.getKey(), version);
            got.put(e.getKey(), resolved.get(e.getKey()));
        }
        // one assertion for all: a failure shows every difference at once
        assertEquals(expected, got, "resolved through cueball-bom, against the root pom's properties");
        assertEquals("4.4.16", got.get("org.apache.httpcomponents:httpcore"), "not consul-api's own 4.4.9");
    }

    @Test
    void theBomPinsEachOfThemItselfAndNothingElseThirdParty() throws Exception {
        Document bom = pom("cueball.bom.pom");
        Map<String, String> bomProperties = properties(bom);
        Map<String, String> managed = new TreeMap<>();
        for (Element d : managedDependencies(bom)) {
            String key = text(d, "groupId") + ":" + text(d, "artifactId");
            if (!key.startsWith("io.cueball:")) {
                managed.put(key, expand(text(d, "version"), bomProperties));
            }
        }
        assertEquals(new TreeMap<>(PINNED).keySet(), managed.keySet(),
                "the BOM manages exactly the libraries this test checks (add a new one to both)");
    }

    @Test
    void thisProjectsRepeatedVersionsStillMatchTheRootPom() throws Exception {
        Document root = pom("cueball.root.pom");
        Document self = pom("cueball.this.pom");
        Map<String, String> rootPlugins = plugins(root);
        Map<String, String> selfPlugins = plugins(self);
        assertFalse(selfPlugins.isEmpty());
        for (Map.Entry<String, String> e : selfPlugins.entrySet()) {
            assertEquals(rootPlugins.get(e.getKey()), e.getValue(), e.getKey() + ": as in the root pom");
        }
        String junit = null;
        for (Element d : elements(self.getDocumentElement(), "dependency")) {
            if (text(d, "artifactId").equals("junit-jupiter")) {
                junit = text(d, "version");
            }
        }
        assertEquals(properties(root).get("junit.version"), junit, "junit-jupiter: as the root pom's junit.version");
    }

    /** groupId:artifactId to version, as Maven resolved this project's runtime dependencies. */
    private static Map<String, String> resolved() throws IOException {
        Path file = Path.of(System.getProperty("cueball.resolved.file"));
        List<String> lines = Files.readAllLines(file);
        Map<String, String> versions = new TreeMap<>();
        for (String line : lines) {
            Matcher m = LISTED.matcher(line);
            if (m.matches()) {
                versions.put(m.group(1) + ":" + m.group(2), m.group(3));
            }
        }
        assertTrue(versions.containsKey("io.cueball:cueball-core"), "the list was read: " + lines);
        return versions;
    }

    private static Document pom(String property) throws Exception {
        Path file = Path.of(System.getProperty(property));
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    /** The project's own properties (children of project/properties). */
    private static Map<String, String> properties(Document pom) {
        Map<String, String> p = new TreeMap<>();
        Element properties = child(pom.getDocumentElement(), "properties");
        for (Node n = properties.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                p.put(e.getTagName(), e.getTextContent().trim());
            }
        }
        return p;
    }

    private static List<Element> managedDependencies(Document pom) {
        return elements(child(child(pom.getDocumentElement(), "dependencyManagement"), "dependencies"),
                "dependency");
    }

    /** artifactId to version of every plugin with a version (pluginManagement included). */
    private static Map<String, String> plugins(Document pom) {
        Map<String, String> p = new TreeMap<>();
        for (Element plugin : elements(pom.getDocumentElement(), "plugin")) {
            String version = text(plugin, "version");
            if (!version.isEmpty()) {
                p.put(text(plugin, "artifactId"), version);
            }
        }
        return p;
    }

    private static String expand(String value, Map<String, String> properties) {
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(value);
        return m.matches() ? properties.getOrDefault(m.group(1), value) : value;
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + parent.getTagName() + ">");
    }

    private static List<Element> elements(Element parent, String name) {
        NodeList list = parent.getElementsByTagName(name);
        return IntStream.range(0, list.getLength()).mapToObj(i -> (Element) list.item(i)).toList();
    }

    /** The text of a direct child element, or "" if there is none. */
    private static String text(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return "";
    }
}
