package dev.iris.plugins.archfixture;

/** Breaks "nothing but cli uses cli" on purpose (ArchitectureTest). */
public class PluginsUsesCli {
    dev.iris.cli.IrisCli cli;
}
