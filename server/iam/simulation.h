// The policy simulator on the Query API (iam-sts-api.md 3.6, policy semantics 5.8):
// SimulateCustomPolicy, SimulatePrincipalPolicy, GetContextKeysForCustomPolicy and
// GetContextKeysForPrincipalPolicy. Answered by the same engine as `gatehouse simulate`
// (policy/simulate.h); this file only reads the parameters, gathers a principal's stored
// policies, authorizes, and writes the XML.
#pragma once

#include "server/iam/common.h"

namespace gatehouse::server::iam {

// iam:SimulateCustomPolicy on "*".
Reply simulate_custom_policy(const Call& call);
// iam:SimulatePrincipalPolicy on PolicySourceArn (a user, group or role of the caller's account).
Reply simulate_principal_policy(const Call& call);
// iam:GetContextKeysForCustomPolicy on "*".
Reply get_context_keys_for_custom_policy(const Call& call);
// iam:GetContextKeysForPrincipalPolicy on PolicySourceArn.
Reply get_context_keys_for_principal_policy(const Call& call);

}  // namespace gatehouse::server::iam
