package dev.iris.api.config;

import dev.iris.api.IrisException;

/** A configuration value is missing, malformed or names something that does not exist. */
public class ConfigException extends IrisException {
    public ConfigException(String message) {
        super(message);
    }
}
