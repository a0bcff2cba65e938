# Incident notification: is a security incident reportable, to whom, and by
# when? Settings come from the IncidentPolicy YAML
# (data.attest.config.incident); customers' contractual windows from data
# (data.contracts.notification_window, per tenant).
#
# Input:
#   {"incident": {"id": "INC-2041", "personal_data": true, "data_classes": ["account_pii"],
#                 "tenants": ["acme"], "regions": ["DE"], "severity": "high",
#                 "data_encrypted": false, "discovered_at": "2026-03-01T09:00:00Z",
#                 "confirmed_at": "2026-03-01T15:00:00Z"}}
#
# Fail closed: a fact that is not given is assumed to be the worse case
# (personal data involved, not encrypted, critical severity), and a deadline
# with no window or start time is due at once.
package incident

import rego.v1

import data.attest.config.incident as cfg
import data.attest.lib.clock

facts := object.union(
	{"personal_data": true, "data_encrypted": false, "severity": "critical", "data_classes": [], "tenants": [], "regions": []},
	object.filter(input.incident, {k | some k, v in input.incident; v != null}),
)

severity_rank := {"low": 0, "medium": 1, "high": 2, "critical": 3}

risk_rank := {"none": 0, "low": 1, "high": 2}

eu := {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}

eea := eu | {"IS", "LI", "NO"}

# A region matches a listed region directly, through EU/EEA membership, or as a subdivision (US-CA of US).
region_in(r, listed) if r in listed

region_in(r, listed) if {
	"EU" in listed
	r in eu
}

region_in(r, listed) if {
	"EEA" in listed
	r in eea
}

region_in(r, listed) if {
	some l in listed
	startswith(r, concat("", [l, "-"]))
}

holds(cond, risk) if {
	every key, want in cond {
		condition(key, want, risk)
	}
}

condition("personal_data", want, _) if facts.personal_data == want

condition("data_encrypted", want, _) if facts.data_encrypted == want

condition("min_severity", want, _) if severity_rank[facts.severity] >= severity_rank[want]

condition("min_risk", want, risk) if risk_rank[risk] >= risk_rank[want]

condition("data_classes_any", want, _) if {
	some c in facts.data_classes
	c in want
}

condition("regions_any", want, _) if {
	some r in facts.regions
	region_in(r, want)
}

condition("tenants_affected", want, _) if (count(facts.tenants) > 0) == want

# Risk to the people whose data is involved: none_when wins, then high_when, else low.
risk := "none" if {
	some c in cfg.risk.none_when
	holds(c, "low")
} else := "high" if {
	some c in cfg.risk.high_when
	holds(c, "low")
} else := "low"

fires(n) if {
	holds(n.when, risk)
	not excused(n)
}

excused(n) if {
	n.unless != null
	holds(n.unless, risk)
}

start_ns(n) := t if {
	t := clock.ns(facts[n.deadline.from])
} else := t if {
	t := clock.ns(facts.discovered_at)
} else := clock.now_ns

window(n, tenant) := w if {
	w := cfg.data_windows[n.id][tenant]
} else := w if {
	w := n.deadline.within
} else := "PT0S"

deadline(n, tenant) := clock.format(clock.add(start_ns(n), window(n, tenant)))

authority_names := {name |
	some r in facts.regions
	some listed, name in cfg.authorities
	region_in(r, {listed})
}

# METADATA
# title: The supervisory authority is notified, with a deadline (GDPR Art. 33)
# custom:
#   id: incident.supervisory_authority
#   controls: [CTL-INCIDENT-NOTIFICATION]
notices contains {"to": "supervisory_authority", "deadline": deadline(n, null), "rule": n.id, "id": "incident.supervisory_authority", "reference": n.reference} if {
	some n in cfg.notifications
	n.to == "supervisory_authority"
	fires(n)
}

# METADATA
# title: Affected data subjects are told, with a deadline (GDPR Art. 34)
# custom:
#   id: incident.data_subjects
#   controls: [CTL-INCIDENT-NOTIFICATION]
notices contains {"to": "data_subjects", "deadline": deadline(n, null), "rule": n.id, "id": "incident.data_subjects", "reference": n.reference} if {
	some n in cfg.notifications
	n.to == "data_subjects"
	fires(n)
}

# METADATA
# title: Affected customers are notified within their contractual window
# custom:
#   id: incident.customer_notice
#   controls: [CTL-INCIDENT-NOTIFICATION]
notices contains {"to": concat(":", ["customer", t]), "deadline": deadline(n, t), "rule": n.id, "id": "incident.customer_notice", "reference": n.reference} if {
	some n in cfg.notifications
	n.to == "customers"
	fires(n)
	some t in facts.tenants
}

ep_for := {"supervisory_authority": "incident.supervisory_authority", "data_subjects": "incident.data_subjects", "customers": "incident.customer_notice"}

notice_reasons contains {"id": x.id, "notify": true, "message": msg} if {
	some x in notices
	msg := sprintf("notify %s by %s (%s; risk %s)%s", [x.to, x.deadline, x.reference, risk, recipient_note(x)])
}

recipient_note(x) := sprintf(": %s", [concat("; ", sort(authority_names))]) if {
	x.to == "supervisory_authority"
	count(authority_names) > 0
} else := ""

skipped_reasons contains {"id": ep_for[n.to], "notify": false, "message": msg} if {
	some n in cfg.notifications
	not fires(n)
	msg := sprintf("no %s notice under %s: %s", [n.to, n.reference, why_not(n)])
}

why_not(n) := sprintf("excused by %v", [n.unless]) if {
	holds(n.when, risk)
	excused(n)
} else := sprintf("conditions %v do not hold (risk %s)", [n.when, risk])

default decision := {
	"reportable": true,
	"notifications": [],
	"reasons": [{"id": "incident.supervisory_authority", "notify": true, "message": "no incident policy is loaded or the incident could not be evaluated; treat it as reportable and escalate to the DPO"}],
}

decision := {"reportable": count(notices) > 0, "notifications": notifications, "reasons": reasons} if {
	cfg.notifications
	input.incident
	notifications := [{"to": x.to, "deadline": x.deadline} | some x in notices]
	reasons := array.concat([r | some r in notice_reasons], [r | some r in skipped_reasons])
}
