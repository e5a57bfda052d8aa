package dev.iris.server.archfixture;

/** Stands in for a server class (a fixture the architecture rules must flag). */
public class ServerThing {}
