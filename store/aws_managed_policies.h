// The AWS-managed Lambda policies that exist in every store (interface.md 4,
// iam-sts-api.md 5, seed-notes.md 3), from store/data/aws-managed-policies.json,
// embedded at build time.
#pragma once

#include <string>
#include <vector>

#include "store/error.h"
#include "store/model.h"

namespace gatehouse::store {

class Mutation;

struct AwsManagedPolicy {
  std::string name, path, arn, policy_id, default_version, description;
  Millis created = 0, updated = 0;
  bool deprecated = false;
  std::string document;  // compact JSON
};

// Parsed once from the embedded data file.
const std::vector<AwsManagedPolicy>& aws_managed_policies();

// Creates the ones missing from the store (never changes or deletes one).
Result<void> seed_aws_managed_policies(Mutation& m);

}  // namespace gatehouse::store
