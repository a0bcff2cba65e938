# Access control: may this subject perform this action on this resource in
# this environment? Settings come from the AccessPolicy YAML
# (data.attest.config.access); exceptions from data.attest.config.exceptions.
#
# Input:
#   {"now": "2026-03-02T10:00:00Z",
#    "subject": {"id": "alice@example.com", "tenant": "acme",
#                "grants": [{"role": "sre", "granted_at": "…", "reviewed_at": "…"}],
#                "mfa": {"method": "webauthn", "authenticated_at": "…"},
#                "jit_grants": [{"role": "sre_elevated", "ticket": "CHG-1",
#                                "approved_by": {"id": "carol@example.com", "roles": ["policy_approver"]},
#                                "approved_at": "…", "expires_at": "…"}],
#                "break_glass": {"ticket": "INC-4711", "started_at": "…", "expires_at": "…"}},
#    "action": "write", "environment": "production",
#    "resource": {"type": "production_systems", "tenant": "acme", "id": "db-1", "author": "bob@example.com"}}
#
# A role is usable when it comes from a standing grant reviewed on time, a
# valid just-in-time grant or a valid break-glass session, grants the action
# on the resource type in this environment, respects the tenant boundary
# (tenant-scoped roles only inside the subject's tenant), and — in an
# environment with jit_required — is not a privileged role held only as a
# standing grant. Access is allowed when some role is usable and no rule
# denies. Default deny.
package access

import rego.v1

import data.attest.config.access as cfg
import data.attest.lib.clock
import data.exceptions

subject := input.subject

env := cfg.environments[input.environment]

# --- where roles come from

standing_grants contains g if {
	some g in subject.grants
	cfg.roles[g.role]
}

review_applies(role) if cfg.review.applies_to == "all"

review_applies(role) if cfg.roles[role].privileged

review_due_ns(g) := clock.add(clock.add(clock.ns(object.get(g, "reviewed_at", g.granted_at)), cfg.review.period), cfg.review.grace)

overdue(g) if {
	review_applies(g.role)
	clock.now_ns >= review_due_ns(g)
}

overdue(g) if {
	review_applies(g.role)
	not review_due_ns(g)
}

# Every check is written so that a missing field fails it (`not` of an undefined check is true).
jit_problems(g) := {jit_messages[k] | some k, _ in jit_messages; not jit_check(g, k)}

jit_messages := {
	"disabled": "just-in-time grants are disabled",
	"role": "the role cannot be granted just in time",
	"self": "a just-in-time grant must be approved by someone else",
	"approver": sprintf("the approver holds none of the approver roles %v", [cfg.jit.approver_roles]),
	"expired": "the grant has expired",
	"duration": sprintf("the grant is longer than %v", [object.get(cfg.jit, "max_duration", null)]),
	"ticket": "the grant has no ticket",
}

jit_check(_, "disabled") if cfg.jit.enabled == true

jit_check(g, "role") if g.role in cfg.jit.grantable_roles

jit_check(g, "self") if g.approved_by.id != subject.id

jit_check(g, "approver") if {
	some r in g.approved_by.roles
	r in cfg.jit.approver_roles
}

jit_check(g, "expired") if unexpired(g)

jit_check(g, "duration") if within_max(g, "approved_at", cfg.jit.max_duration)

jit_check(g, "ticket") if not cfg.jit.require_ticket

jit_check(g, "ticket") if count(g.ticket) > 0

unexpired(obj) if clock.now_ns < clock.ns(obj.expires_at)

within_max(obj, from, max) if clock.add(clock.ns(obj[from]), max) >= clock.ns(obj.expires_at)

valid_jit contains g if {
	some g in subject.jit_grants
	count(jit_problems(g)) == 0
}

break_glass := subject.break_glass

break_glass_problems := {break_glass_messages[k] | some k, _ in break_glass_messages; not break_glass_check(k)}

break_glass_messages := {
	"disabled": "break-glass is disabled",
	"eligible": sprintf("break-glass needs a standing grant of one of %v", [cfg.break_glass.eligible_roles]),
	"ticket": sprintf("ticket %v does not match %v", [object.get(break_glass, "ticket", null), object.get(cfg.break_glass, "ticket_pattern", null)]),
	"expired": "the break-glass window has expired",
	"duration": sprintf("the break-glass window is longer than %v", [object.get(cfg.break_glass, "max_duration", null)]),
}

