package io.fleetlm.operator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API requests one user made, by verb and resource, from the API server's audit log (the local
 * cluster logs every ServiceAccount's requests at Metadata level). Counts what was logged after a
 * mark, so that one log serves several runs.
 */
final class AuditCounter {

  static final Set<String> WRITES = Set.of("create", "update", "patch", "delete");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path log;
  private final String username;

  AuditCounter(Path log, String username) {
    this.log = log;
    this.username = username;
  }

  long mark() {
    try {
      return Files.size(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Requests completed since the mark: "verb resource[/subresource] [code]" → how many. */
  Map<String, Long> since(long mark) {
    Map<String, Long> counts = new TreeMap<>();
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      file.seek(mark);
      byte[] rest = new byte[(int) (file.length() - mark)];
      file.readFully(rest);
      for (String line : new String(rest, StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode entry = JSON.readTree(line);
        if (!"ResponseComplete".equals(entry.path("stage").asText())
            || !username.equals(entry.path("user").path("username").asText())) {
          continue;
        }
        JsonNode object = entry.path("objectRef");
        String resource =
            object.path("resource").asText("-")
                + (object.hasNonNull("subresource")
                    ? "/" + object.path("subresource").asText()
                    : "");
        int code = entry.path("responseStatus").path("code").asInt();
        String key = entry.path("verb").asText() + " " + resource + (code >= 400 ? " " + code : "");
        counts.merge(key, 1L, Long::sum);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return counts;
  }

  static long writes(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .filter(e -> WRITES.contains(e.getKey().split(" ")[0]))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }
}
