# Content moderation: classifier scores → one action, from the settings in
# the ModerationPolicy YAML (data.attest.config.moderation).
#
# Input:
#   {"tenant": "acme", "region": "DE", "content": {"id": "c-1"},
#    "scores": {"hate": 0.82, "spam": 0.1}, "now": "2026-03-01T12:00:00Z"}
#
# For each scored category: platform thresholds give an action; the tenant's
# override replaces it (for a non-overridable category it can only make it
# stricter); jurisdiction rules of the content's region can only make it
# stricter. The decision is the strictest category (ties: higher score).
# Fail closed: no policy, no scores, an unknown category or a score outside
# [0, 1] holds the content for human review.
package moderation

import rego.v1

import data.attest.config.moderation as cfg

# Actions, mildest first.
actions := ["allow", "label", "hold_for_review", "block", "block_and_report"]

rank[a] := i if some i, a in actions

strictest(list) := actions[max({rank[a] | some a in list})]

# The action of the highest threshold at or below the score, else the default.
action_for(thresholds, score) := a if {
	hits := [t | some t in thresholds; t.min_score <= score]
	count(hits) > 0
	best := max({t.min_score | some t in hits})
	some t in hits
	t.min_score == best
	a := t.action
} else := cfg.default_action

valid_score(s) if {
	is_number(s)
	s >= 0
	s <= 1
}

# Scored categories the policy knows, with valid scores.
scored[c] := s if {
	some c, s in input.scores
	cfg.categories[c]
	valid_score(s)
}

# METADATA
# title: Category score → action from the platform thresholds
# custom:
#   id: moderation.threshold_action
#   controls: [CTL-MODERATION-CONSISTENCY]
platform_action[c] := action_for(cfg.categories[c].thresholds, s) if some c, s in scored

# METADATA
# title: A category the policy does not know, or an invalid score, is held for review (fail closed)
# custom:
#   id: moderation.threshold_action
#   controls: [CTL-MODERATION-CONSISTENCY]
unscorable[c] := why if {
	some c, s in input.scores
	not scored[c]
	why := unscorable_reason(c, s)
}

unscorable_reason(c, _) := sprintf("category %s is not in the moderation policy; held for review", [c]) if not cfg.categories[c]

unscorable_reason(c, s) := sprintf("score %v for %s is not a number between 0 and 1; held for review", [s, c]) if {
	cfg.categories[c]
	not valid_score(s)
}

tenant_categories := cfg.tenant_overrides[input.tenant].categories

# METADATA
# title: A tenant override changes the action (only stricter for non-overridable categories)
# custom:
#   id: moderation.tenant_override
#   controls: [CTL-MODERATION-CONSISTENCY]
tenant_action[c] := a if {
	some c, base in platform_action
	own := action_for(tenant_categories[c].thresholds, scored[c])
	a := overridden(c, own, base)
}

overridden(c, own, _) := own if cfg.categories[c].overridable

# The YAML check already rejects looser overrides; this keeps the rule true at run time too.
overridden(c, own, base) := strictest([own, base]) if not cfg.categories[c].overridable

after_tenant[c] := object.get(tenant_action, c, a) if some c, a in platform_action

applicable_jurisdictions contains j if {
	some j in cfg.jurisdictions
	input.region in j.regions
}

# METADATA
# title: A jurisdiction rule of the content's region makes the action stricter
# custom:
#   id: moderation.jurisdiction
#   controls: [CTL-MODERATION-CONSISTENCY]
jurisdiction_action[c] := a if {
	some c, base in after_tenant
	required := [act |
		some j in applicable_jurisdictions
		act := action_for(j.categories[c].thresholds, scored[c])
	]
	count(required) > 0
	a := strictest(array.concat(required, [base]))
}

final[c] := object.get(jurisdiction_action, c, a) if some c, a in after_tenant

final[c] := "hold_for_review" if some c, _ in unscorable

# METADATA
# title: The decision goes to a human reviewer
# custom:
#   id: moderation.human_review
#   controls: [CTL-MODERATION-CONSISTENCY]
review_reasons[c] contains msg if {
	some c, a in final
	a != "allow"
	review_category(c)
	msg := sprintf("%s decisions other than allow always go to a human reviewer", [c])
}

