// The IAM naming rules the store enforces (iam-sts-api.md 2), for API front ends that must
// check a name or path before they can name the resource to authorize.
#pragma once

#include "store/iam_common.h"

namespace gatehouse::store {

using detail::check_name;
using detail::check_path;
using detail::iam_arn;
using detail::kMaxTags;
using detail::policy_arn;
using detail::text_length;

}  // namespace gatehouse::store
