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
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  sigv4::SystemClock clock;
  std::unique_ptr<server::authz::Pipeline> pipeline;
  server::authz::Principal root;

  Scratch() {
    dir = std::filesystem::temp_directory_path() / ("gatehouse-query-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store::Options options;
    options.data_dir = dir;
    options.sync = false;
    auto opened = store::Store::open(options);
    if (!opened) std::abort();
    store = std::move(opened.value());
    auto made = store->write([](store::Mutation& m) -> store::Result<void> {
      if (auto r = m.create_account(kAccount); !r) return r.error();
      if (auto r = m.import_access_key({std::string(kAccount), "", std::string(kRootKey), std::string(40, 'r')}); !r) {
        return r.error();
      }
      return store::success();
    });
    if (!made) std::abort();
    pipeline = std::make_unique<server::authz::Pipeline>(*store, clock);
    auto credential = store->find_credential(kRootKey);
    if (!credential || !credential.value()) std::abort();
    root = server::authz::Principal{credential.value(), false};
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
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
