package dev.iris.api.archfixture;

/** Breaks "api depends on the JDK only" on purpose (ArchitectureTest). */
public class ApiUsesGuice {
    com.google.inject.Injector injector;
}
