# The runner-dashboard image: /app is the artifact of `npm run package`, byte for byte,
# and nothing else from the repository (.dockerignore lets only that directory in).
# There is no build stage: the one build recipe is `npm run package`, run first, with the
# Node major this image runs (22), on the OS family of the base (glibc, Debian bookworm),
# on the architecture being built:
#
#   node scripts/npm-ci.mjs && npm run package   # -> dist/runner-dashboard-<version>/
#   docker build --build-arg VERSION=<version> --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=<RFC 3339> --build-arg SOURCE=https://github.com/<owner>/runner-dashboard .
#
# .github/workflows/build-image.yml does exactly this per architecture; tests/image.test.ts
# does it offline with buildah and a locally assembled base (docs/consumption-contract.md).
# The build fails unless the artifact's native module matches this image's Node ABI,
# platform and architecture, and its version and revision match the labels.

# The official Node.js 22 LTS image (Debian bookworm, slim), by the digest of its
# multi-architecture index (node 22.23.2 when pinned). Renovate/Dependabot-style bumps
# change this line only.
ARG BASE_IMAGE=docker.io/library/node:22-bookworm-slim@sha256:48e4b67d85f87bd551df43704e24d252f56cc5f8e9718841aace50f19948f0f9

FROM ${BASE_IMAGE}

# VERSION selects dist/runner-dashboard-<VERSION>/ and must equal the artifact's version.
ARG VERSION
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=
ARG LICENSES=Apache-2.0

LABEL org.opencontainers.image.title="runner-dashboard" \
      org.opencontainers.image.description="One dashboard for self-hosted CI runner fleets: GitLab runners, GitHub Actions and ARC scale sets, and their drift from OpenTofu configuration." \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="${LICENSES}"

# Owned by root and not writable by the app's user: the app cannot change its own code.
COPY dist/runner-dashboard-${VERSION}/ /app/

# Node only (no shell needed in the base): refuse an artifact built for another Node ABI,
# platform or version; prove the native module loads; create the app's user (uid/gid 10001)
# and its only writable directory, /data.
RUN ["node", "-e", "\
const fs = require('fs'); \
const fail = (m) => { console.error('runner-dashboard image: ' + m); process.exit(1); }; \
const v = JSON.parse(fs.readFileSync('/app/VERSION.json', 'utf8')); \
if (v.node_abi !== process.versions.modules) fail('the artifact was packaged with Node ' + v.node + ' (ABI ' + v.node_abi + ') but this image runs Node ' + process.version + ' (ABI ' + process.versions.modules + '): run npm run package with the Node major of the image'); \
if (v.platform !== process.platform || v.arch !== process.arch) fail('the artifact is for ' + v.platform + '-' + v.arch + ', this image is ' + process.platform + '-' + process.arch); \
if (v.version !== process.env.VERSION) fail('--build-arg VERSION=' + process.env.VERSION + ' but the artifact is ' + v.version); \
if (process.env.REVISION !== 'unknown' && process.env.REVISION !== v.revision) fail('--build-arg REVISION=' + process.env.REVISION + ' but the artifact was built from ' + v.revision); \
const Database = require('/app/node_modules/better-sqlite3'); \
const db = new Database(':memory:'); \
console.log('runner-dashboard ' + v.version + ' (' + v.revision + '), node ' + process.version + ', sqlite ' + db.prepare('select sqlite_version() as v').get().v); \
db.close(); \
const add = (file, line) => { const t = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''; if (!/^[^:]*:[^:]*:10001:/m.test(t)) fs.writeFileSync(file, t + (t && !t.endsWith('\\n') ? '\\n' : '') + line + '\\n'); }; \
add('/etc/group', 'runner-dashboard:x:10001:'); \
add('/etc/passwd', 'runner-dashboard:x:10001:10001:runner-dashboard:/tmp:/usr/sbin/nologin'); \
fs.mkdirSync('/data', { recursive: true }); \
fs.chownSync('/data', 10001, 10001); \
fs.chmodSync('/data', 0o700); \
fs.mkdirSync('/tmp', { recursive: true }); \
fs.chmodSync('/tmp', 0o1777); \
"]

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    RUNNER_DASHBOARD_DATA_DIR=/data \
    HOME=/tmp

USER 10001:10001
WORKDIR /app
VOLUME ["/data"]
EXPOSE 3000

# Needs nothing but node. Probes 127.0.0.1 on PORT, so keep HOST at 0.0.0.0 (or 127.0.0.1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "/app/index.js"]
CMD ["serve"]
