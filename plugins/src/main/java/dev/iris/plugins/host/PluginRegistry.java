package dev.iris.plugins.host;

import com.google.inject.AbstractModule;
import com.google.inject.ConfigurationException;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.spi.Message;
import com.google.inject.util.Types;
import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.plugins.config.IrisConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins found on a class path. Providers of each {@link ProviderKind} are found with
 * {@link ServiceLoader}; so are Guice {@link Module}s, which a plugin may ship to contribute
 * bindings of its own (including more providers, through the same map bindings). Everything is
 * wired into one Guice injector with a {@code MapBinder<String, XProvider>} per kind, keyed by
 * {@link Provider#type()}, and the registry reads its providers back from those maps.
 */
public final class PluginRegistry {
    private static final Logger log = LoggerFactory.getLogger(PluginRegistry.class);

    private final Injector injector;
    private final List<Module> modules;
    private final Map<ProviderKind, TreeMap<String, Provider>> providers;

    private PluginRegistry(Injector injector, List<Module> modules, Map<ProviderKind, TreeMap<String, Provider>> providers) {
        this.injector = injector;
        this.modules = List.copyOf(modules);
        this.providers = providers;
    }

    /** Discovers plugins visible to the class loader that loaded Iris. */
    public static PluginRegistry discover() {
        return discover(PluginRegistry.class.getClassLoader());
    }

    /**
     * Discovers plugins visible to {@code loader}.
     *
     * @throws IrisException when a plugin cannot be loaded, two providers of one kind share a
     *     type name, or the contributed Guice modules do not wire
     */
    public static PluginRegistry discover(ClassLoader loader) {
        Map<ProviderKind, List<Provider>> found = new EnumMap<>(ProviderKind.class);
        for (ProviderKind kind : ProviderKind.values()) {
            found.put(kind, List.copyOf(load(kind.providerType(), kind.label() + " plugins", loader)));
        }
        List<Module> modules = load(Module.class, "Guice modules of plugins", loader);

        List<Module> all = new ArrayList<>(modules);
        all.add(0, new ProviderMapsModule(found));
        Injector injector;
        try {
            injector = Guice.createInjector(all);
        } catch (CreationException e) {
            throw guiceError(e.getErrorMessages(), e);
        }

        Map<ProviderKind, TreeMap<String, Provider>> byType = new EnumMap<>(ProviderKind.class);
        for (ProviderKind kind : ProviderKind.values()) {
            byType.put(kind, readMap(injector, kind));
        }
        PluginRegistry registry = new PluginRegistry(injector, modules, byType);
        if (log.isDebugEnabled()) {
            byType.forEach((kind, m) -> log.debug("{}: {}", kind.label(), m.keySet()));
            log.debug("Guice modules: {}", modules.stream().map(m -> m.getClass().getName()).toList());
        }
        return registry;
    }

    public VisionEncoderProvider vision(String type) {
        return get(ProviderKind.VISION, type, ProviderKind.VISION.configKey() + ".type", VisionEncoderProvider.class);
    }

    public LanguageModelProvider llm(String type) {
        return get(ProviderKind.LLM, type, ProviderKind.LLM.configKey() + ".type", LanguageModelProvider.class);
    }

    public FusionProvider fusion(String type) {
        return get(ProviderKind.FUSION, type, ProviderKind.FUSION.configKey() + ".type", FusionProvider.class);
    }

    public DatasetProvider dataset(String type) {
        return get(ProviderKind.DATASET, type, ProviderKind.DATASET.configKey() + ".type", DatasetProvider.class);
    }

    /**
     * The fields a plugin section may hold, by name: the host's for its kind and those of the
     * provider its {@code type} selects (checked as {@link #forConfig} does). Their kinds say
     * which values are paths.
     */
    public Map<String, ConfigField> fields(ProviderKind kind, ComponentConfig section) {
        return SectionFields.known(kind, forConfig(kind, section));
    }

    /**
     * The provider a config section selects with its {@code type} field, after checking that the
     * section holds only fields the provider or the host reads; messages name that section's key.
     */
    public <P extends Provider> P forConfig(ProviderKind kind, ComponentConfig section) {
        @SuppressWarnings("unchecked")
        Class<P> type = (Class<P>) kind.providerType();
        P provider = get(kind, section.type(), section.keyOf("type"), type);
        SectionFields.check(kind, provider, section);
        return provider;
    }

    /**
     * Checks every plugin section of {@code config} that is present ({@code model.vision},
     * {@code model.llm}, {@code model.fusion}, {@code train.dataset}, {@code train.eval_dataset}):
     * its type names a plugin found here and its fields are ones that plugin (or the host) reads.
     * Commands call this right after loading a config, before any model is opened.
     */
    public void checkConfig(IrisConfig config) {
        ComponentConfig root = config.root();
        if (root.has("model")) {
            ComponentConfig model = root.section("model");
            for (ProviderKind kind : List.of(ProviderKind.VISION, ProviderKind.LLM, ProviderKind.FUSION)) {
                String part = kind.configKey().substring("model.".length());
                if (model.has(part)) forConfig(kind, model.section(part));
            }
        }
        if (root.has("train")) {
            ComponentConfig train = root.section("train");
            for (String field : List.of("dataset", "eval_dataset")) {
                if (train.has(field)) forConfig(ProviderKind.DATASET, train.section(field));
            }
        }
    }

    /** The providers of one kind, sorted by type name. */
    public List<Provider> providers(ProviderKind kind) {
        return List.copyOf(providers.get(kind).values());
    }

    /** The type names of one kind, sorted. */
    public List<String> types(ProviderKind kind) {
        return List.copyOf(providers.get(kind).keySet());
    }

    /** The Guice modules plugins contributed (not counting Iris's own). */
    public List<Module> modules() {
        return modules;
    }

    /** The injector holding the provider maps and every binding plugins contributed. */
    public Injector injector() {
        return injector;
    }

    private <P extends Provider> P get(ProviderKind kind, String type, String key, Class<P> cls) {
        TreeMap<String, Provider> m = providers.get(kind);
        Provider p = m.get(type);
        if (p == null) {
            String found = m.isEmpty() ? "none — is the plugin jar on the class path?" : String.join(", ", m.keySet());
            throw new IrisException(key + ": unknown " + kind.label() + " '" + type + "' (found: " + found + ")");
        }
        return cls.cast(p);
    }

    private static <S> List<S> load(Class<S> service, String what, ClassLoader loader) {
        List<S> out = new ArrayList<>();
        try {
            for (S s : ServiceLoader.load(service, loader)) {
                out.add(s);
            }
        } catch (ServiceConfigurationError e) {
            throw new IrisException("cannot load the " + what + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Reads the kind's multimap back, so duplicates from any source are caught with one message. */
    private static TreeMap<String, Provider> readMap(Injector injector, ProviderKind kind) {
        @SuppressWarnings("unchecked")
        Key<Map<String, Set<? extends Provider>>> key =
                (Key<Map<String, Set<? extends Provider>>>) Key.get(Types.mapOf(String.class, Types.setOf(kind.providerType())));
        Map<String, Set<? extends Provider>> multimap;
        try {
            multimap = injector.getInstance(key);
        } catch (ProvisionException e) {
            throw guiceError(e.getErrorMessages(), e);
        } catch (ConfigurationException e) {
            throw guiceError(e.getErrorMessages(), e);
        }
        TreeMap<String, Provider> out = new TreeMap<>();
        for (Map.Entry<String, Set<? extends Provider>> e : multimap.entrySet()) {
            String type = e.getKey();
            Collection<? extends Provider> ps = e.getValue();
            if (ps.size() > 1) {
                List<String> classes = ps.stream().map(p -> p.getClass().getName()).sorted().toList();
                throw new IrisException("duplicate " + kind.label() + " type '" + type + "': provided by " + both(classes));
            }
            Provider p = ps.iterator().next();
            if (!type.equals(p.type())) {
                throw new IrisException(kind.label() + " '" + type + "' is bound (by a Guice module) to "
                        + p.getClass().getName() + ", whose type() is '" + p.type() + "'");
            }
            out.put(type, p);
        }
        return out;
    }

    private static String both(List<String> names) {
        if (names.size() == 2) {
            return "both " + names.get(0) + " and " + names.get(1);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }

    private static IrisException guiceError(Collection<Message> messages, RuntimeException e) {
        String first = messages.isEmpty() ? e.getMessage() : messages.iterator().next().getMessage();
        String more = messages.size() > 1 ? " (and " + (messages.size() - 1) + " more)" : "";
        return new IrisException("cannot wire the plugins: " + first + more, e);
    }

    /** Iris's own bindings: one map per kind holding the providers ServiceLoader found. */
    private static final class ProviderMapsModule extends AbstractModule {
        private final Map<ProviderKind, List<Provider>> found;

        ProviderMapsModule(Map<ProviderKind, List<Provider>> found) {
            this.found = found;
        }

        @Override
        protected void configure() {
            found.forEach((kind, list) -> bindKind(kind, kind.providerType(), list));
        }

        private <P extends Provider> void bindKind(ProviderKind kind, Class<P> type, List<Provider> list) {
            // duplicates are permitted here so that readMap can name both classes itself
            MapBinder<String, P> map = MapBinder.newMapBinder(binder(), String.class, type).permitDuplicates();
            for (Provider p : list.stream().sorted(Comparator.comparing(p -> p.getClass().getName())).toList()) {
                String t = p.type();
                if (t == null || t.isBlank()) {
                    addError("%s %s has an empty type()", kind.label(), p.getClass().getName());
                    continue;
                }
                map.addBinding(t).toInstance(type.cast(p));
            }
        }
    }
}
