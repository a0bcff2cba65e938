# OPA's custom health checks: GET /health/live and GET /health/ready answer
# 200 when these rules are true, for liveness and readiness probes.
package system.health

default live := true

default ready := false

# Ready once a policy snapshot serves and the ledger's database answers.
ready if input.plugins_ready
