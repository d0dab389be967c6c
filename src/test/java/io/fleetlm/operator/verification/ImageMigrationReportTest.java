package io.fleetlm.operator.verification;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ImageMigrationReportTest {

  @Test
  void theLastReportLineOfAMessageIsRead() {
    String message =
        "[info] == Migrated 1002 up\n"
            + "fleetlm-migrations/v1 shipped=2 newest=1002 down=0 unknown=0\n"
            + "fleetlm-migrations/v1 shipped=3 newest=1003 down=1,1003 unknown=2,7,8 extra=ignored\n";

    assertThat(ImageMigrationReport.parse(message))
        .contains(new ImageMigrationReport(3, "1003", 1, List.of("1003"), 2, List.of("7", "8")));
  }

  @Test
  void aMessageWithoutAWholeReportHasNone() {
    assertThat(ImageMigrationReport.parse(null)).isEmpty();
    assertThat(ImageMigrationReport.parse("** (Postgrex.Error) boom")).isEmpty();
    assertThat(ImageMigrationReport.parse("fleetlm-migrations/v1 shipped=2 newest=1002 down=0"))
        .isEmpty();
    assertThat(
            ImageMigrationReport.parse(
                "fleetlm-migrations/v1 shipped=2 newest=1002 down=0 unknown=1,***"))
        .as("a version masked as a secret")
        .isEmpty();
  }

  @Test
  void listsSayHowManyMoreThereAre() {
    assertThat(ImageMigrationReport.listed(List.of("1", "2"), 5)).isEqualTo("1, 2 and 3 more");
    assertThat(ImageMigrationReport.listed(List.of("1", "2"), 2)).isEqualTo("1, 2");
  }
}
