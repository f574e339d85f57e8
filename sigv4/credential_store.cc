#include "sigv4/credential_store.h"

#include <mutex>
#include <utility>

namespace gatehouse::sigv4 {

void InMemoryCredentialStore::put(Credential credential) {
  std::string key = credential.access_key_id;
  auto shared = std::make_shared<const Credential>(std::move(credential));
  const std::unique_lock lock(mutex_);
  by_key_.insert_or_assign(std::move(key), std::move(shared));
}

bool InMemoryCredentialStore::erase(std::string_view access_key_id) {
  const std::unique_lock lock(mutex_);
  const auto it = by_key_.find(access_key_id);
  if (it == by_key_.end()) return false;
  by_key_.erase(it);
  return true;
}

std::shared_ptr<const Credential> InMemoryCredentialStore::find(std::string_view access_key_id) const {
  const std::shared_lock lock(mutex_);
  const auto it = by_key_.find(access_key_id);
  return it == by_key_.end() ? nullptr : it->second;
}

}  // namespace gatehouse::sigv4
