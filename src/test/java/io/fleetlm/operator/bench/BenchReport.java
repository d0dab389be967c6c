package io.fleetlm.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/** Turns one run's results into report.md, ready-over-time.png and results.json. */
final class BenchReport {

  private BenchReport() {}

  static Map<String, String> machine() {
    Map<String, String> machine = new TreeMap<>();
    machine.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    machine.put("jdk (bench)", System.getProperty("java.vm.name") + " " + Runtime.version());
    try {
      Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .ifPresent(l -> machine.put("cpu", l.substring(l.indexOf(':') + 1).trim()));
      Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith("MemTotal"))
          .findFirst()
          .ifPresent(
              l ->
                  machine.put(
                      "memory", Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB"));
    } catch (IOException e) {
      machine.put("cpu", "unknown");
    }
    return machine;
  }

  static void write(BenchResults results, Path out) throws IOException {
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("results.json").toFile(), results);
    chart(results, out.resolve("ready-over-time.png"));
    Files.writeString(out.resolve("report.md"), markdown(results));
  }

  static String markdown(BenchResults r) {
    StringBuilder md = new StringBuilder();
    md.append("# fleetlm-operator benchmark\n\n");
    md.append("Machine: ");
    r.machine.forEach((k, v) -> md.append(k).append(" ").append(v).append("; "));
    md.append("\nEvery migration takes ")
        .append(r.migrationSeconds)
        .append(" s (the stand-in ends the pod then). Raw figures: results.json.\n\n");

    md.append("## Reaction, API requests, memory (N releases created at once)\n\n");
    md.append(
        "| releases | reaction p50 / p95 (Job Complete → Deployment write) | in-JVM floor p50 /"
            + " p95 | client-go floor p50 / p95 | ratio p50 / p95 (to client-go where measured)"
            + " | API writes per release | all Ready | Ready after own Job Complete p50 / max |"
            + " RSS idle / peak / after | CPU |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (BenchResults.Scale s : r.scale) {
      double p50 = percentile(s.reactionMs, 50);
      double p95 = percentile(s.reactionMs, 95);
      double j50 = percentile(s.floorMs, 50);
      double j95 = percentile(s.floorMs, 95);
      boolean go = !s.goFloorMs.isEmpty();
      double f50 = go ? percentile(s.goFloorMs, 50) : j50;
      double f95 = go ? percentile(s.goFloorMs, 95) : j95;
      List<Double> afterJob = new ArrayList<>();
      for (int i = 0; i < s.readySeconds.size(); i++) {
        afterJob.add(s.readySeconds.get(i) - s.jobCompleteSeconds.get(i));
      }
      md.append(
          String.format(
              "| %d | %.1f / %.1f ms | %.1f / %.1f ms | %s | %.1f× / %.1f× | %s | %.1f s | %.2f /"
                  + " %.2f s | %.0f / %.0f / %.0f MiB | %.1f s |%n",
              s.releases,
              p50,
              p95,
              j50,
              j95,
              go ? String.format("%.1f / %.1f ms", f50, f95) : "not built",
              p50 / f50,
              p95 / f95,
              s.requests.isEmpty()
                  ? "n/a (no audit log)"
                  : String.format("%.1f", AuditCounter.writes(s.requests) / (double) s.releases),
              s.wallSeconds,
              percentile(afterJob, 50),
              percentile(afterJob, 100),
              s.idleRssMiB,
              s.peakRssMiB,
              s.afterRssMiB,
              s.cpuSeconds));
    }
    for (BenchResults.Scale s : r.scale) {
      if (s.requests.isEmpty()) {
        continue;
      }
      md.append("\nAPI requests per release at ")
          .append(s.releases)
          .append(" releases (audit log; verb resource [HTTP code if refused]):\n\n");
      md.append("| request | per release |\n|---|---|\n");
      s.requests.forEach(
          (k, v) -> md.append(String.format("| %s | %.2f |%n", k, v / (double) s.releases)));
      md.append("\nThe operator restarted over the same ")
          .append(s.releases)
          .append(" releases, all Ready (nothing to change), until it reconciled each once: ")
          .append(AuditCounter.writes(s.requestsAfterRestart))
          .append(" writes; requests ")
          .append(s.requestsAfterRestart.isEmpty() ? "none" : s.requestsAfterRestart)
          .append(".\n");
    }

    md.append(
        "\nWhere the operator's reconcile passes spent their time, by step"
            + " (fleetlm_reconcile_step_seconds; mean / max ms over the passes that took the"
            + " step, and how many did; max is Micrometer's, over the last two minutes):\n\n");
    md.append("| step |");
    r.scale.forEach(s -> md.append(" ").append(s.releases).append(" releases |"));
    md.append("\n|---|");
    r.scale.forEach(s -> md.append("---|"));
    md.append("\n");
    r.scale.stream()
        .flatMap(s -> s.passSteps.keySet().stream())
        .distinct()
        .forEach(
            step -> {
              md.append("| ").append(step).append(" |");
              for (BenchResults.Scale s : r.scale) {
                PassSteps.StepTime time = s.passSteps.get(step);
                md.append(
                    time == null
                        ? " - |"
                        : String.format(
                            " %.1f / %.0f ms (%d) |", time.meanMs(), time.maxMs, time.passes));
              }
              md.append("\n");
            });

    md.append("\n## Start-up (process start → first reconcile's status write; 3 starts)\n\n");
    md.append(
        "| JVM | first reconcile, median (all) | of which Quarkus boot | of which informers'"
            + " start and sync | readiness | RSS idle |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (BenchResults.Startup s : r.startups) {
      md.append(
          String.format(
              "| %s | %.2f s (%s) | %.2f s | %.2f s | %.2f s | %.0f MiB |%n",
              s.variant,
              percentile(s.firstReconcileSeconds, 50),
              joined(s.firstReconcileSeconds),
              percentile(s.quarkusBootSeconds, 50),
              percentile(s.informerSyncSeconds, 50),
              percentile(s.readySeconds, 50),
              s.idleRssMiB));
    }

    md.append("\n## The same upgrade: operator against a Helm pre-upgrade hook\n\n");
    md.append(
        "Helm: a chart whose pre-upgrade hook Job migrates, then `helm upgrade --wait`. Operator:"
            + " spec.image changed, until Ready at the new generation (watch). Runs alternate.\n\n");
    md.append(
        String.format(
            "| flow | median | runs |%n|---|---|---|%n| operator | %.2f s | %s |%n"
                + "| helm hook + --wait | %.2f s | %s |%n",
            percentile(r.upgrades.operatorSeconds, 50),
            joined(r.upgrades.operatorSeconds),
            percentile(r.upgrades.helmSeconds, 50),
            joined(r.upgrades.helmSeconds)));
    md.append(
        String.format(
            "%nOperator / Helm wall time: %.2f×%n",
            percentile(r.upgrades.operatorSeconds, 50) / percentile(r.upgrades.helmSeconds, 50)));
    md.append("\n![Releases Ready over time](ready-over-time.png)\n");
    return md.toString();
  }

