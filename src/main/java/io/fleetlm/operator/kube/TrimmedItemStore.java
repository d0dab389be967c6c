package io.fleetlm.operator.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * An informer cache that keeps objects without what the operator never reads: managedFields (often
 * the larger half of a Deployment) and kubectl's last-applied-configuration (a second copy of the
 * spec); for migration Jobs and their pods, the pod spec too, but for the containers' names and
 * images. Nothing the operator decides depends on what is dropped.
 */
public class TrimmedItemStore<T extends HasMetadata> implements ItemStore<T> {

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private final Map<String, T> items = new ConcurrentHashMap<>();
  private final UnaryOperator<T> slim;

  public TrimmedItemStore() {
    this(UnaryOperator.identity());
  }

  private TrimmedItemStore(UnaryOperator<T> slim) {
    this.slim = slim;
  }

  /** Migration Jobs: their pod template is read for its image only. */
  public static TrimmedItemStore<Job> jobs() {
    return new TrimmedItemStore<>(
        job -> {
          if (job.getSpec() != null && job.getSpec().getTemplate() != null) {
            job.getSpec()
                .getTemplate()
                .setSpec(containersOnly(job.getSpec().getTemplate().getSpec()));
          }
          return job;
        });
  }

  /** Migration pods: read for their metadata and status. */
  public static TrimmedItemStore<Pod> pods() {
    return new TrimmedItemStore<>(
        pod -> {
          pod.setSpec(containersOnly(pod.getSpec()));
          return pod;
        });
  }

  private static PodSpec containersOnly(PodSpec spec) {
    if (spec == null) {
      return null;
    }
    PodSpec slim = new PodSpec();
    slim.setNodeName(spec.getNodeName());
    slim.setContainers(
        Objects.requireNonNullElse(spec.getContainers(), List.<Container>of()).stream()
            .map(c -> new ContainerBuilder().withName(c.getName()).withImage(c.getImage()).build())
            .toList());
    return slim;
  }

  @Override
  public String getKey(T object) {
    return Cache.metaNamespaceKeyFunc(object);
  }

  @Override
  public T put(String key, T object) {
    return items.put(key, slim.apply(trim(object)));
  }

  @Override
  public T remove(String key) {
    return items.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<T> values() {
    return items.values().stream();
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public T get(String key) {
    return items.get(key);
  }

  static <T extends HasMetadata> T trim(T object) {
    ObjectMeta metadata = object.getMetadata();
    if (metadata != null) {
      metadata.setManagedFields(null);
      if (metadata.getAnnotations() != null) {
        metadata.getAnnotations().remove(LAST_APPLIED);
      }
      // A thousand objects carry the same few label values; keep one copy of each.
      if (metadata.getLabels() != null) {
        metadata.getLabels().replaceAll((key, value) -> value == null ? null : value.intern());
      }
    }
    return object;
  }
}
