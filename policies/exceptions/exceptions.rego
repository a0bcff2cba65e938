# Exceptions (YAML `kind: Exception`, compiled to data.attest.config.exceptions)
# waive one enforcement point for one scope, between `granted` and `expires`.
# Only rules marked `custom.waivable: true` consult them; `attest build`
# rejects an Exception for any other rule.
#
# A scope matches a request when every key the scope lists matches: a
# request attribute that is a string must be listed, a set must share a
# member with the list. A scope key the request does not describe never
# matches (an access exception scoped to a data class waives nothing).
package exceptions

import rego.v1

import data.attest.lib.clock

# METADATA
# title: An unexpired exception waives one rule for one scope; the decision says so
# custom:
#   id: exception.waiver
#   controls: [CTL-GOVERNANCE-EXCEPTIONS]
waivers(rule, attrs) := ws if {
	ws := {name: ex |
		some name, ex in data.attest.config.exceptions
		ex.rule == rule
		active(ex)
		in_scope(ex.scope, attrs)
	}
	count(ws) > 0
}

active(ex) if {
	clock.ns(ex.granted) <= clock.now_ns
	clock.now_ns < clock.ns(ex.expires)
}

in_scope(scope, attrs) if {
	every key, allowed in scope {
		matches(allowed, attrs[key])
	}
}

matches(allowed, value) if {
	is_string(value)
	value in allowed
}

matches(allowed, values) if {
	is_set(values)
	some v in values
	v in allowed
}

# The reasons a decision gives for relying on the exceptions `ws` for rule `id`.
reasons(id, ws) := {r |
	some name, ex in ws
	r := {
		"id": "exception.waiver",
		"waives": id,
		"exception": name,
		"ticket": ex.ticket,
		"approver": ex.approver,
		"expires": ex.expires,
		"message": sprintf("%s waived by exception %s (%s, approved by %s) until %s", [id, name, ex.ticket, ex.approver, ex.expires]),
	}
}
