#include "store/touch.h"

namespace gatehouse::store {
namespace {
thread_local TouchObserver* current = nullptr;
}  // namespace

ScopedTouchObserver::ScopedTouchObserver(TouchObserver& observer) noexcept : previous_(current) { current = &observer; }

ScopedTouchObserver::~ScopedTouchObserver() { current = previous_; }

void note_touch(TouchedKind kind, std::string_view account, std::string_view region, std::string_view name) noexcept {
  if (current) current->touched(kind, account, region, name);
}

}  // namespace gatehouse::store
