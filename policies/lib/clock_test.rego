package attest.lib.clock_test

import rego.v1
import data.attest.lib.clock

test_now_from_input if {
	clock.now_ns == 1772366400000000000 with input as {"now": "2026-03-01T12:00:00Z"}
}

test_now_from_clock_without_input if {
	clock.now_ns > 0 with input as {}
}

test_durations if {
	clock.duration("P7Y") == {"years": 7, "months": 0, "days": 0, "ns": 0}
	clock.duration("P1W2D") == {"years": 0, "months": 0, "days": 9, "ns": 0}
	clock.duration("PT72H") == {"years": 0, "months": 0, "days": 0, "ns": 259200000000000}
	not clock.duration("72h")
}

test_calendar_arithmetic if {
	clock.add_text("2024-02-29T00:00:00Z", "P1Y") == "2025-03-01T00:00:00Z"
	clock.add_text("2026-03-01T12:00:00Z", "PT72H") == "2026-03-04T12:00:00Z"
	clock.add_text("2026-01-31T00:00:00Z", "P30D") == "2026-03-02T00:00:00Z"
}