break_glass_check("disabled") if cfg.break_glass.enabled == true

break_glass_check("eligible") if break_glass_eligible

break_glass_check("ticket") if regex.match(cfg.break_glass.ticket_pattern, break_glass.ticket)

break_glass_check("expired") if unexpired(break_glass)

break_glass_check("duration") if within_max(break_glass, "started_at", cfg.break_glass.max_duration)

break_glass_eligible if {
	some g in standing_grants
	g.role in cfg.break_glass.eligible_roles
}

valid_break_glass if {
	break_glass
	count(break_glass_problems) == 0
}

# Roles held through any valid source, with the source.
held contains {"role": g.role, "source": "standing", "overdue": true} if {
	some g in standing_grants
	overdue(g)
}

held contains {"role": g.role, "source": "standing", "overdue": false} if {
	some g in standing_grants
	not overdue(g)
}

held contains {"role": g.role, "source": "jit", "overdue": false, "expires_at": g.expires_at} if some g in valid_jit

held contains {"role": cfg.break_glass.grants_role, "source": "break_glass", "overdue": false, "expires_at": break_glass.expires_at} if valid_break_glass

active_roles := {h.role | some h in held; not h.overdue} | {h.role | some h in held; h.overdue; waived["access.review_overdue"]}

grants_here(role) if {
	some p in cfg.roles[role].permissions
	p.resource == input.resource.type
	input.action in p.actions
	input.environment in p.environments
}

grants_anywhere(role) if {
	some p in cfg.roles[role].permissions
	p.resource == input.resource.type
	input.action in p.actions
}

crosses_tenant if object.get(input.resource, "tenant", null) != object.get(subject, "tenant", null)

tenant_ok(role) if cfg.roles[role].scope == "platform"

tenant_ok(role) if {
	cfg.roles[role].scope == "tenant"
	not crosses_tenant
}

# Standing privileged roles do not open an environment that requires JIT.
jit_ok(h) if not env.jit_required

jit_ok(h) if h.source != "standing"

jit_ok(h) if not cfg.roles[h.role].privileged

jit_ok(h) if waived["access.jit_grant"]

candidates contains h if {
	some h in held
	grants_here(h.role)
}

usable contains h if {
	some h in candidates
	not h.overdue
	tenant_ok(h.role)
	jit_ok(h)
}

usable contains h if {
	some h in candidates
	h.overdue
	waived["access.review_overdue"]
	tenant_ok(h.role)
	jit_ok(h)
}

# --- exceptions

waivable := {"access.mfa_required", "access.review_overdue", "access.jit_grant"}

scope_attrs := {k: v |
	some k, v in {
		"subjects": object.get(subject, "id", null),
		"tenants": object.get(subject, "tenant", null),
		"roles": {g.role | some g in standing_grants},
		"resources": object.get(input.resource, "type", null),
		"environments": object.get(input, "environment", null),
	}
	v != null
}

waived[id] := ws if {
	some id in waivable
	ws := exceptions.waivers(id, scope_attrs)
}

# --- rules that deny

deny_reason(id, msg) := {"id": id, "effect": "deny", "message": msg}

# METADATA
# title: The subject's roles grant the action on the resource
# custom:
#   id: access.role_permission
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
deny contains deny_reason("access.role_permission", msg) if {
	not any_role_grants_anywhere
	msg := sprintf("none of the subject's roles %v grants %s on %s", [sort({h.role | some h in held}), input.action, input.resource.type])
}

any_role_grants_anywhere if {
	some h in held
	grants_anywhere(h.role)
}

# METADATA
# title: A grant for one environment never opens another
# custom:
#   id: access.environment_segmentation
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
deny contains deny_reason("access.environment_segmentation", msg) if {
	not env
	msg := sprintf("unknown environment %v", [object.get(input, "environment", null)])
}

# METADATA
# title: A grant for one environment never opens another
# custom:
#   id: access.environment_segmentation
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
deny contains deny_reason("access.environment_segmentation", msg) if {
	env
	any_role_grants_anywhere
	count(candidates) == 0
	msg := sprintf("the subject's roles grant %s on %s only outside %s", [input.action, input.resource.type, input.environment])
}

