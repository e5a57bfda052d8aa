package dev.iris.server;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** What a listening address tells about who can reach the server. */
public final class BindAddress {
    private BindAddress() {}

    /** True when {@code host} names a loopback address (only this machine can connect); false when it cannot be resolved. */
    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
