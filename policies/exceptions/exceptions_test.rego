package exceptions_test

import rego.v1

import data.exceptions

waiver := {
	"name": "loadtest-mfa",
	"rule": "access.mfa_required",
	"scope": {"subjects": ["svc-loadtest"], "environments": ["staging"], "roles": ["sre"]},
	"ticket": "SEC-1234",
	"approver": "ciso@example.com",
	"granted": "2026-01-15T00:00:00Z",
	"expires": "2026-04-15T00:00:00Z",
}

attrs := {"subjects": "svc-loadtest", "environments": "staging", "roles": {"sre", "viewer"}}

test_unexpired_exception_in_scope_waives if {
	ws := exceptions.waivers("access.mfa_required", attrs) with data.attest.config.exceptions as {"loadtest-mfa": waiver}
		with input.now as "2026-03-01T00:00:00Z"
	object.keys(ws) == {"loadtest-mfa"}
	[r] := [r | some r in exceptions.reasons("access.mfa_required", ws)]
	r.id == "exception.waiver"
	r.ticket == "SEC-1234"
}

test_expired_exception_waives_nothing if {
	not exceptions.waivers("access.mfa_required", attrs) with data.attest.config.exceptions as {"loadtest-mfa": waiver}
		with input.now as "2026-04-15T00:00:00Z"
}

test_exception_not_yet_granted_waives_nothing if {
	not exceptions.waivers("access.mfa_required", attrs) with data.attest.config.exceptions as {"loadtest-mfa": waiver}
		with input.now as "2026-01-14T23:59:59Z"
}

test_other_rule_or_scope_waives_nothing if {
	not exceptions.waivers("access.review_overdue", attrs) with data.attest.config.exceptions as {"loadtest-mfa": waiver}
		with input.now as "2026-03-01T00:00:00Z"
	not exceptions.waivers("access.mfa_required", object.union(attrs, {"environments": "production"})) with data.attest.config.exceptions as {"loadtest-mfa": waiver}
		with input.now as "2026-03-01T00:00:00Z"
	not exceptions.waivers("access.mfa_required", object.remove(attrs, ["roles"])) with data.attest.config.exceptions as {"loadtest-mfa": waiver}
		with input.now as "2026-03-01T00:00:00Z"
}

test_no_exceptions_loaded if {
	not exceptions.waivers("access.mfa_required", attrs) with input.now as "2026-03-01T00:00:00Z"
}
