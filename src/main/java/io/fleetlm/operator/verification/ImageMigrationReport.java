package io.fleetlm.operator.verification;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The image's own view of its migrations: what FleetLM's guide checks by hand with {@code
 * Ecto.Migrator.migrations(Fleetlm.Repo)}, left by the migration Job in its termination message in
 * a compact line (the kubelet keeps at most 4 KiB):
 *
 * <pre>fleetlm-migrations/v1 shipped=12 newest=20251021155555 down=0 unknown=1,20240101000000</pre>
 *
 * {@code down} and {@code unknown} are a count followed by up to {@value #LISTED} versions: the
 * image's migrations still {@code :down}, and the versions the database holds that the image has no
 * file for ({@code ** FILE NOT FOUND **}).
 *
 * @param shipped how many migrations the image ships
 * @param newest the newest of them, or null when it ships none
 */
public record ImageMigrationReport(
    int shipped,
    String newest,
    int downCount,
    List<String> down,
    int unknownCount,
    List<String> unknown) {

  public static final String HEADER = "fleetlm-migrations/v1";
  static final int LISTED = 20;

  /**
   * The migration Job's default expression for {@code bin/fleetlm eval}: FleetLM's own migrate,
   * then the report, written where the kubelet reads the termination message. File.write, not
   * File.write!: a report that cannot be written leaves verification to the database, and never
   * fails a migration that succeeded.
   */
  public static final String MIGRATE_AND_REPORT =
      String.join(
          "\n",
          "Fleetlm.Release.migrate()",
          "{:ok, ms, _} = Ecto.Migrator.with_repo(Fleetlm.Repo, &Ecto.Migrator.migrations/1)",
          "nf = \"** FILE NOT FOUND **\"",
          "shipped = for {_, v, n} <- ms, n != nf, do: v",
          "down = Enum.sort(for {:down, v, _} <- ms, do: v)",
          "unknown = Enum.sort(for {:up, v, ^nf} <- ms, do: v)",
          "listed = fn vs -> Enum.join([length(vs) | Enum.take(vs, " + LISTED + ")], \",\") end",
          "File.write(\"/dev/termination-log\", \""
              + HEADER
              + " shipped=#{length(shipped)} newest=#{Enum.max(shipped, fn -> 0 end)}"
              + " down=#{listed.(down)} unknown=#{listed.(unknown)}\\n\")");

  /** The report in a termination message, if the message holds one. */
  public static Optional<ImageMigrationReport> parse(String message) {
    if (message == null) {
      return Optional.empty();
    }
    return message
        .lines()
        .map(String::strip)
        .filter(line -> line.startsWith(HEADER + " "))
        .reduce((first, last) -> last)
        .flatMap(ImageMigrationReport::parseLine);
  }

  private static Optional<ImageMigrationReport> parseLine(String line) {
    Integer shipped = null;
    String newest = null;
    List<String> down = null;
    List<String> unknown = null;
    for (String field : line.substring(HEADER.length()).trim().split("\\s+")) {
      int eq = field.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String value = field.substring(eq + 1);
      switch (field.substring(0, eq)) {
        case "shipped" -> shipped = number(value);
        case "newest" -> newest = value.matches("[0-9]+") && !value.equals("0") ? value : null;
        case "down" -> down = countedList(value);
        case "unknown" -> unknown = countedList(value);
        default -> {
          // A newer report may add fields; they are not needed here.
        }
      }
    }
    if (shipped == null || down == null || unknown == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ImageMigrationReport(
            shipped,
            newest,
            Integer.parseInt(down.get(0)),
            List.copyOf(down.subList(1, down.size())),
            Integer.parseInt(unknown.get(0)),
            List.copyOf(unknown.subList(1, unknown.size()))));
  }

  /** "count,v1,v2": null unless the count and every version are numbers. */
  private static List<String> countedList(String value) {
    List<String> parts = new ArrayList<>(Arrays.asList(value.split(",")));
    return parts.stream().allMatch(p -> p.matches("[0-9]+")) ? parts : null;
  }

  private static Integer number(String value) {
    return value.matches("[0-9]{1,9}") ? Integer.parseInt(value) : null;
  }

  /** How the lists read in a message: the versions, and how many more there are. */
  static String listed(List<String> versions, int count) {
    String shown = String.join(", ", versions);
    return count > versions.size() ? shown + " and " + (count - versions.size()) + " more" : shown;
  }
}
