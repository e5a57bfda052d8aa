package dev.iris.plugins.archfixture;

import dev.iris.server.archfixture.ServerThing;

/** Breaks "plugins and below never use server" on purpose (ArchitectureTest). */
public class PluginsUsesServer {
    ServerThing server;
}
