package access_test

import rego.v1

import data.access

now := "2026-03-02T10:00:00Z"

mfa := {"method": "webauthn", "authenticated_at": "2026-03-02T08:00:00Z"}

grant(role) := {"role": role, "granted_at": "2025-06-01T00:00:00Z", "reviewed_at": "2026-01-10T00:00:00Z"}

sre := {"id": "alice@example.com", "grants": [grant("sre")], "mfa": mfa}

moderator := {"id": "mia@acme.example", "tenant": "acme", "grants": [grant("moderator")], "mfa": mfa}

req(subject, action, environment, resource) := {"now": now, "subject": subject, "action": action, "environment": environment, "resource": resource}

prod_write(subject) := req(subject, "write", "production", {"type": "production_systems", "id": "db-eu-1"})

jit := {
	"role": "sre_elevated",
	"ticket": "CHG-2041",
	"approved_by": {"id": "carol@example.com", "roles": ["policy_approver"]},
	"approved_at": "2026-03-02T09:00:00Z",
	"expires_at": "2026-03-02T13:00:00Z",
}

glass := {"ticket": "INC-4711", "started_at": "2026-03-02T09:30:00Z", "expires_at": "2026-03-02T12:30:00Z"}

ids(d) := {r.id | some r in d.reasons}

denied_by(d, id) if {
	d.allow == false
	id in ids(d)
}

# access.role_permission

test_moderator_reads_own_tenant_content if {
	d := access.decision with input as req(moderator, "read", "production", {"type": "moderation_content", "tenant": "acme"})
	d.allow
	"access.role_permission" in ids(d)
}

test_no_role_grants_the_action if {
	d := access.decision with input as req(moderator, "delete", "production", {"type": "account_data", "tenant": "acme"})
	denied_by(d, "access.role_permission")
}

test_default_deny_without_policy if {
	d := access.decision with input as req(moderator, "read", "production", {"type": "moderation_content", "tenant": "acme"})
		with data.attest.config.access as {}
	d.allow == false
	count(d.reasons) == 1
}

test_unknown_role_grants_nothing if {
	d := access.decision with input as req(object.union(moderator, {"grants": [grant("superuser")]}), "read", "production", {"type": "moderation_content", "tenant": "acme"})
	denied_by(d, "access.role_permission")
}

# access.environment_segmentation

test_staging_read_allowed if {
	d := access.decision with input as req(sre, "read", "staging", {"type": "production_systems", "id": "k8s-staging"})
	d.allow
}

test_staging_grant_does_not_open_production if {
	author := {"id": "pat@example.com", "grants": [grant("policy_author")], "mfa": mfa}
	access.decision.allow with input as req(author, "write", "staging", {"type": "policies"})
	d := access.decision with input as req(author, "write", "production", {"type": "policies"})
	denied_by(d, "access.environment_segmentation")
}

test_unknown_environment_denied if {
	d := access.decision with input as req(sre, "read", "prod-eu", {"type": "production_systems"})
	denied_by(d, "access.environment_segmentation")
}

# access.tenant_boundary

test_tenant_role_cannot_cross_tenants if {
	d := access.decision with input as req(moderator, "read", "production", {"type": "moderation_content", "tenant": "globex"})
	denied_by(d, "access.tenant_boundary")
}

test_platform_role_may_cross_tenants if {
	support := {"id": "sam@example.com", "tenant": "platform", "grants": [grant("support_engineer")], "mfa": mfa}
	d := access.decision with input as req(support, "read", "production", {"type": "account_data", "tenant": "globex"})
	d.allow
}

# access.mfa_required

test_production_without_mfa_denied if {
	d := access.decision with input as req(object.remove(moderator, ["mfa"]), "read", "production", {"type": "moderation_content", "tenant": "acme"})
	denied_by(d, "access.mfa_required")
}

test_stale_or_wrong_mfa_denied if {
	stale := object.union(moderator, {"mfa": {"method": "webauthn", "authenticated_at": "2026-03-01T20:00:00Z"}})
	denied_by(access.decision, "access.mfa_required") with input as req(stale, "read", "production", {"type": "moderation_content", "tenant": "acme"})
	sms := object.union(moderator, {"mfa": {"method": "sms", "authenticated_at": "2026-03-02T09:00:00Z"}})
	denied_by(access.decision, "access.mfa_required") with input as req(sms, "read", "production", {"type": "moderation_content", "tenant": "acme"})
}

test_admin_action_in_staging_needs_mfa if {
	admin := {"id": "ta@acme.example", "tenant": "acme", "grants": [grant("tenant_admin")]}
	d := access.decision with input as req(admin, "export", "production", {"type": "reports", "tenant": "acme"})
	denied_by(d, "access.mfa_required")
	access.decision.allow with input as req(object.union(admin, {"mfa": mfa}), "export", "production", {"type": "reports", "tenant": "acme"})
}

test_staging_read_needs_no_mfa if {
	d := access.decision with input as req(object.remove(sre, ["mfa"]), "read", "staging", {"type": "production_systems"})
	d.allow
	not "access.mfa_required" in ids(d)
}

