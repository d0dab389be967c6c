package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An Event that cannot be written is counted, never dropped silently. */
class EventRecorderTest {

  private final List<String> lost = new CopyOnWriteArrayList<>();
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  @Test
  void aFullQueueIsCountedAsLostEvents() throws IOException {
    // An API server that accepts connections and never answers: the writer thread waits on the
    // first Event while the reconciles go on recording.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        KubernetesClient client = clientOf(silent)) {
      Thread acceptor = new Thread(() -> accept(silent));
      acceptor.setDaemon(true);
      acceptor.start();
      EventRecorder recorder =
          new EventRecorder(client, Clock.systemUTC(), "operator-0", lost::add);
      FleetlmRelease release = ReleaseFixture.release("chat", "fleetlm:1");

      for (int i = 0; i < 1100; i++) {
        recorder.record(release, ReleaseEvent.normal(Reason.RollingOut, "event " + i));
      }

      assertThat(lost).as("Events beyond the queue's 1024").contains("queue_full");
      assertThat(lost.stream().filter("queue_full"::equals).count()).isGreaterThanOrEqualTo(75);
    } finally {
      for (Socket socket : held) {
        socket.close();
      }
    }
  }

  private void accept(ServerSocket server) {
    try {
      while (!server.isClosed()) {
        held.add(server.accept());
      }
    } catch (IOException closed) {
      // the test is over
    }
  }

  private static KubernetesClient clientOf(ServerSocket server) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getLocalPort())
                .withRequestTimeout(60_000)
                .withRequestRetryBackoffLimit(0)
                .build())
        .build();
  }
}
