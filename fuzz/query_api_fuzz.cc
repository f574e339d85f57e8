// The IAM and STS operations on arbitrary form parameters: the input is a form body
// (`Action=...&Name=value...`), decoded as the Query API decodes it and run as the account's
// root against a scratch store. Every input must end in a result or a 4xx error: a crash, a
// hang or a 5xx answer to bad input is a bug.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>
#include <unistd.h>

#include "fuzz/scratch_store.h"
#include "server/authz/pipeline.h"
#include "server/iam/common.h"
#include "server/query/operation.h"
#include "server/query/params.h"
#include "server/sts/operations.h"
#include "sigv4/clock.h"
#include "store/mutation.h"
#include "store/store.h"

using namespace gatehouse;

namespace {

constexpr std::string_view kAccount = "111111111111";
constexpr std::string_view kRootKey = "AKIAFUZZROOTEXAMPLE1";

struct Scratch {
  fuzz::ScratchStore scratch{"query-fuzz", [](store::Mutation& m) -> store::Result<void> {
    if (auto r = m.create_account(kAccount); !r) return r.error();
    if (auto r = m.import_access_key({std::string(kAccount), "", std::string(kRootKey), std::string(40, 'r')}); !r) {
      return r.error();
    }
    return store::success();
  }};
  store::Store* store = scratch.store.get();
  sigv4::SystemClock clock;
  std::unique_ptr<server::authz::Pipeline> pipeline;
  server::authz::Principal root;

  Scratch() {
    pipeline = std::make_unique<server::authz::Pipeline>(*store, clock);
    auto credential = store->find_credential(kRootKey);
    if (!credential || !credential.value()) std::abort();
    root = server::authz::Principal{credential.value(), false};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  const std::string_view form(reinterpret_cast<const char*>(data), size);
  const auto params = server::query::Params::decode(form, {});
  if (!params) return 0;
  const std::string* action = params->find("Action");
  if (!action) return 0;
  const server::query::Operation* operation = nullptr;
  for (const auto table : {server::iam::operations(), server::sts::operations()}) {
    for (const auto& op : table) {
      if (op.name == *action) operation = &op;
    }
  }
  if (!operation) return 0;
  const server::authz::Transport transport{"127.0.0.1", false, std::nullopt, std::nullopt};
  const server::query::Call call(*params, scratch.root, transport, *scratch.pipeline, *scratch.store, scratch.clock,
                                 "us-east-1");
  const server::query::Reply reply = operation->run(call);
  if (!reply && reply.error().status >= 500) std::abort();
  return 0;
}
