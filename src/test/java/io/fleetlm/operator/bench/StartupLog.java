package io.fleetlm.operator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a start's time went, from the operator's log: Quarkus's own "started in" figure, and the
 * time from the controller's start to its informers having synced.
 *
 * @param bootSeconds JVM start to Quarkus started, as Quarkus reports it
 * @param informerSyncSeconds controller starting → controller started
 */
record StartupLog(double bootSeconds, double informerSyncSeconds) {

  private static final Pattern BOOT = Pattern.compile("started in (\\d+\\.\\d+)s");
  private static final Pattern TIME = Pattern.compile("^\\S+ (\\d\\d:\\d\\d:\\d\\d,\\d{3})");

  static Optional<StartupLog> of(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      Optional<Double> boot =
          lines.stream()
              .map(BOOT::matcher)
              .filter(Matcher::find)
              .map(m -> Double.parseDouble(m.group(1)))
              .findFirst();
      Optional<LocalTime> starting = timeOf(lines, "Starting 'fleetlmrelease' controller");
      Optional<LocalTime> started = timeOf(lines, "'fleetlmrelease' controller started");
      if (boot.isEmpty() || starting.isEmpty() || started.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new StartupLog(
              boot.get(), Duration.between(starting.get(), started.get()).toMillis() / 1000.0));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<LocalTime> timeOf(List<String> lines, String text) {
    return lines.stream()
        .filter(l -> l.contains(text))
        .map(TIME::matcher)
        .filter(Matcher::find)
        .map(m -> LocalTime.parse(m.group(1).replace(',', '.')))
        .findFirst();
  }
}
