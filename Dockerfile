# The operator's image. The base images are build arguments, so the same Dockerfile builds with
# public images anywhere:
#   docker build -t ghcr.io/fleetlm/fleetlm-operator:0.1.0 .
# and here, without a registry, from a prebuilt target/quarkus-app, a runtime linked on this
# machine (hack/images/jre.sh) and a local Debian base (hack/images/build.sh does this with
# buildah):
#   buildah build --target runtime --build-context build=target --build-context jre=<jre.sh's> \
#     --build-arg RUNTIME_IMAGE=localhost/fleetlm/debian-base:<key> -t fleetlm-operator .
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG JDK_IMAGE=eclipse-temurin:25-jdk
ARG RUNTIME_IMAGE=debian:bookworm-slim

# Stage 1 builds the Quarkus fast-jar into /quarkus-app.
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
COPY crds ./crds
COPY helm/fleetlm-operator/crds ./helm/fleetlm-operator/crds
COPY hack/check-generated.sh ./hack/check-generated.sh
RUN mvn -B -q package -DskipTests && cp -r target/quarkus-app /quarkus-app

# Stage 2: a Java runtime of only the modules the operator uses (src/main/jvm/modules). JDK 25
# links without jmods (JEP 493).
FROM ${JDK_IMAGE} AS jre
COPY src/main/jvm/modules /tmp/modules
RUN jlink --add-modules "$(grep -v '^#' /tmp/modules | paste -sd, -)" --strip-debug \
      --no-header-files --no-man-pages --generate-cds-archive --output /opt/java

# Stage 3: the runtime and the application, running as non-root.
FROM ${RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="fleetlm-operator" \
      org.opencontainers.image.description="Migrates, verifies, then rolls out FleetLM releases"
WORKDIR /deployments
COPY --from=jre /opt/java /opt/java
ENV JAVA_HOME=/opt/java PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Quarkus fast-jar layout: dependencies change less often than the application, so copy them first.
COPY --from=build --chown=185:185 /quarkus-app/lib/ ./lib/
COPY --from=build --chown=185:185 /quarkus-app/*.jar /quarkus-app/operator.options ./
COPY --from=build --chown=185:185 /quarkus-app/app/ ./app/
COPY --from=build --chown=185:185 /quarkus-app/quarkus/ ./quarkus/
# The start is archived here, by the runtime that reads it: a JVM ignores an archive another JVM
# build wrote. quarkus.appcds.generate (Quarkus warns that it does not know it, yet reads it) makes
# the application exit once started, without a cluster, with status 0. JDK 25 writes an
# AOT cache (loaded and linked classes: JEP 483, 514), an older JDK an AppCDS archive; the options
# that use it go to runtime.options. The second start fails the build if this runtime cannot map
# it. JDK 25 also warns at start that Netty uses sun.misc.Unsafe (JEP 498), which it is allowed to.
RUN set -e; \
    if java -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput '; then \
      archive=app.aot; \
      echo "--sun-misc-unsafe-memory-access=allow -XX:AOTCache=/deployments/app.aot" > runtime.options; \
      java @operator.options --sun-misc-unsafe-memory-access=allow -XX:AOTCacheOutput=app.aot \
        -Dquarkus.appcds.generate=true -jar quarkus-run.jar >/dev/null 2>&1; \
      check="-XX:AOTMode=on"; \
    else \
      archive=app-cds.jsa; \
      echo "-XX:SharedArchiveFile=/deployments/app-cds.jsa" > runtime.options; \
      java @operator.options -XX:ArchiveClassesAtExit=app-cds.jsa -Dquarkus.appcds.generate=true \
        -jar quarkus-run.jar >/dev/null; \
      check="-Xshare:on"; \
    fi; \
    java @operator.options @runtime.options "$check" -Dquarkus.appcds.generate=true \
      -jar quarkus-run.jar >/dev/null; \
    chown 185:185 runtime.options "$archive"
USER 185:185
EXPOSE 8080
# operator.options (src/main/jvm): a small fixed heap, SerialGC, C1 only; runtime.options: the
# archive of a start, made above; JAVA_OPTS come after both, so they override them.
# glibc's malloc would keep an arena per thread: two are plenty for a JVM that allocates on its heap.
ENV JAVA_OPTS="-Djava.io.tmpdir=/tmp" MALLOC_ARENA_MAX=2
# The root filesystem is read-only in the Helm chart; /tmp is an emptyDir.
ENTRYPOINT ["sh", "-c", "exec java @/deployments/operator.options @/deployments/runtime.options $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