# METADATA
# title: A tenant-scoped subject acts only inside its own tenant; platform roles may cross
# custom:
#   id: access.tenant_boundary
#   controls: [CTL-ACCESS-TENANT-SEGMENTATION]
deny contains deny_reason("access.tenant_boundary", msg) if {
	count(candidates) > 0
	every h in candidates {
		not tenant_ok(h.role)
	}
	msg := sprintf("subject of tenant %v may not act on a resource of tenant %v with tenant-scoped roles %v", [object.get(subject, "tenant", null), object.get(input.resource, "tenant", null), sort({h.role | some h in candidates})])
}

# METADATA
# title: Production and admin/approve/deploy/delete/export actions need a recent second factor
# custom:
#   id: access.mfa_required
#   controls: [CTL-ACCESS-MFA]
#   waivable: true
deny contains deny_reason("access.mfa_required", msg) if {
	some msg in mfa_problems
	not waived["access.mfa_required"]
}

mfa_required if input.environment in cfg.mfa.required_for.environments

mfa_required if env.mfa_required

mfa_required if input.action in cfg.mfa.required_for.actions

mfa_required if input.resource.type in cfg.mfa.required_for.resources

mfa_problems contains msg if {
	mfa_required
	not subject.mfa.authenticated_at
	msg := sprintf("%s on %s in %s requires MFA; the subject has not authenticated with a second factor", [input.action, input.resource.type, input.environment])
}

mfa_problems contains msg if {
	mfa_required
	at := clock.ns(subject.mfa.authenticated_at)
	clock.now_ns >= clock.add(at, cfg.mfa.max_age)
	msg := sprintf("the second factor from %s is older than %s; authenticate again", [subject.mfa.authenticated_at, cfg.mfa.max_age])
}

mfa_problems contains msg if {
	mfa_required
	subject.mfa.authenticated_at
	count(cfg.mfa.methods) > 0
	not object.get(subject.mfa, "method", null) in cfg.mfa.methods
	msg := sprintf("MFA method %v is not one of %v", [object.get(subject.mfa, "method", null), cfg.mfa.methods])
}

# METADATA
# title: Just-in-time grants are approved, unexpired and for a grantable role
# custom:
#   id: access.jit_grant
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
#   waivable: true
deny contains deny_reason("access.jit_grant", msg) if {
	count(usable) == 0
	some g in subject.jit_grants
	grants_here(g.role)
	problems := jit_problems(g)
	count(problems) > 0
	msg := sprintf("just-in-time grant of %s is not valid: %s", [g.role, concat("; ", sort(problems))])
}

# METADATA
# title: Just-in-time grants are approved, unexpired and for a grantable role
# custom:
#   id: access.jit_grant
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
#   waivable: true
deny contains deny_reason("access.jit_grant", msg) if {
	count(usable) == 0
	some h in candidates
	tenant_ok(h.role)
	not jit_ok(h)
	msg := sprintf("%s requires a just-in-time grant or break-glass for privileged role %s; standing access is not enough", [input.environment, h.role])
}

# METADATA
# title: Break-glass needs an eligible role, a matching ticket and an unexpired window
# custom:
#   id: access.break_glass
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
deny contains deny_reason("access.break_glass", msg) if {
	count(usable) == 0
	break_glass
	count(break_glass_problems) > 0
	msg := sprintf("break-glass refused: %s", [concat("; ", sort(break_glass_problems))])
}

# METADATA
# title: Nobody approves their own change; nobody holds conflicting roles
# custom:
#   id: access.separation_of_duties
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
deny contains deny_reason("access.separation_of_duties", msg) if {
	some rule in cfg.separation_of_duties.no_self_approval
	rule.resource == input.resource.type
	rule.action == input.action
	some who in {object.get(input.resource, "author", null), object.get(input.resource, "requested_by", null)}
	who == subject.id
	msg := sprintf("%s may not %s a %s change they made themselves", [subject.id, input.action, input.resource.type])
}

