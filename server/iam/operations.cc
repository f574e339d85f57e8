#include "server/iam/operations.h"

#include <array>

namespace gatehouse::server::iam {
namespace {

constexpr auto kOperations = std::to_array<query::Operation>({
    {"CreateUser", false, create_user},
    {"GetUser", true, get_user},
    {"DeleteUser", false, delete_user},
    {"ListUsers", true, list_users},
});

}  // namespace

std::span<const query::Operation> operations() { return kOperations; }

}  // namespace gatehouse::server::iam
