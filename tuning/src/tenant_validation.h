// The checks a tenant passes before anything is created for it, so that a refused tenant leaves no
// trace, and the refusals name exactly which CPUs, nodes or names are wrong.
#pragma once

#include <string>
#include <vector>

#include "ckernel/tuning/tenant_slice.h"

namespace ck::tuning::detail {

inline constexpr const char* kCreateTenant = "TenantSlice::create";

// Name, weight, CPUs (online?) and memory nodes (present, with memory?).
void validate_tenant_spec(const TenantSpec& spec, const std::string& group);

// "ckernel/inner" -> {"ckernel", "ckernel/inner"}; throws when a level is not a valid name.
std::vector<std::string> parent_levels(const std::string& parent);

// No overlap with another tenant's exclusive CPUs, and, for an exclusive tenant, with anyone's.
void validate_against_other_tenants(const TenantSpec& spec, const std::string& group);

// A control file's content without the trailing newline.
std::string trimmed(std::string text);

}  // namespace ck::tuning::detail
