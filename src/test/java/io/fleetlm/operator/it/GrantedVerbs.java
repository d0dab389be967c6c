package io.fleetlm.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The verbs the Helm chart grants, as "group/resource verb", with the reasons rbac.yaml gives for
 * the ones a healthy install does not call ("# not on the happy path: get, patch - why"); and the
 * verbs a ServiceAccount did call, from the API server's audit log.
 */
final class GrantedVerbs {

  private static final Pattern LIST = Pattern.compile("\\[([^\\]]*)\\]");
  private static final String EXPLAINED = "# not on the happy path:";

  private final Set<String> granted;
  private final Set<String> explained;

  private GrantedVerbs(Set<String> granted, Set<String> explained) {
    this.granted = granted;
    this.explained = explained;
  }

  /** Parses the rules of `helm template` output line by line, keeping their comments. */
  static GrantedVerbs render(Path chart, String release, String namespace, String... values) {
    List<String> command =
        new ArrayList<>(
            List.of("helm", "template", release, chart.toString(), "-n", namespace, "--skip-crds"));
    command.addAll(List.of(values));
    Tools.Result rendered = Tools.run(Map.of(), command.toArray(String[]::new));
    assertThat(rendered.exitCode()).as(rendered.output()).isZero();
    Set<String> granted = new LinkedHashSet<>();
    Set<String> explained = new LinkedHashSet<>();
    List<String> groups = List.of();
    List<String> resources = List.of();
    for (String line : rendered.output().split("\\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("- apiGroups:")) {
        groups = items(trimmed);
      } else if (trimmed.startsWith("resources:")) {
        resources = items(trimmed);
      } else if (trimmed.startsWith("verbs:")) {
        int comment = trimmed.indexOf(EXPLAINED);
        List<String> why =
            comment < 0
                ? List.of()
                : Stream.of(
                        trimmed.substring(comment + EXPLAINED.length()).split(" - ")[0].split(","))
                    .map(String::strip)
                    .toList();
        for (String group : groups) {
          for (String resource : resources) {
            for (String verb : items(comment < 0 ? trimmed : trimmed.substring(0, comment))) {
              String key = group + "/" + resource + " " + verb;
              granted.add(key);
              if (why.contains(verb)) {
                explained.add(key);
              }
            }
          }
        }
      }
    }
    assertThat(granted).as("rules found in the rendered chart").isNotEmpty();
    return new GrantedVerbs(granted, explained);
  }

  /**
   * "group/resource[/subresource] verb" of every request the user was allowed to make, from the
   * audit log (the refused ones are the test's own probes).
   */
  static Set<String> usedBy(Path auditLog, String username) {
    Set<String> used = new LinkedHashSet<>();
    try (Stream<String> lines = Files.lines(auditLog)) {
      lines.forEach(
          line -> {
            JsonNode event = Serialization.unmarshal(line, JsonNode.class);
            boolean allowed =
                "allow".equals(event.at("/annotations/authorization.k8s.io~1decision").asText());
            if (!username.equals(event.at("/user/username").asText())
                || !allowed
                || event.at("/objectRef/resource").isMissingNode()) {
              return;
            }
            JsonNode ref = event.get("objectRef");
            String resource =
                ref.get("resource").asText()
                    + (ref.hasNonNull("subresource") ? "/" + ref.get("subresource").asText() : "");
            used.add(
                ref.path("apiGroup").asText("")
                    + "/"
                    + resource
                    + " "
                    + event.get("verb").asText());
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return used;
  }

  /** The chart's grants, and what Kubernetes grants every user (system:basic-user). */
  boolean grants(String groupResourceVerb) {
    return granted.contains(groupResourceVerb)
        || groupResourceVerb.matches("authori[sz]ation\\.k8s\\.io/selfsubject\\w+ create");
  }

  List<String> unexplainedAndUnused(Set<String> used) {
    return granted.stream().filter(g -> !used.contains(g) && !explained.contains(g)).toList();
  }

  private static List<String> items(String line) {
    Matcher list = LIST.matcher(line);
    if (!list.find()) {
      return List.of();
    }
    return Stream.of(list.group(1).split(","))
        .map(s -> s.strip().replace("\"", ""))
        .filter(s -> !s.isEmpty() || line.contains("\"\""))
        .toList();
  }
}