# METADATA
# title: The decision goes to a human reviewer
# custom:
#   id: moderation.human_review
#   controls: [CTL-MODERATION-CONSISTENCY]
review_reasons[c] contains msg if {
	some c, a in final
	a in cfg.human_review.actions
	msg := sprintf("%s decisions always go to a human reviewer", [a])
}

review_reasons[c] contains msg if {
	some c, _ in unscorable
	msg := "the classifier result cannot be scored; a human must decide"
}

review_category(c) if cfg.categories[c].human_review

review_category(c) if c in cfg.human_review.categories

review_category(c) if tenant_categories[c].human_review == true

review_category(c) if {
	some j in applicable_jurisdictions
	j.categories[c].human_review == true
}

# The deciding category: strictest action, then highest score, then name.
top := c if {
	ranked := sort([[rank[a], score_of(c), c] | some c, a in final])
	c := ranked[count(ranked) - 1][2]
}

score_of(c) := s if {
	s := input.scores[c]
	is_number(s)
} else := -1

reasons_for(c) := array.concat(
	[r | some r in category_reasons(c)],
	[{"id": "moderation.human_review", "category": c, "message": m} | some m in review_reasons[c]],
)

category_reasons(c) := {{"id": "moderation.threshold_action", "category": c, "message": unscorable[c]}}

category_reasons(c) := rs if {
	s := scored[c]
	platform := {{
		"id": "moderation.threshold_action",
		"category": c,
		"message": sprintf("%s score %v gives %s under the platform thresholds", [c, s, platform_action[c]]),
	}}
	tenant := {{
		"id": "moderation.tenant_override",
		"category": c,
		"tenant": input.tenant,
		"message": sprintf("tenant %s's override changes %s to %s", [input.tenant, platform_action[c], tenant_action[c]]),
	} |
		tenant_action[c] != platform_action[c]
	}
	jurisdiction := {{
		"id": "moderation.jurisdiction",
		"category": c,
		"jurisdiction": j.id,
		"message": sprintf("%s (%s) requires %s", [j.id, j.legal_basis, required]),
	} |
		some j in applicable_jurisdictions
		required := action_for(j.categories[c].thresholds, s)
		rank[required] > rank[after_tenant[c]]
	}
	reports := {{
		"id": "moderation.jurisdiction",
		"category": c,
		"jurisdiction": j.id,
		"report_to": j.report_to,
		"message": sprintf("report to %s (%s)", [j.report_to, j.legal_basis]),
	} |
		final[c] == "block_and_report"
		some j in applicable_jurisdictions
		j.categories[c]
		j.report_to != null
	}
	rs := array.concat(array.concat(as_array(platform), as_array(tenant)), array.concat(as_array(jurisdiction), as_array(reports)))
}

as_array(s) := [x | some x in s]

default decision := {
	"action": "hold_for_review",
	"category": null,
	"score": null,
	"review_required": true,
	"reasons": [{"id": "moderation.threshold_action", "message": "no moderation policy is loaded or the request has no classifier scores; held for review"}],
}

decision := d if {
	c := top
	d := {
		"action": final[c],
		"category": c,
		"score": input.scores[c],
		"review_required": count(object.get(review_reasons, c, set())) > 0,
		"reasons": reasons_for(c),
	}
}

# Where an appeal of the decision goes: the first route matching its category or action.
appeal := object.union(
	{"window": cfg.appeals.window, "queue": cfg.appeals.default_queue, "sla": cfg.appeals.default_sla, "exclude_original_reviewer": false},
	route_fields([r | some r in cfg.appeals.routes; route_matches(r, decision)]),
)

route_fields(routes) := object.filter(routes[0], ["queue", "sla", "reviewer_role", "exclude_original_reviewer"]) if count(routes) > 0

route_fields(routes) := {} if count(routes) == 0

route_matches(r, d) if d.category in object.get(r, "categories", [])

route_matches(r, d) if d.action in object.get(r, "actions", [])
