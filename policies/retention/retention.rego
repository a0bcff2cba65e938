# Retention: what happens to a stored record now, under the RetentionSchedule
# YAML (data.attest.config.retention).
#
# Input:
#   {"now": "2026-03-01T00:00:00Z",
#    "record": {"id": "r-1", "class": "moderation_content", "region": "DE", "tenant": "acme",
#               "created_at": "…", "case_closed_at": "…", "account_deleted_at": "…", "last_activity_at": "…",
#               "holds": [{"type": "legal", "ticket": "LEGAL-12", "placed_at": "…", "reviewed_at": "…"}]},
#    "erasure_request": {"id": "ER-9", "received_at": "…", "open_security_investigation": false,
#                        "open_legal_claim": false, "unpaid_balance": false}}
#
# Decision actions: retain (not due, or held), delete | anonymize | archive
# (the end action is due), restrict (kept but processing restricted: an
# erasure obligation or a hold blocks an erasure request). `due_at` is when
# the action is (or was) due; null when the counting event has not happened.
# Fail closed: a record of a class without a rule is kept and flagged, never
# deleted by guesswork; an unknown hold type suspends deletion until resolved.
package retention

import rego.v1

import data.attest.config.retention as cfg
import data.attest.lib.clock
import data.exceptions

record := input.record

erasure := input.erasure_request

# The class rule with the overrides of the record's region applied.
class_rule := object.union(cfg.classes[record.class], override) if {
	overrides := [o.classes[record.class] |
		some o in cfg.regional_overrides
		record.region in o.regions
		o.classes[record.class]
	]
	override := object.union_n(overrides)
}

regional_basis := [o.legal_basis |
	some o in cfg.regional_overrides
	record.region in o.regions
	o.classes[record.class]
]

event_fields := {"creation": "created_at", "case_closure": "case_closed_at", "account_deletion": "account_deleted_at", "last_activity": "last_activity_at"}

event_field := event_fields[class_rule.from]

scheduled_due_ns := clock.add(clock.ns(record[event_field]), class_rule.period)

scheduled_due := clock.format(scheduled_due_ns)

# METADATA
# title: End action and due date of a record under the retention schedule
# custom:
#   id: retention.schedule
#   controls: [CTL-RETENTION-SCHEDULE]
#   waivable: true
schedule := {"action": action, "due_at": scheduled_due, "reason": msg} if {
	clock.now_ns >= scheduled_due_ns
	not waived
	action := class_rule.action
	msg := sprintf("%s is kept %s from %s%s; %s was due at %s", [record.class, class_rule.period, class_rule.from, basis_note, action, scheduled_due])
}

# METADATA
# title: End action and due date of a record under the retention schedule
# custom:
#   id: retention.schedule
#   controls: [CTL-RETENTION-SCHEDULE]
#   waivable: true
schedule := {"action": "retain", "due_at": scheduled_due, "reason": msg} if {
	clock.now_ns < scheduled_due_ns
	msg := sprintf("%s is kept %s from %s%s; %s at %s", [record.class, class_rule.period, class_rule.from, basis_note, class_rule.action, scheduled_due])
}

schedule := {"action": "retain", "due_at": null, "reason": msg} if {
	class_rule
	not record[event_field]
	msg := sprintf("%s is kept %s from %s, which has not happened (no %s)", [record.class, class_rule.period, class_rule.from, event_field])
}

schedule := {"action": "retain", "due_at": scheduled_due, "reason": msg} if {
	clock.now_ns >= scheduled_due_ns
	waived
	msg := sprintf("%s of %s was due at %s; postponed by exception", [class_rule.action, record.class, scheduled_due])
}

basis_note := sprintf(" (%s)", [concat("; ", regional_basis)]) if {
	count(regional_basis) > 0
} else := ""

waivers := exceptions.waivers("retention.schedule", {k: v |
	some k, v in {"data_classes": record.class, "regions": object.get(record, "region", null), "tenants": object.get(record, "tenant", null)}
	v != null
})

waived if waivers

# --- holds

# METADATA
# title: An active legal or dispute hold suspends the end action
# custom:
#   id: retention.legal_hold
#   controls: [CTL-RETENTION-SCHEDULE]
active_holds contains {"type": h.type, "ticket": object.get(h, "ticket", null), "message": msg} if {
	some h in record.holds
	hold := cfg.holds[h.type]
	hold_applies(hold)
	count(hold_problems(h, hold)) == 0
	msg := sprintf("%s hold %v suspends the end action: %s", [h.type, object.get(h, "ticket", null), hold.description])
}

# METADATA
# title: An active legal or dispute hold suspends the end action
# custom:
#   id: retention.legal_hold
#   controls: [CTL-RETENTION-SCHEDULE]
active_holds contains {"type": h.type, "ticket": object.get(h, "ticket", null), "message": msg} if {
	some h in record.holds
	not cfg.holds[h.type]
	msg := sprintf("hold type %v is not in the retention schedule; deletion is suspended until it is resolved", [h.type])
}

