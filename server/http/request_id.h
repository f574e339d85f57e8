// Request ids: a random UUID version 4 for every response's x-amzn-RequestId, as AWS sends.
#pragma once

#include <string>

namespace gatehouse::server::http {

// 8-4-4-4-12 lower-case hex with the version (4) and variant (10xx) bits set; the 122 random
// bits come from the kernel's CSPRNG (getrandom), buffered per thread.
std::string new_request_id();

}  // namespace gatehouse::server::http
