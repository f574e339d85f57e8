// The service's own runtimes (bootstrap/bootstrap.py and bootstrap/bootstrap.mjs), embedded
// at build time and written to each executor's runtime directory (/var/runtime inside).
#pragma once

#include <string_view>

namespace gatehouse::executor {
extern const std::string_view kPythonBootstrap;
extern const std::string_view kNodeBootstrap;
}  // namespace gatehouse::executor
