package retention_test

import rego.v1

import data.retention

now := "2026-03-01T00:00:00Z"

rec(class, created) := {"id": "r-1", "class": class, "tenant": "acme", "region": "FR", "created_at": created}

req(record) := {"now": now, "record": record}

erase(record, extra) := {"now": now, "record": record, "erasure_request": object.union({"id": "ER-9", "received_at": "2026-02-27T00:00:00Z"}, extra)}

ids(d) := {r.id | some r in d.reasons}

# retention.schedule

test_content_past_its_period_is_deleted if {
	d := retention.decision with input as req(rec("moderation_content", "2026-01-10T08:00:00Z"))
	d == {"action": "delete", "due_at": "2026-02-09T08:00:00Z", "hold": false, "reasons": d.reasons}
	ids(d) == {"retention.schedule"}
}

test_content_within_its_period_is_retained if {
	d := retention.decision with input as req(rec("moderation_content", "2026-02-20T08:00:00Z"))
	d.action == "retain"
	d.due_at == "2026-03-22T08:00:00Z"
}

test_decisions_are_anonymized_from_case_closure if {
	r := object.union(rec("moderation_decision", "2024-01-01T00:00:00Z"), {"case_closed_at": "2025-02-01T00:00:00Z"})
	d := retention.decision with input as req(r)
	d.action == "anonymize"
	d.due_at == "2026-02-01T00:00:00Z"
	open := rec("moderation_decision", "2024-01-01T00:00:00Z")
	e := retention.decision with input as req(open)
	e.action == "retain"
	e.due_at == null
}

test_regional_override_extends_billing_records if {
	old := rec("billing_records", "2018-06-01T00:00:00Z")
	retention.decision.action == "archive" with input as req(old)
	d := retention.decision with input as req(object.union(old, {"region": "DE"}))
	d.action == "retain"
	d.due_at == "2028-06-01T00:00:00Z"
}

test_unknown_class_is_kept_and_flagged if {
	d := retention.decision with input as req(rec("chat_logs", "2020-01-01T00:00:00Z"))
	d.action == "retain"
	d.due_at == null
	ids(d) == {"retention.schedule"}
}

test_exception_postpones_the_end_action if {
	waiver := {
		"rule": "retention.schedule",
		"scope": {"data_classes": ["auth_logs"], "tenants": ["acme"]},
		"ticket": "SEC-310",
		"approver": "dpo@example.com",
		"granted": "2026-02-01T00:00:00Z",
		"expires": "2026-05-01T00:00:00Z",
	}
	r := rec("auth_logs", "2024-12-01T00:00:00Z")
	retention.decision.action == "delete" with input as req(r)
	d := retention.decision with input as req(r) with data.attest.config.exceptions as {"siem-migration": waiver}
	d.action == "retain"
	"exception.waiver" in ids(d)
}

# retention.legal_hold

test_legal_hold_suspends_deletion if {
	r := object.union(rec("moderation_content", "2026-01-10T08:00:00Z"), {"holds": [{"type": "legal", "ticket": "LEGAL-12", "placed_at": "2026-01-20T00:00:00Z"}]})
	d := retention.decision with input as req(r)
	d.action == "retain"
	d.hold == true
	"retention.legal_hold" in ids(d)
}

test_hold_without_ticket_or_review_does_not_count if {
	no_ticket := object.union(rec("moderation_content", "2026-01-10T08:00:00Z"), {"holds": [{"type": "legal", "placed_at": "2026-01-20T00:00:00Z"}]})
	d := retention.decision with input as req(no_ticket)
	d.action == "delete"
	d.hold == false
	"retention.legal_hold" in ids(d)
	stale := object.union(rec("moderation_content", "2025-01-10T08:00:00Z"), {"holds": [{"type": "legal", "ticket": "LEGAL-1", "placed_at": "2025-01-20T00:00:00Z"}]})
	retention.decision.action == "delete" with input as req(stale)
}

test_dispute_hold_only_covers_its_classes if {
	r := object.union(rec("auth_logs", "2024-01-10T08:00:00Z"), {"holds": [{"type": "dispute", "ticket": "D-7", "placed_at": "2026-01-20T00:00:00Z"}]})
	d := retention.decision with input as req(r)
	d.action == "delete"
	d.hold == false
}

test_unknown_hold_type_suspends_deletion if {
	r := object.union(rec("moderation_content", "2026-01-10T08:00:00Z"), {"holds": [{"type": "regulator", "ticket": "R-1", "placed_at": "2026-01-20T00:00:00Z"}]})
	d := retention.decision with input as req(r)
	d.hold == true
	d.action == "retain"
}

test_hold_turns_erasure_into_restriction if {
	r := object.union(rec("moderation_content", "2026-02-20T08:00:00Z"), {"holds": [{"type": "dispute", "ticket": "D-1", "placed_at": "2026-02-21T00:00:00Z"}]})
	d := retention.decision with input as erase(r, {})
	d.action == "restrict"
	d.hold == true
}

# retention.erasure_request

test_erasure_request_deletes_at_once if {
	d := retention.decision with input as erase(rec("account_pii", "2024-01-10T08:00:00Z"), {})
	d.action == "delete"
	d.due_at == "2026-03-29T00:00:00Z"
	ids(d) == {"retention.erasure_request"}
}

test_erasure_does_not_reach_auth_logs if {
	d := retention.decision with input as erase(rec("auth_logs", "2026-01-10T08:00:00Z"), {})
	d.action == "retain"
	not "retention.erasure_request" in ids(d)
}

# retention.erasure_obligation

test_billing_records_are_restricted_not_erased if {
	d := retention.decision with input as erase(rec("billing_records", "2024-01-10T08:00:00Z"), {})
	d.action == "restrict"
	d.due_at == "2031-01-10T08:00:00Z"
	some r in d.reasons
	r.id == "retention.erasure_obligation"
	contains(r.message, "tax_records")
}

test_security_logs_kept_only_during_an_investigation if {
	r := rec("security_logs", "2026-01-10T08:00:00Z")
	d := retention.decision with input as erase(r, {"open_security_investigation": true})
	d.action == "restrict"
	d.due_at == "2026-08-26T00:00:00Z"
	retention.decision.action == "delete" with input as erase(r, {"open_security_investigation": false})
}
