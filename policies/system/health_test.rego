package system.health_test

import data.system.health

test_live if health.live

test_ready_when_the_snapshot_and_the_database_are if health.ready with input as {"plugins_ready": true}

test_not_ready_when_the_database_is_away if not health.ready with input as {"plugins_ready": false, "plugin_state": {"bundle": "OK", "decision_logs": "ERROR"}}
