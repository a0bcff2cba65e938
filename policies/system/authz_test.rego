package system.authz_test

import rego.v1

import data.system.authz

svc := {"client": "c1", "tenant": "acme", "roles": ["service"], "window": null, "via": "token"}

decide(who, hints) := {"method": "POST", "path": ["v1", "data", "access", "decision"], "params": {}, "identity": who, "tenant_hints": hints, "target": {"kind": "rule"}}

test_service_decides_for_its_tenant if {
	authz.allow with input as decide(svc, ["acme"])
}

test_service_refused_for_another_tenant if {
	not authz.allow with input as decide(svc, ["acme", "globex"])
	authz.reason == "the request names a tenant other than the credential's" with input as decide(svc, ["globex"])
}

test_platform_service_decides_for_any_tenant if {
	authz.allow with input as decide(object.union(svc, {"tenant": "*"}), ["globex"])
}

test_no_credential_is_refused if {
	not authz.allow with input as object.remove(decide(svc, []), ["identity"])
	startswith(authz.reason, "authentication required") with input as object.remove(decide(svc, []), ["identity"])
}

test_base_data_and_system_rules_are_not_served if {
	not authz.allow with input as object.union(decide(svc, []), {"target": {"kind": "data"}})
	not authz.allow with input as object.union(decide(svc, []), {"target": {"kind": "package"}})
	not authz.allow with input as object.union(decide(svc, []), {"path": ["v1", "data", "system", "authz", "allow"]})
	authz.allow with input as object.union(decide(svc, []), {"path": ["v1", "data", "system", "main"]})
}

test_auditor_cannot_decide if {
	not authz.allow with input as decide(object.union(svc, {"roles": ["auditor"]}), [])
}

report(who, from, to) := {"method": "POST", "path": ["v1", "reports"], "identity": who, "tenant_hints": [], "report": {"from": from, "to": to}}

auditor := {"client": "a1", "tenant": "acme", "roles": ["auditor"], "window": {"from": "2025-01-01T00:00:00.000000000Z", "to": "2025-04-01T00:00:00.000000000Z"}}

test_auditor_without_window_reports_any_period if {
	authz.allow with input as report(object.union(auditor, {"window": null}), "2019-01-01T00:00:00.000000000Z", "2030-01-01T00:00:00.000000000Z")
}

test_auditor_reports_within_window if {
	authz.allow with input as report(auditor, "2025-01-01T00:00:00.000000000Z", "2025-04-01T00:00:00.000000000Z")
	not authz.allow with input as report(auditor, "2024-12-01T00:00:00.000000000Z", "2025-04-01T00:00:00.000000000Z")
	authz.reason == "the requested period is outside the credential's window" with input as report(auditor, "2025-01-01T00:00:00.000000000Z", "2025-05-01T00:00:00.000000000Z")
}

test_reload_needs_platform_security if {
	authz.allow with input as {"method": "POST", "path": ["v1", "admin", "reload"], "identity": {"tenant": "*", "roles": ["security"]}}
	not authz.allow with input as {"method": "POST", "path": ["v1", "admin", "reload"], "identity": {"tenant": "acme", "roles": ["security"]}}
	not authz.allow with input as {"method": "POST", "path": ["v1", "admin", "reload"], "identity": {"tenant": "*", "roles": ["service", "auditor"]}}
}

test_admins_manage_clients_of_their_tenant if {
	authz.allow with input as {"method": "POST", "path": ["v1", "admin", "clients"], "identity": {"tenant": "acme", "roles": ["admin"]}, "tenant_hints": ["acme"]}
	not authz.allow with input as {"method": "POST", "path": ["v1", "admin", "clients"], "identity": {"tenant": "acme", "roles": ["admin"]}, "tenant_hints": ["*"]}
	not authz.allow with input as {"method": "GET", "path": ["v1", "admin", "clients"], "identity": {"tenant": "acme", "roles": ["security"]}, "tenant_hints": []}
}

test_health_is_open_metrics_are_not if {
	authz.allow with input as {"method": "GET", "path": ["health"]}
	not authz.allow with input as {"method": "GET", "path": ["metrics"]}
	authz.allow with input as {"method": "GET", "path": ["metrics"], "identity": {"tenant": "*", "roles": ["monitoring"]}}
}

test_policy_and_data_writes_reach_the_server_only_for_platform_security if {
	authz.allow with input as {"method": "PUT", "path": ["v1", "policies", "access.rego"], "identity": {"tenant": "*", "roles": ["security"]}}
	authz.allow with input as {"method": "DELETE", "path": ["v1", "data", "access"], "identity": {"tenant": "*", "roles": ["security"]}}
	not authz.allow with input as {"method": "PUT", "path": ["v1", "policies", "access.rego"], "identity": {"tenant": "acme", "roles": ["security"]}}
	not authz.allow with input as {"method": "PUT", "path": ["v1", "data", "access"], "identity": {"tenant": "*", "roles": ["service", "admin"]}}
}

test_ad_hoc_queries_only_for_platform_security if {
	authz.allow with input as {"method": "POST", "path": ["v1", "query"], "identity": {"tenant": "*", "roles": ["security"]}}
	authz.allow with input as {"method": "GET", "path": ["v1", "query"], "identity": {"tenant": "*", "roles": ["security"]}}
	not authz.allow with input as {"method": "POST", "path": ["v1", "query"], "identity": {"tenant": "acme", "roles": ["security"]}}
	not authz.allow with input as {"method": "POST", "path": ["v1", "query"], "identity": {"tenant": "*", "roles": ["service", "auditor"]}}
}
