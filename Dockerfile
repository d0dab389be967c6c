# The operator's image. Both base images are build arguments, so the same Dockerfile builds with
# public images anywhere:
#   docker build -t ghcr.io/fleetlm/fleetlm-operator:0.1.0 .
# and here, without a registry, from a prebuilt target/quarkus-app and a local JRE base
# (hack/images/build.sh does this with buildah):
#   buildah build --target runtime --build-context build=target \
#     --build-arg RUNTIME_IMAGE=localhost/fleetlm/debian-jre17:<key> -t fleetlm-operator .
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre-alpine

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

# Stage 2: a JRE image running as non-root.
FROM ${RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="fleetlm-operator" \
      org.opencontainers.image.description="Migrates, verifies, then rolls out FleetLM releases"
WORKDIR /deployments
# Quarkus fast-jar layout: dependencies change less often than the application, so copy them first.
COPY --from=build --chown=185:185 /quarkus-app/lib/ ./lib/
COPY --from=build --chown=185:185 /quarkus-app/*.jar /quarkus-app/operator.options ./
COPY --from=build --chown=185:185 /quarkus-app/app/ ./app/
COPY --from=build --chown=185:185 /quarkus-app/quarkus/ ./quarkus/
# The class archive is made here, by the JRE that reads it: a JVM ignores an archive another JVM
# build wrote (the build stage's JDK, or the machine's that ran mvn package). Quarkus starts up to
# its static init and exits. The second start fails the build if this JRE cannot map the archive.
RUN java @operator.options -XX:ArchiveClassesAtExit=app-cds.jsa -Dquarkus.appcds.generate=true \
      -jar quarkus-run.jar >/dev/null \
 && java @operator.options -XX:SharedArchiveFile=app-cds.jsa -Xshare:on \
      -Dquarkus.appcds.generate=true -jar quarkus-run.jar >/dev/null \
 && chown 185:185 app-cds.jsa
USER 185:185
EXPOSE 8080
# operator.options (src/main/jvm): a small fixed heap, SerialGC, C1 only; app-cds.jsa: the classes
# of a start, archived above; JAVA_OPTS come after both, so they override them.
# On glibc-based JREs (hack/images/build.sh builds on Debian) malloc would keep an arena per
# thread: two are plenty for a JVM that allocates on its heap. musl (the alpine default) ignores it.
ENV JAVA_OPTS="-Djava.io.tmpdir=/tmp" MALLOC_ARENA_MAX=2
# The root filesystem is read-only in the Helm chart; /tmp is an emptyDir.
ENTRYPOINT ["sh", "-c", "exec java @/deployments/operator.options -XX:SharedArchiveFile=/deployments/app-cds.jsa $JAVA_OPTS -jar /deployments/quarkus-run.jar"]
