package io.fleetlm.operator.kube;

import io.fleetlm.operator.api.DatabaseSpec;
import io.fleetlm.operator.api.FleetlmRelease;
import io.fleetlm.operator.api.FleetlmReleaseSpec;
import io.fleetlm.operator.api.MigrationSpec;
import io.fleetlm.operator.api.SecretKeyReference;

/** A FleetlmRelease as the API server would hand it to the reconciler. */
public final class ReleaseFixture {

  private ReleaseFixture() {}

  public static FleetlmRelease release(String name, String image) {
    FleetlmRelease release = new FleetlmRelease();
    release.getMetadata().setName(name);
    release.getMetadata().setNamespace("apps");
    release.getMetadata().setUid("0b1e7c1e-0000-4000-8000-000000000001");
    release.getMetadata().setGeneration(1L);
    FleetlmReleaseSpec spec = new FleetlmReleaseSpec();
    spec.setImage(image);
    spec.setReplicas(3);
    spec.setPublicHost("chat.example.com");
    DatabaseSpec database = new DatabaseSpec();
    database.setUrlSecretRef(new SecretKeyReference("db", "DATABASE_URL"));
    database.setSecretKeyBaseSecretRef(new SecretKeyReference("db", "SECRET_KEY_BASE"));
    spec.setDatabase(database);
    MigrationSpec migration = new MigrationSpec();
    migration.setExpectedVersion("20251021155555");
    spec.setMigration(migration);
    release.setSpec(spec);
    return release;
  }
}