hold_applies(hold) if hold.applies_to == null

hold_applies(hold) if record.class in hold.applies_to

hold_problems(h, hold) := ticket_problems(h, hold) | review_problems(h, hold)

ticket_problems(h, hold) := {"the hold has no ticket" |
	hold.require_ticket
	count(object.get(h, "ticket", "")) == 0
}

review_problems(h, hold) := {sprintf("the hold was not reviewed within %s", [hold.review_every]) |
	hold.review_every != null
	clock.now_ns >= clock.add(clock.ns(object.get(h, "reviewed_at", h.placed_at)), hold.review_every)
}

# Holds that were placed but do not count, with why (reported, never silently dropped).
lapsed_holds contains sprintf("%s hold %v does not apply: %s", [h.type, object.get(h, "ticket", null), concat("; ", sort(problems))]) if {
	some h in record.holds
	hold := cfg.holds[h.type]
	hold_applies(hold)
	problems := hold_problems(h, hold)
	count(problems) > 0
}

held if count(active_holds) > 0

# --- erasure requests (GDPR Art. 17)

erasure_reaches if {
	erasure
	record.class in cfg.erasure.classes
}

erasure_due := clock.add_text(erasure.received_at, cfg.erasure.deadline)

obligation_holds(o) if o.condition == "always"

obligation_holds(o) if {
	o.condition != "always"
	erasure[o.condition] == true
}

# METADATA
# title: An obligation keeps the record; processing is restricted and the reason given
# custom:
#   id: retention.erasure_obligation
#   controls: [CTL-PRIVACY-ERASURE]
obligations contains {"obligation": o.id, "due_at": due, "message": msg} if {
	erasure_reaches
	some o in cfg.erasure.obligations
	record.class in o.classes
	obligation_holds(o)
	due := obligation_due(o)
	msg := sprintf("erasure request %v: kept under obligation %s (%s): %s", [object.get(erasure, "id", null), o.id, o.legal_basis, o.reason])
}

obligation_due(o) := clock.add_text(erasure.received_at, o.keep_for) if o.keep_for

obligation_due(o) := scheduled_due if not o.keep_for

# METADATA
# title: An erasure request erases the record at once
# custom:
#   id: retention.erasure_request
#   controls: [CTL-PRIVACY-ERASURE]
erase := {"action": "delete", "due_at": erasure_due, "reason": msg} if {
	erasure_reaches
	count(obligations) == 0
	msg := sprintf("erasure request %v received %s: delete now, at the latest by %s", [object.get(erasure, "id", null), erasure.received_at, erasure_due])
}

erasure_not_reaching := sprintf("erasure requests do not reach %s; the retention schedule applies", [record.class]) if {
	erasure
	not record.class in cfg.erasure.classes
}

# --- the decision

reason(id, msg) := {"id": id, "message": msg}

default decision := {
	"action": "retain",
	"due_at": null,
	"hold": false,
	"reasons": [{"id": "retention.schedule", "message": "no retention rule applies to this record (unknown data class or no schedule loaded); kept and flagged, never deleted by guesswork"}],
}

held_action := "restrict" if {
	erasure_reaches
} else := "retain"

held_due := erase.due_at if {
	erase
} else := schedule.due_at

# Held: nothing is deleted; an erasure request becomes a restriction.
decision := {"action": action, "due_at": due, "hold": true, "reasons": rs} if {
	class_rule
	held
	action := held_action
	due := held_due
	rs := array.concat(
		[reason("retention.legal_hold", h.message) | some h in active_holds],
		array.concat([reason("retention.erasure_request", m) | erase; m := sprintf("erasure request %v cannot be carried out while a hold is active; processing is restricted until the hold ends", [object.get(erasure, "id", null)])], [reason("retention.schedule", schedule.reason)]),
	)
}

decision := {"action": "restrict", "due_at": min({o.due_at | some o in obligations}), "hold": false, "reasons": rs} if {
	class_rule
	not held
	count(obligations) > 0
	rs := array.concat(
		[reason("retention.erasure_obligation", o.message) | some o in obligations],
		[reason("retention.legal_hold", m) | some m in lapsed_holds],
	)
}

decision := {"action": erase.action, "due_at": erase.due_at, "hold": false, "reasons": rs} if {
	class_rule
	not held
	erase
	rs := array.concat([reason("retention.erasure_request", erase.reason)], [reason("retention.legal_hold", m) | some m in lapsed_holds])
}

decision := {"action": schedule.action, "due_at": schedule.due_at, "hold": false, "reasons": rs} if {
	class_rule
	not held
	not erasure_reaches
	rs := array.concat(
		array.concat([reason("retention.schedule", schedule.reason)], [reason("retention.legal_hold", m) | some m in lapsed_holds]),
		array.concat([reason("retention.schedule", m) | m := erasure_not_reaching], [r | waived; clock.now_ns >= scheduled_due_ns; some r in exceptions.reasons("retention.schedule", waivers)]),
	)
}
