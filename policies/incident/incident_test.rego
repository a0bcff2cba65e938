package incident_test

import rego.v1

import data.incident

breach := {
	"id": "INC-2041",
	"personal_data": true,
	"data_classes": ["account_pii"],
	"tenants": ["acme"],
	"regions": ["DE"],
	"severity": "high",
	"data_encrypted": false,
	"discovered_at": "2026-03-01T09:00:00Z",
}

decide(changes) := d if {
	d := incident.decision with input as {"incident": object.union(breach, changes)}
}

recipients(d) := {n.to | some n in d.notifications}

deadline(d, to) := n.deadline if {
	some n in d.notifications
	n.to == to
}

# incident.supervisory_authority

test_personal_data_breach_is_reported_within_72_hours if {
	d := decide({})
	d.reportable
	deadline(d, "supervisory_authority") == "2026-03-04T09:00:00Z"
	some r in d.reasons
	r.id == "incident.supervisory_authority"
	r.notify
	contains(r.message, "Data Protection Commission")
}

test_encrypted_data_is_not_reported_to_the_authority if {
	d := decide({"data_encrypted": true, "tenants": []})
	d.reportable == false
	d.notifications == []
	some r in d.reasons
	r.id == "incident.supervisory_authority"
	r.notify == false
}

test_missing_facts_assume_the_worst if {
	d := incident.decision with input as {"incident": {"id": "INC-1", "discovered_at": "2026-03-01T09:00:00Z"}}
	"supervisory_authority" in recipients(d)
	"data_subjects" in recipients(d)
}

test_no_policy_fails_closed if {
	d := incident.decision with input as {"incident": breach} with data.attest.config.incident as {}
	d.reportable
}

# incident.data_subjects

test_high_risk_breach_is_told_to_data_subjects if {
	d := decide({})
	deadline(d, "data_subjects") == "2026-03-04T09:00:00Z"
}

test_low_risk_breach_is_not_told_to_data_subjects if {
	d := decide({"severity": "low", "data_classes": ["usage_metrics"]})
	"supervisory_authority" in recipients(d)
	not "data_subjects" in recipients(d)
	some r in d.reasons
	r.id == "incident.data_subjects"
	r.notify == false
}

# incident.customer_notice

test_customers_are_told_within_their_contractual_window if {
	d := decide({"tenants": ["acme", "globex"]})
	deadline(d, "customer:acme") == "2026-03-02T09:00:00Z"
	deadline(d, "customer:globex") == "2026-03-02T21:00:00Z"
}

test_customer_without_contract_window_gets_the_default if {
	d := decide({"tenants": ["initech"], "personal_data": false})
	d.reportable
	d.notifications == [{"to": "customer:initech", "deadline": "2026-03-03T09:00:00Z"}]
}

test_no_tenant_affected_no_customer_notice if {
	d := decide({"tenants": []})
	recipients(d) == {"supervisory_authority", "data_subjects"}
}
