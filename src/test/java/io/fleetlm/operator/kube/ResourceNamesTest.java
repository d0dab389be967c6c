package io.fleetlm.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetlm.operator.api.FleetlmRelease;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Object names are a contract with what is already in the cluster: a short name must keep the names
 * every released operator gave it, and a long one must still be unique per release.
 */
class ResourceNamesTest {

  private static final String ID = "9fddef85d7";
  private static final String PREFIX = "customer-facing-realtime-chat-service-for-eu";

  @Test
  void shortNamesAreTheNamesReleasedOperatorsGave() {
    FleetlmRelease chat = ReleaseFixture.release("chat", "fleetlm:1");
    assertThat(ResourceNames.deploymentName(chat)).isEqualTo("chat");
    assertThat(ResourceNames.httpServiceName(chat)).isEqualTo("chat");
    assertThat(ResourceNames.headlessServiceName(chat)).isEqualTo("chat-headless");
    assertThat(ResourceNames.cookieSecretName(chat)).isEqualTo("chat-cookie");
    assertThat(ResourceNames.disruptionBudgetName(chat)).isEqualTo("chat");
    assertThat(ResourceNames.migrationJobName(chat, ID)).isEqualTo("chat-migrate-9fddef85d7");
    assertThat(ResourceNames.eventName(chat, 1_764_900_000_000_000L))
        .isEqualTo("chat.0006452acd906800");
    assertThat(ResourceNames.selectorLabels(chat, "app"))
        .containsEntry(ResourceNames.LABEL_INSTANCE, "chat");
  }

  @Test
  void aNameThatJustFitsIsNotCut() {
    String name = "a".repeat(63 - "-migrate-".length() - ID.length());
    FleetlmRelease release = ReleaseFixture.release(name, "fleetlm:1");
    assertThat(ResourceNames.migrationJobName(release, ID)).isEqualTo(name + "-migrate-" + ID);
    assertThat(ResourceNames.headlessServiceName(release)).isEqualTo(name + "-headless");
  }

  @Test
  void longNamesSharingAPrefixGetDistinctObjects() {
    FleetlmRelease blue = ReleaseFixture.release(PREFIX + "-west-blue", "fleetlm:1");
    FleetlmRelease green = ReleaseFixture.release(PREFIX + "-west-green", "fleetlm:1");

    for (Function<FleetlmRelease, String> name :
        List.<Function<FleetlmRelease, String>>of(
            r -> ResourceNames.migrationJobName(r, ID),
            ResourceNames::httpServiceName,
            ResourceNames::headlessServiceName,
            r -> ResourceNames.selectorLabels(r, "app").get(ResourceNames.LABEL_INSTANCE))) {
      assertThat(name.apply(blue)).isNotEqualTo(name.apply(green)).hasSizeLessThanOrEqualTo(63);
      assertThat(name.apply(blue)).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").startsWith("customer");
    }
  }

  @Test
  void aLongNameIsCutToAReadablePrefixAndAHashOfTheWholeName() {
    FleetlmRelease release = ReleaseFixture.release(PREFIX + "-west-blue", "fleetlm:1");
    assertThat(ResourceNames.migrationJobName(release, ID))
        .isEqualTo("customer-facing-realtime-chat-servi-13258937-migrate-9fddef85d7");
    assertThat(ResourceNames.httpServiceName(release))
        .isEqualTo("customer-facing-realtime-chat-service-for-eu-west-blue");
  }

  @Test
  void namesAtTheLimitOfAnObjectNameStillLeaveRoomForTheirSuffix() {
    FleetlmRelease release = ReleaseFixture.release("a".repeat(253), "fleetlm:1");
    assertThat(ResourceNames.cookieSecretName(release)).hasSize(253).endsWith("-cookie");
    assertThat(ResourceNames.eventName(release, 1L)).hasSize(253).endsWith(".0000000000000001");
  }

  @Test
  void aDatabaseLeaseIsNamedAfterTheDatabaseAsReleasedOperatorsNamedIt() {
    // One Lease per database across operator versions: a renamed Lease during an upgrade would let
    // a second migration start beside one the previous operator holds.
    String identity =
        io.fleetlm.operator.database.DatabaseUrl.parse("ecto://fleet:secret@db:5432/chat")
            .identity();
    assertThat(MigrationLockLease.name(identity)).isEqualTo("fleetlm-db-ec8735c1b666ddce");
  }
}
