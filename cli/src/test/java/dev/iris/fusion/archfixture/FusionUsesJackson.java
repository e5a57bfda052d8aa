package dev.iris.fusion.archfixture;

/** Breaks "fusion uses api only" on purpose (ArchitectureTest). */
public class FusionUsesJackson {
    com.fasterxml.jackson.databind.ObjectMapper mapper;
}