# METADATA
# title: Nobody approves their own change; nobody holds conflicting roles
# custom:
#   id: access.separation_of_duties
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
deny contains deny_reason("access.separation_of_duties", msg) if {
	some c in cfg.separation_of_duties.conflicting_roles
	every r in c.roles {
		r in active_roles
	}
	msg := sprintf("roles %v must not be held together: %s", [c.roles, c.reason])
}

# METADATA
# title: Grants not reviewed within the review period (plus grace) are denied
# custom:
#   id: access.review_overdue
#   controls: [CTL-ACCESS-LEAST-PRIVILEGE]
#   waivable: true
deny contains deny_reason("access.review_overdue", msg) if {
	count(usable) == 0
	not waived["access.review_overdue"]
	some h in candidates
	h.overdue
	msg := sprintf("grant of role %s was not reviewed within %s (plus %s grace); it no longer opens access", [h.role, cfg.review.period, cfg.review.grace])
}

# --- the decision

allow if {
	count(usable) > 0
	count(deny) == 0
}

# Rules an exception actually changed the outcome of.
relied_on contains "access.mfa_required" if {
	waived["access.mfa_required"]
	count(mfa_problems) > 0
}

relied_on contains "access.review_overdue" if {
	waived["access.review_overdue"]
	some h in usable
	h.overdue
}

relied_on contains "access.jit_grant" if {
	waived["access.jit_grant"]
	some h in usable
	env.jit_required
	h.source == "standing"
	cfg.roles[h.role].privileged
}

allow_reasons contains {"id": "access.role_permission", "effect": "allow", "message": msg} if {
	allow
	some h in usable
	msg := sprintf("role %s (%s) grants %s on %s in %s", [h.role, h.source, input.action, input.resource.type, input.environment])
}

allow_reasons contains {"id": "access.mfa_required", "effect": "allow", "message": msg} if {
	allow
	mfa_required
	count(mfa_problems) == 0
	msg := sprintf("second factor %s at %s is within %s", [subject.mfa.method, subject.mfa.authenticated_at, cfg.mfa.max_age])
}

allow_reasons contains {"id": "access.break_glass", "effect": "allow", "message": msg} if {
	allow
	some h in usable
	h.source == "break_glass"
	msg := sprintf("break-glass under %s grants %s until %s", [break_glass.ticket, h.role, h.expires_at])
}

allow_reasons contains {"id": "access.jit_grant", "effect": "allow", "message": msg} if {
	allow
	some h in usable
	h.source == "jit"
	msg := sprintf("just-in-time grant of %s until %s", [h.role, h.expires_at])
}

allow_reasons contains r if {
	allow
	some id in relied_on
	some r in exceptions.reasons(id, waived[id])
}

obligations contains {"type": "notify", "to": cfg.break_glass.notify, "ticket": break_glass.ticket} if {
	allow
	some h in usable
	h.source == "break_glass"
}

obligations contains {"type": "session_expires", "at": at} if {
	allow
	expiring := [h.expires_at | some h in usable; h.expires_at]
	count(expiring) == count(usable)
	at := min(expiring)
}

# Privileged roles and administrative actions are written to the admin audit log.
obligations contains {"type": "audit_log", "log": "admin_audit_log"} if {
	allow
	privileged_use
}

privileged_use if {
	some h in usable
	cfg.roles[h.role].privileged
}

privileged_use if input.action in {"admin", "approve", "deploy", "delete", "export"}

default decision := {
	"allow": false,
	"reasons": [{"id": "access.role_permission", "effect": "deny", "message": "no access policy is loaded or the request could not be evaluated; denied"}],
	"obligations": [],
}

decision := {"allow": true, "reasons": sorted(allow_reasons), "obligations": sorted(obligations)} if allow

decision := {"allow": false, "reasons": sorted(deny), "obligations": []} if {
	cfg.roles
	not allow
	count(deny) > 0
}

decision := {"allow": false, "reasons": [deny_reason("access.role_permission", msg)], "obligations": []} if {
	cfg.roles
	not allow
	count(deny) == 0
	msg := sprintf("no usable role grants %v on %v in %v", [object.get(input, "action", null), object.get(input, ["resource", "type"], null), object.get(input, "environment", null)])
}

sorted(s) := [x | some x in s]
