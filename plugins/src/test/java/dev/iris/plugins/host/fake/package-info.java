/**
 * Test doubles packed into jars at test time by {@code PluginRegistryTest}. They are hidden from
 * the test's class path loader so the registry must load them from those jars.
 */
package dev.iris.plugins.host.fake;
