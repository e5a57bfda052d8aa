package dev.iris.plugins.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/** Builds small plugin jars from compiled test classes, as separately built plugin modules would be. */
final class TestJars {
    /** Classes in this package are only reachable through the jars. */
    static final String FAKE_PACKAGE = "dev.iris.plugins.host.fake.";

    private TestJars() {}

    /** A jar holding {@code classes} plus one META-INF/services file per entry of {@code services}. */
    static Path jar(Path file, Map<Class<?>, List<Class<?>>> services, Class<?>... classes) {
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out)) {
            for (Class<?> c : classes) {
                String name = c.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(name));
                try (InputStream in = c.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(jar);
                }
                jar.closeEntry();
            }
            for (Map.Entry<Class<?>, List<Class<?>>> e : services.entrySet()) {
                jar.putNextEntry(new JarEntry("META-INF/services/" + e.getKey().getName()));
                StringBuilder lines = new StringBuilder("# written by TestJars\n");
                e.getValue().forEach(c -> lines.append(c.getName()).append('\n'));
                jar.write(lines.toString().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A loader over {@code jars} whose parent cannot see the fake classes or any service files. */
    static URLClassLoader loader(Path... jars) {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            try {
                urls[i] = jars[i].toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException(e);
            }
        }
        return new URLClassLoader(urls, new Hiding(TestJars.class.getClassLoader()));
    }

    /**
     * The test class path minus the fakes (so they must come from the jars) and minus service
     * files (so plugins that may later live on the test class path do not leak into the results).
     */
    private static final class Hiding extends ClassLoader {
        Hiding(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith(FAKE_PACKAGE)) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            return name.startsWith("META-INF/services/") ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
        }
    }
}
