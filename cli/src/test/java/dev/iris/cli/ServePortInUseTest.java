package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iris serve} on a port that is taken: one line naming host:port and --port, exit code 1, no stack trace. */
class ServePortInUseTest {
    @Test
    void aPortInUseIsOneLine(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("iris.yaml"), "model:\n  vision: { type: siglip, path: m }\nruntime: { threads: 2 }\n");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            IrisCliTest.Run r = IrisCliTest.run("serve", "--config", config.toString(), "--port", Integer.toString(port));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err().strip()).isEqualTo("cannot listen on 127.0.0.1:" + port
                    + ": the address is already in use: stop the process using it, or choose another port with --port");
        }
    }
}
