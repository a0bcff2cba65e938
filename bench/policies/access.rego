# Benchmark access policy: about 20 rules over subject, roles, resource,
# tenant, environment and MFA state (mirrors bench/access-native.ts and
# bench/access.cedar).
package bench.access

default allow := false

allow if {
	granted
	not denied
}

granted if {
	some role in input.subject.roles
	some perm in data.roles[role].permissions
	perm.action == input.action
	perm.resource == input.resource.type
}

denied if cross_tenant
denied if production_without_mfa
denied if admin_without_mfa
denied if stale_mfa
denied if suspended_subject
denied if staging_role_in_production
denied if export_outside_business_scope
denied if delete_retained_record

platform_subject if "platform_admin" in input.subject.roles

cross_tenant if {
	not platform_subject
	input.subject.tenant != input.resource.tenant
}

production_without_mfa if {
	input.resource.environment == "production"
	not input.subject.mfa.verified
}

admin_actions := {"approve", "deploy", "delete", "export"}

admin_without_mfa if {
	input.action in admin_actions
	not input.subject.mfa.verified
}

stale_mfa if {
	input.subject.mfa.verified
	input.resource.environment == "production"
	input.subject.mfa.age_seconds > 900
}

suspended_subject if input.subject.status == "suspended"

staging_role_in_production if {
	input.resource.environment == "production"
	every role in input.subject.roles {
		endswith(role, "_staging")
	}
}

export_outside_business_scope if {
	input.action == "export"
	input.resource.type == "account_data"
	not "data_protection_officer" in input.subject.roles
}

delete_retained_record if {
	input.action == "delete"
	input.resource.legal_hold == true
}
