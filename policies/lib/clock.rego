# Time for decisions: the request's `now` when given (tests, replays of a
# logged decision), otherwise the clock. ISO 8601 durations ("P30D",
# "PT72H", "P7Y") from the YAML policies and contract data, added with
# calendar arithmetic (a year from 29 Feb is 1 Mar, as in Go's AddDate).
package attest.lib.clock

import rego.v1

now_ns := t if {
	t := time.parse_rfc3339_ns(input.now)
} else := time.now_ns()

# RFC 3339 text → nanoseconds; undefined for anything else.
ns(text) := time.parse_rfc3339_ns(text)

format(ns) := time.format(ns)

# {"years", "months", "days", "ns"} of an ISO 8601 duration; undefined when it is not one.
duration(text) := d if {
	[m] := regex.find_all_string_submatch_n(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`, text, 1)
	n := [x | some g in array.slice(m, 1, 8); x := number_or_zero(g)]
	d := {
		"years": n[0],
		"months": n[1],
		"days": (7 * n[2]) + n[3],
		"ns": (((n[4] * 3600) + (n[5] * 60)) + n[6]) * 1000000000,
	}
}

number_or_zero(g) := 0 if g == ""

number_or_zero(g) := to_number(g) if g != ""

# Nanoseconds `ns` plus the ISO 8601 duration `text`.
add(ns, text) := t if {
	d := duration(text)
	t := time.add_date(ns, d.years, d.months, d.days) + d.ns
}

# RFC 3339 text plus a duration, as RFC 3339 text.
add_text(start, text) := format(add(ns(start), text))
