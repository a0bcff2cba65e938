package moderation_test

import rego.v1

import data.moderation

req(tenant, region, scores) := {"now": "2026-03-01T12:00:00Z", "tenant": tenant, "region": region, "content": {"id": "c-1"}, "scores": scores}

ids(d) := {r.id | some r in d.reasons}

# moderation.threshold_action

test_low_scores_are_allowed if {
	d := moderation.decision with input as req("acme", "FR", {"hate": 0.1, "spam": 0.3})
	d.action == "allow"
	d.category == "spam"
	d.review_required == false
	ids(d) == {"moderation.threshold_action"}
}

test_hate_above_block_threshold_is_blocked if {
	d := moderation.decision with input as req("acme", "FR", {"hate": 0.93, "spam": 0.2})
	d.action == "block"
	d.category == "hate"
	d.score == 0.93
}

test_threshold_boundary_is_inclusive if {
	moderation.decision.action == "label" with input as req("acme", "FR", {"hate": 0.5})
	moderation.decision.action == "allow" with input as req("acme", "FR", {"hate": 0.49})
}

test_strictest_category_decides if {
	d := moderation.decision with input as req("acme", "FR", {"spam": 0.99, "sexual": 0.8})
	d.action == "block"
	d.category == "spam"
}

test_unknown_category_is_held_for_review if {
	d := moderation.decision with input as req("acme", "FR", {"deepfake": 0.7})
	d.action == "hold_for_review"
	d.category == "deepfake"
	d.review_required
	"moderation.threshold_action" in ids(d)
}

test_invalid_score_is_held_for_review if {
	d := moderation.decision with input as req("acme", "FR", {"hate": "high"})
	d.action == "hold_for_review"
	d.review_required
}

test_no_scores_or_no_policy_fails_closed if {
	moderation.decision.action == "hold_for_review" with input as req("acme", "FR", {})
	d := moderation.decision with input as req("acme", "FR", {"hate": 0.1}) with data.attest.config.moderation as {}
	d.action == "hold_for_review"
	d.review_required
}

# moderation.tenant_override

test_tenant_override_makes_hate_stricter if {
	d := moderation.decision with input as req("kids-forum", "FR", {"hate": 0.62})
	d.action == "block"
	"moderation.tenant_override" in ids(d)
}

test_tenant_override_relaxes_an_overridable_category if {
	d := moderation.decision with input as req("gaming-chat", "FR", {"harassment": 0.92})
	d.action == "label"
	"moderation.tenant_override" in ids(d)
}

test_other_tenants_keep_platform_thresholds if {
	d := moderation.decision with input as req("acme", "FR", {"harassment": 0.92})
	d.action == "block"
	not "moderation.tenant_override" in ids(d)
}

test_looser_override_of_non_overridable_category_is_ignored if {
	looser := {"acme": {"categories": {"hate": {"thresholds": [{"min_score": 0.99, "action": "label"}]}}}}
	d := moderation.decision with input as req("acme", "FR", {"hate": 0.93})
		with data.attest.config.moderation.tenant_overrides as looser
	d.action == "block"
}

# moderation.jurisdiction

test_german_hate_speech_rule_blocks_earlier if {
	d := moderation.decision with input as req("acme", "DE", {"hate": 0.82})
	d.action == "block"
	"moderation.jurisdiction" in ids(d)
}

test_jurisdiction_does_not_apply_elsewhere if {
	d := moderation.decision with input as req("acme", "FR", {"hate": 0.82})
	d.action == "hold_for_review"
	not "moderation.jurisdiction" in ids(d)
}

test_csam_in_us_is_blocked_and_reported_to_ncmec if {
	d := moderation.decision with input as req("acme", "US", {"csam": 0.7, "sexual": 0.99})
	d.action == "block_and_report"
	d.category == "csam"
	some r in d.reasons
	r.id == "moderation.jurisdiction"
	r.report_to == "NCMEC CyberTipline"
}

# moderation.human_review

test_sensitive_category_requires_human_review if {
	d := moderation.decision with input as req("acme", "FR", {"self_harm": 0.35})
	d.action == "hold_for_review"
	d.review_required
	"moderation.human_review" in ids(d)
}

test_block_and_report_action_requires_human_review if {
	d := moderation.decision with input as req("acme", "FR", {"csam": 0.9})
	d.review_required
	count([r | some r in d.reasons; r.id == "moderation.human_review"]) == 2
}

test_allowed_sensitive_content_needs_no_review if {
	d := moderation.decision with input as req("acme", "FR", {"self_harm": 0.1})
	d.action == "allow"
	d.review_required == false
}

# appeals

test_appeal_routes if {
	a := moderation.appeal with input as req("acme", "FR", {"csam": 0.9})
	a.queue == "appeals_specialist"
	a.sla == "P2D"
	b := moderation.appeal with input as req("acme", "FR", {"hate": 0.1})
	b.queue == "appeals_general"
	b.window == "P30D"
}
