package dev.iris.server;

import dev.iris.api.IrisException;

/** The address to listen on is taken: another process (often another server) holds the port. */
public final class PortInUseException extends IrisException {
    private final String host;
    private final int port;

    public PortInUseException(String host, int port) {
        super("cannot listen on " + IrisServer.show(host) + ":" + port + ": the address is already in use");
        this.host = host;
        this.port = port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
