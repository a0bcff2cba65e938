# Benchmark moderation policy: classifier scores against per-category
# thresholds, stricter tenant overrides, the most severe action wins.
package bench.moderation

severity := {"allow": 0, "label": 1, "hold_for_review": 2, "block": 3, "block_and_report": 4}

thresholds := data.moderation.thresholds

category_action[category] := action if {
	some category, score in input.scores
	action := action_for(category, score)
}

action_for(category, score) := override.action if {
	override := data.moderation.tenant_overrides[input.tenant][category]
	score >= override.min_score
} else := action if {
	# Thresholds are ordered most severe first; the first one reached applies.
	reached := [rule.action | some rule in thresholds[category]; score >= rule.min_score]
	action := reached[0]
} else := "allow"

worst := max({severity[a] | some a in category_action})

action := a if {
	some a, s in severity
	s == worst
} else := "allow"

decision := {
	"action": action,
	"review_required": action == "hold_for_review",
}