  /** Share of releases Ready against seconds since they were created, one line per run. */
  static void chart(BenchResults r, Path file) throws IOException {
    int width = 900;
    int height = 500;
    int left = 70;
    int bottom = 60;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    double maxSeconds =
        r.scale.stream().mapToDouble(s -> percentile(s.readySeconds, 100)).max().orElse(1);
    maxSeconds = Math.ceil(maxSeconds / 10) * 10;
    int plotWidth = width - left - 30;
    int plotHeight = height - bottom - 40;
    g.setColor(Color.GRAY);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int i = 0; i <= 10; i++) {
      int x = left + plotWidth * i / 10;
      int y = 40 + plotHeight - plotHeight * i / 10;
      g.drawLine(x, 40 + plotHeight, x, 40 + plotHeight + 4);
      g.drawString(String.format("%.0f", maxSeconds * i / 10), x - 8, 40 + plotHeight + 18);
      g.drawLine(left - 4, y, left, y);
      g.drawString((i * 10) + "%", left - 40, y + 4);
    }
    g.drawRect(left, 40, plotWidth, plotHeight);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString("FleetlmReleases Ready, by seconds since they were created", left, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString(
        "seconds since the releases were created", left + plotWidth / 2 - 110, height - 15);
    Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c)};
    int series = 0;
    for (BenchResults.Scale s : r.scale) {
      List<Double> sorted = new ArrayList<>(s.readySeconds);
      Collections.sort(sorted);
      g.setColor(colors[series % colors.length]);
      g.setStroke(new BasicStroke(2));
      int lastX = left;
      int lastY = 40 + plotHeight;
      for (int i = 0; i < sorted.size(); i++) {
        int x = left + (int) (plotWidth * sorted.get(i) / maxSeconds);
        int y = 40 + plotHeight - (int) (plotHeight * (i + 1) / (double) sorted.size());
        g.drawLine(lastX, lastY, x, lastY);
        g.drawLine(x, lastY, x, y);
        lastX = x;
        lastY = y;
      }
      g.drawString(s.releases + " releases", left + plotWidth - 110, 60 + 18 * series);
      series++;
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  static double percentile(List<Double> values, int p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static String joined(List<Double> values) {
    List<String> parts = new ArrayList<>();
    for (double v : values) {
      parts.add(String.format("%.2f", v));
    }
    return String.join(", ", parts);
  }
}