test_mfa_exception_waives_and_says_so if {
	svc := {"id": "svc-loadtest", "tenant": "acme", "grants": [grant("sre")]}
	waiver := {
		"rule": "access.mfa_required",
		"scope": {"subjects": ["svc-loadtest"], "environments": ["production"]},
		"ticket": "SEC-1234",
		"approver": "ciso@example.com",
		"granted": "2026-02-01T00:00:00Z",
		"expires": "2026-04-01T00:00:00Z",
	}
	d := access.decision with input as req(svc, "read", "staging", {"type": "production_systems"})
	d.allow
	staging_admin := req(svc, "read", "production", {"type": "production_systems"})
	denied_by(access.decision, "access.mfa_required") with input as staging_admin
	d2 := access.decision with input as object.union(staging_admin, {"subject": {"jit_grants": [object.union(jit, {"role": "sre_elevated"})]}})
		with data.attest.config.exceptions as {"svc-mfa": waiver}
	d2.allow
	some r in d2.reasons
	r.id == "exception.waiver"
	r.waives == "access.mfa_required"
	r.ticket == "SEC-1234"
	d3 := access.decision with input as object.union(staging_admin, {"now": "2026-04-01T00:00:00Z", "subject": {"jit_grants": [object.union(jit, {"approved_at": "2026-03-31T22:00:00Z", "expires_at": "2026-04-01T02:00:00Z"})]}})
		with data.attest.config.exceptions as {"svc-mfa": waiver}
	denied_by(d3, "access.mfa_required")
}

# access.break_glass

test_break_glass_with_ticket_allows_and_notifies if {
	d := access.decision with input as prod_write(object.union(sre, {"break_glass": glass}))
	d.allow
	"access.break_glass" in ids(d)
	some o in d.obligations
	o.type == "notify"
	o.ticket == "INC-4711"
}

test_break_glass_without_matching_ticket_denied if {
	d := access.decision with input as prod_write(object.union(sre, {"break_glass": object.union(glass, {"ticket": "see slack"})}))
	denied_by(d, "access.break_glass")
}

test_break_glass_expired_or_too_long_denied if {
	denied_by(access.decision, "access.break_glass") with input as object.union(prod_write(object.union(sre, {"break_glass": glass})), {"now": "2026-03-02T12:30:00Z"})
	denied_by(access.decision, "access.break_glass") with input as prod_write(object.union(sre, {"break_glass": object.union(glass, {"expires_at": "2026-03-02T18:00:00Z"})}))
}

test_break_glass_needs_eligible_role if {
	d := access.decision with input as prod_write(object.union(moderator, {"break_glass": glass}))
	denied_by(d, "access.break_glass")
}

# access.jit_grant

test_jit_grant_allows_production_deploy if {
	d := access.decision with input as req(object.union(sre, {"jit_grants": [jit]}), "deploy", "production", {"type": "production_systems"})
	d.allow
	"access.jit_grant" in ids(d)
	{"type": "session_expires", "at": "2026-03-02T13:00:00Z"} in d.obligations
}

test_standing_privileged_role_needs_jit_in_production if {
	d := access.decision with input as req(sre, "read", "production", {"type": "production_systems"})
	denied_by(d, "access.jit_grant")
}

test_self_approved_or_expired_jit_denied if {
	self := object.union(jit, {"approved_by": {"id": "alice@example.com", "roles": ["policy_approver"]}})
	denied_by(access.decision, "access.jit_grant") with input as prod_write(object.union(sre, {"jit_grants": [self]}))
	denied_by(access.decision, "access.jit_grant") with input as object.union(prod_write(object.union(sre, {"jit_grants": [jit]})), {"now": "2026-03-02T13:00:01Z"})
	no_ticket := object.remove(jit, ["ticket"])
	denied_by(access.decision, "access.jit_grant") with input as prod_write(object.union(sre, {"jit_grants": [no_ticket]}))
}

# access.separation_of_duties

test_nobody_approves_their_own_policy_change if {
	approver := {"id": "pia@example.com", "grants": [grant("policy_approver")], "mfa": mfa}
	access.decision.allow with input as req(approver, "approve", "production", {"type": "policies", "author": "pat@example.com"})
	d := access.decision with input as req(approver, "approve", "production", {"type": "policies", "author": "pia@example.com"})
	denied_by(d, "access.separation_of_duties")
}

test_conflicting_roles_denied if {
	both := {"id": "pat@example.com", "grants": [grant("policy_author"), grant("policy_approver")], "mfa": mfa}
	d := access.decision with input as req(both, "read", "production", {"type": "policies"})
	denied_by(d, "access.separation_of_duties")
}

# access.review_overdue

test_grant_not_reviewed_in_time_denied if {
	stale := object.union(moderator, {"grants": [{"role": "moderator", "granted_at": "2025-09-01T00:00:00Z", "reviewed_at": "2025-11-20T00:00:00Z"}]})
	d := access.decision with input as req(stale, "read", "production", {"type": "moderation_content", "tenant": "acme"})
	denied_by(d, "access.review_overdue")
}

test_grant_within_grace_allowed if {
	# Reviewed 95 days before: past the 90-day period, inside the 7-day grace.
	recent := object.union(moderator, {"grants": [{"role": "moderator", "granted_at": "2025-09-01T00:00:00Z", "reviewed_at": "2025-11-27T00:00:00Z"}]})
	access.decision.allow with input as req(recent, "read", "production", {"type": "moderation_content", "tenant": "acme"})
}

test_review_exception_restores_access if {
	stale := object.union(moderator, {"grants": [{"role": "moderator", "granted_at": "2025-09-01T00:00:00Z"}]})
	waiver := {
		"rule": "access.review_overdue",
		"scope": {"tenants": ["acme"], "roles": ["moderator"]},
		"ticket": "SEC-77",
		"approver": "ciso@example.com",
		"granted": "2026-02-15T00:00:00Z",
		"expires": "2026-03-15T00:00:00Z",
	}
	d := access.decision with input as req(stale, "read", "production", {"type": "moderation_content", "tenant": "acme"})
		with data.attest.config.exceptions as {"q1-review-backlog": waiver}
	d.allow
	some r in d.reasons
	r.waives == "access.review_overdue"
}
