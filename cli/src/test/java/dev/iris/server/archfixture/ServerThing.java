package dev.iris.server.archfixture;

/** Stands in for a server class (the server module has none yet). */
public class ServerThing {}
