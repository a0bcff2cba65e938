# Who may call attest's own API: evaluated on every request, as OPA's
# `--authorization=basic` evaluates data.system.authz.allow.
#
# Input (built by the server, never by the caller):
#   {"method": "POST", "path": ["v1", "data", "access", "decision"],
#    "params": {"pretty": ["true"]},
#    "identity": {"client": "c1a2…", "tenant": "acme", "roles": ["service"],
#                 "window": {"from": "…", "to": "…"} | null, "via": "token" | "certificate"},
#    "tenant_hints": ["acme"],                  # tenants named in the query or body
#    "target": {"kind": "rule" | "package" | "data" | "missing"},  # data API only
#    "report": {"from": "…", "to": "…"}}         # POST /v1/reports: the normalised period
# `identity` is absent when the request carried no credential. Tenant `*`
# marks platform credentials (company staff, platform services).
#
# Roles: service (decision paths of its own tenant), security (policies,
# reloads, decisions), auditor (reports and decisions of its tenant, within
# its window), admin (API clients, the audit log), monitoring (/metrics).
package system.authz

import rego.v1

default allow := false

identity := input.identity

roles := {r | some r in identity.roles}

platform if identity.tenant == "*"

# Every tenant the request names is the credential's own.
own_tenant if platform

own_tenant if {
	not platform
	count({t | some t in input.tenant_hints; t != identity.tenant}) == 0
}

any_role(wanted) if count(roles & wanted) > 0

# --- open to everyone: liveness

allow if {
	input.method == "GET"
	input.path[0] == "health"
}

# --- services: decisions on rule paths, for their own tenant

data_api if {
	input.path[0] == "v1"
	input.path[1] == "data"
	input.method in {"GET", "POST"}
}

data_api if {
	input.path[0] in {"v0", "v1"}
	input.path[1] == "data"
	input.method == "POST"
}

data_api if {
	input.path[0] == "v1"
	input.path[1] == "batch"
	input.path[2] == "data"
	input.method == "POST"
}

# POST / evaluates the default decision.
data_api if {
	input.path == []
	input.method == "POST"
}

# A rule (not base data, not a whole package tree, not attest's own system
# rules); a path where nothing is defined answers nothing, so it may be asked.
decision_path if {
	input.target.kind in {"rule", "missing"}
	not system_path
}

system_path if {
	some i
	input.path[i] == "data"
	input.path[i + 1] == "system"
	not input.path[i + 2] == "main"
}

allow if {
	data_api
	"service" in roles
	own_tenant
	decision_path
}

# Platform security staff may read any document, base data and whole packages included.
allow if {
	data_api
	"security" in roles
	platform
}

# --- security staff: policies, reloads, decisions

allow if {
	input.method == "GET"
	input.path[0] == "v1"
	input.path[1] == "policies"
	"security" in roles
}

allow if {
	input.method == "POST"
	input.path == ["v1", "admin", "reload"]
	"security" in roles
	platform
}

# Ad-hoc queries (/v1/query) can read anything, so only platform security staff run them.
allow if {
	input.method in {"GET", "POST"}
	input.path == ["v1", "query"]
	"security" in roles
	platform
}

# Writes of policies and base documents reach the server only to be told
# where changes are made instead (the policies directory, in Git): OPA's
# clients that push policies get OPA's answer, not a misleading 403.
allow if {
	input.method in {"PUT", "PATCH", "DELETE"}
	input.path[0] == "v1"
	input.path[1] in {"policies", "data"}
	"security" in roles
	platform
}

allow if {
	input.method == "GET"
	input.path[0] == "v1"
	input.path[1] == "decisions"
	any_role({"security", "auditor"})
	own_tenant
}

allow if {
	input.method == "GET"
	input.path[0] == "v1"
	input.path[1] in {"controls", "frameworks"}
	any_role({"security", "auditor", "admin"})
}

# --- auditors: reports of their tenant, within their window

allow if {
	input.method == "POST"
	input.path == ["v1", "reports"]
	any_role({"auditor", "security"})
	own_tenant
	within_window
}

allow if {
	input.method == "GET"
	input.path[0] == "v1"
	input.path[1] == "reports"
	count(input.path) > 2
	any_role({"auditor", "security"})
}

within_window if not identity.window

within_window if identity.window == null

within_window if {
	identity.window.from <= input.report.from
	input.report.to <= identity.window.to
}

# --- admins: API clients and the admin audit log

allow if {
	input.path[0] == "v1"
	input.path[1] == "admin"
	input.path[2] == "clients"
	"admin" in roles
	own_tenant
}

allow if {
	input.method == "GET"
	input.path == ["v1", "admin", "audit"]
	any_role({"admin", "auditor"})
}

# --- monitoring

allow if {
	input.method == "GET"
	input.path == ["metrics"]
	any_role({"monitoring", "admin", "security"})
}

# Why a request was refused (attest reads it for the error message and the log).
reason := "authentication required: send Authorization: Bearer <token>" if {
	not input.identity
} else := "the request names a tenant other than the credential's" if {
	not own_tenant
} else := "the requested period is outside the credential's window" if {
	input.report
	not within_window
} else := "only decision rules can be queried; base data, whole packages and system rules are not served to services" if {
	data_api
	"service" in roles
	not decision_path
} else := "the credential's roles do not allow this request"
