/** The config `zerogate-proxy init` writes: every key shown, with its default. */
export const STARTER_CONFIG = `# Zerogate proxy configuration. Reference: docs/config.md
server:
  listen: "0.0.0.0:8443"
  # Names and addresses agents use to reach this proxy; the server certificate covers them.
  hostnames: [localhost, 127.0.0.1]
dataDir: ./zerogate-data          # CA, server certificate and the store (keys are 0600)
devices:
  certTtl: 7d                     # device certificates are short-lived
enrollment:
  tokenTtl: 1h                    # default lifetime of one-time enrolment tokens
  maxTokenTtl: 30d
audit:
  file: stdout                    # stdout, none, or a file path (JSON lines)
apps: []
# apps:
#   - id: wiki
#     name: Engineering wiki
#     upstream: http://127.0.0.1:8081   # or tcp://db.internal:5432
#     users: [alice@example.com]
`;
