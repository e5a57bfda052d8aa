package dev.iris.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Everything a user needs is in dev.iris.vlm: its public signatures name only its own types and
 * the JDK's (and the one error type, IrisException), so the host's internals can change freely.
 */
class PublicApiTest {
    static final String ALLOWED_ERROR = "dev.iris.api.IrisException";

    @Test
    void publicSignaturesNameOnlyThisPackageAndTheJdk() throws Exception {
        List<Class<?>> classes = publicClasses();
        assertThat(classes).extracting(Class::getSimpleName)
                .contains("Iris", "IrisBuilder", "IrisModel", "Image", "Message", "Options", "Answer", "TrainResult", "Evaluation");
        TreeSet<String> leaks = new TreeSet<>();
        for (Class<?> c : classes) {
            List<Executable> members = new ArrayList<>(List.of(c.getDeclaredConstructors()));
            members.addAll(List.of(c.getDeclaredMethods()));
            for (Executable e : members) {
                if (!exposed(e.getModifiers()) || e.isSynthetic()) continue;
                List<Type> types = new ArrayList<>(List.of(e.getGenericParameterTypes()));
                types.addAll(List.of(e.getGenericExceptionTypes()));
                if (e instanceof Method m) types.add(m.getGenericReturnType());
                for (Type t : types) collectLeaks(t, c.getName() + "." + e.getName(), leaks);
            }
            for (Field f : c.getDeclaredFields()) {
                if (exposed(f.getModifiers())) collectLeaks(f.getGenericType(), c.getName() + "." + f.getName(), leaks);
            }
        }
        assertThat(leaks).as("public members naming types outside dev.iris.vlm and the JDK").isEmpty();
    }

    @Test
    void theRuleSeesALeak() {
        TreeSet<String> leaks = new TreeSet<>();
        collectLeaks(dev.iris.plugins.config.GenerateConfig.class, "example", leaks);
        assertThat(leaks).containsExactly("example: dev.iris.plugins.config.GenerateConfig");
    }

    private static boolean exposed(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void collectLeaks(Type t, String where, TreeSet<String> leaks) {
        switch (t) {
            case Class<?> c when c.isArray() -> collectLeaks(c.getComponentType(), where, leaks);
            case Class<?> c -> {
                String n = c.getName();
                boolean ok = c.isPrimitive() || n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("dev.iris.vlm.")
                        || n.equals(ALLOWED_ERROR);
                if (!ok) leaks.add(where + ": " + n);
            }
            case ParameterizedType p -> {
                collectLeaks(p.getRawType(), where, leaks);
                for (Type a : p.getActualTypeArguments()) collectLeaks(a, where, leaks);
            }
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) collectLeaks(b, where, leaks);
                for (Type b : w.getLowerBounds()) collectLeaks(b, where, leaks);
            }
            case GenericArrayType g -> collectLeaks(g.getGenericComponentType(), where, leaks);
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) collectLeaks(b, where, leaks);
            }
            default -> leaks.add(where + ": unknown type " + t);
        }
    }

    /** The public classes of dev.iris.vlm, from the main classes folder. */
    private static List<Class<?>> publicClasses() throws IOException, ClassNotFoundException {
        Path folder = Path.of(Iris.class.getProtectionDomain().getCodeSource().getLocation().getPath()).resolve("dev/iris/vlm");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = f.getFileName().toString().replace(".class", "");
                if (name.equals("package-info")) continue;
                Class<?> c = Class.forName("dev.iris.vlm." + name, false,
                        PublicApiTest.class.getClassLoader());
                if (Modifier.isPublic(c.getModifiers()) && isPubliclyReachable(c)) out.add(c);
            }
        }
        return out;
    }

    private static boolean isPubliclyReachable(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) if (!Modifier.isPublic(k.getModifiers())) return false;
        return !c.isAnonymousClass() && !c.isSynthetic();
    }
}
