// Functions, $LATEST, published versions, aliases and their code packages
// (lambda-api.md 5.2, 5.4, 5.7, 5.20, 5.22, 5.24, 5.25 and 8).
#include <algorithm>
#include <charconv>

#include "store/iam_common.h"
#include "store/ids.h"
#include "store/lambda_common.h"
#include "store/touch.h"

namespace gatehouse::store {

using namespace detail;

namespace detail {

std::string function_arn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:lambda:";
  arn.append(region).append(":").append(account).append(":function:").append(name);
  return arn;
}

std::string function_key(const FunctionRef& ref) { return keys::function(ref.account, ref.region, ref.name); }

bool is_version_number(std::string_view qualifier) {
  return !qualifier.empty() && qualifier.size() <= 10 &&
         std::all_of(qualifier.begin(), qualifier.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint64_t version_number(std::string_view qualifier) {
  // Versions are matched as text, as AWS does: "01" is not version 1 but a version that cannot
  // exist (0 is never published). One form from end to end: authorized, looked up, stored, echoed.
  if (!is_version_number(qualifier) || qualifier.front() == '0') return 0;
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(qualifier.data(), qualifier.data() + qualifier.size(), number);
  return ec == std::errc() && end == qualifier.data() + qualifier.size() ? number : 0;
}

Result<Function> get_function_record(const Snapshot& s, const FunctionRef& ref) {
  auto function = s.find_function(ref);
  if (!function) return aws::function_not_found(function_arn(ref.region, ref.account, ref.name));
  return std::move(*function);
}

std::optional<FunctionConfig> find_version(const Snapshot& s, std::string_view fkey, std::uint64_t number) {
  return load<FunctionConfig>(s.transaction(), s.state().db.versions, keys::version(fkey, number));
}

std::optional<Alias> find_alias(const Snapshot& s, std::string_view fkey, std::string_view name) {
  return load<Alias>(s.transaction(), s.state().db.aliases, keys::child(fkey, name));
}

void add_code_reference(Mutation& m, std::string_view sha256, std::string_view bytes) {
  const auto& db = m.state().db;
  auto package = load<CodePackage>(m.transaction(), db.code, sha256);
  if (!package) {
    package = CodePackage{std::string(sha256), 0, static_cast<std::int64_t>(bytes.size())};
    db.code_blobs.put(m.transaction(), sha256, bytes);
  }
  ++package->references;
  save(m.transaction(), db.code, sha256, *package);
}

void add_code_reference(Mutation& m, std::string_view sha256) {
  const auto& db = m.state().db;
  auto package = load<CodePackage>(m.transaction(), db.code, sha256);
  if (!package) throw CorruptRecord("code package " + std::string(sha256) + " is missing");
  ++package->references;
  save(m.transaction(), db.code, sha256, *package);
}

void release_code_reference(Mutation& m, std::string_view sha256) {
  const auto& db = m.state().db;
  auto package = load<CodePackage>(m.transaction(), db.code, sha256);
  if (!package) throw CorruptRecord("code package " + std::string(sha256) + " is missing");
  if (--package->references == 0) {
    db.code.del(m.transaction(), sha256);
    db.code_blobs.del(m.transaction(), sha256);
  } else {
    save(m.transaction(), db.code, sha256, *package);
  }
}

Result<void> check_revision(std::string_view given, std::string_view current, std::string_view api) {
  if (!given.empty() && given != current) return aws::revision_mismatch(api);
  return success();
}

}  // namespace detail

namespace {

bool is_function_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Result<void> check_function_name(std::string_view name) {
  if (name.size() > 64) {
    // CreateFunction reports an over-long bare name as InvalidParameterValueException (lambda-api.md 3.1).
    return aws::invalid_parameter("1 validation error detected: Value '" + std::string(name) +
                                  "' at 'functionName' failed to satisfy constraint: Member must have length less "
                                  "than or equal to 64");
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_function_name_char)) {
    return aws::lambda_validation("1 validation error detected: Value '" + std::string(name) +
                                  "' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
                                  "expression pattern: [a-zA-Z0-9-_]+");
  }
  return success();
}

Result<void> check_alias_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 128 && !is_version_number(name) &&
                  std::all_of(name.begin(), name.end(), is_function_name_char);
  if (!ok) {
    return aws::lambda_validation("1 validation error detected: Value '" + std::string(name) +
                                  "' at 'name' failed to satisfy constraint: Member must satisfy regular expression "
                                  "pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  }
  return success();
}

void save_function(Mutation& m, const Function& f) {
  save(m.transaction(), m.state().db.functions, keys::function(f.account, f.region, f.name), f);
  m.effects().lambda = true;
}

// PublishVersion's steps 3 and 4 (lambda-api.md 8): the last version when
// nothing changed, else a new one.
FunctionConfig publish(Mutation& m, Function& f, std::optional<std::string> description) {
  const std::string fkey = keys::function(f.account, f.region, f.name);
  if (f.last_published != 0) {
    auto last = find_version(m, fkey, f.last_published);
    if (last && same_published_content(*last, f.latest)) return *last;
  }
  FunctionConfig version = f.latest;
  const std::uint64_t n = f.next_version++;
  version.version = std::to_string(n);
  if (description) version.description = *description;
  version.revision_id = ids::uuid();
  version.last_modified = m.now();
  add_code_reference(m, version.code_sha256);
  save(m.transaction(), m.state().db.versions, keys::version(fkey, n), version);
  f.last_published = n;
  f.latest.revision_id = ids::uuid();
  save_function(m, f);
  return version;
}

Result<void> check_alias_target(const Snapshot& s, const Function& f, std::string_view version) {
  if (version == kLatest) return success();
  if (!is_version_number(version) || !find_version(s, keys::function(f.account, f.region, f.name), version_number(version))) {
    return aws::function_not_found(f.arn + ":" + std::string(version));
  }
  return success();
}

Result<void> check_routing(const Snapshot& s, const Function& f, std::string_view primary,
                           const std::optional<std::pair<std::string, double>>& routing) {
  if (!routing) return success();
  if (primary == kLatest || routing->first == kLatest) {
    return aws::invalid_parameter("$LATEST is not supported for an alias pointing to more than 1 version");
  }
  if (routing->second < 0.0 || routing->second > 1.0) {
    return aws::invalid_parameter("Routing weights must be between 0.0 and 1.0");
  }
  if (routing->first == primary) {
    return aws::invalid_parameter("Routing config version must differ from the alias's FunctionVersion");
  }
  return check_alias_target(s, f, routing->first);
}

}  // namespace

std::optional<Function> Snapshot::find_function(const FunctionRef& ref) const {
  note_touch(TouchedKind::Function, ref.account, ref.region, ref.name);
  return load<Function>(txn_, state_.db.functions, function_key(ref));
}

Result<FunctionView> Snapshot::get_function(const FunctionRef& ref, std::string_view qualifier) const {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  FunctionView view;
  view.function = std::move(function.value());
  const Function& f = view.function;
  const std::string fkey = function_key(ref);
  if (qualifier.empty()) {
    view.config = f.latest;
    view.qualified_arn = f.arn;
    return view;
  }
  view.qualified_arn = f.arn + ":" + std::string(qualifier);
  if (qualifier == kLatest) {
    view.config = f.latest;
    return view;
  }
  if (is_version_number(qualifier)) {
    auto version = find_version(*this, fkey, version_number(qualifier));
    if (!version) return aws::function_not_found(view.qualified_arn);
    view.config = std::move(*version);
    return view;
  }
  auto alias = find_alias(*this, fkey, qualifier);
  if (!alias) return aws::function_not_found(view.qualified_arn);
  if (alias->function_version == kLatest) {
    view.config = f.latest;
  } else {
    auto version = find_version(*this, fkey, version_number(alias->function_version));
    if (!version) return service_failure("alias " + alias->arn + " points to a missing version");
    view.config = std::move(*version);
  }
  if (alias->routing) {
    auto additional = find_version(*this, fkey, version_number(alias->routing->first));
    if (!additional) return service_failure("alias " + alias->arn + " routes to a missing version");
    view.additional_version = std::move(*additional);
  }
  view.alias = std::move(*alias);
  return view;
}

std::vector<Function> Snapshot::list_functions(std::string_view account, std::string_view region) const {
  std::vector<Function> out;
  scan_prefix(txn_, state_.db.functions, keys::function_prefix(account, region),
              [&](std::string_view, std::string_view value) {
                out.push_back(decode<Function>(value));
                note_touch(TouchedKind::Function, out.back().account, region, out.back().name);
                return true;
              });
  return out;
}

Result<std::vector<FunctionConfig>> Snapshot::list_versions(const FunctionRef& ref) const {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  std::vector<FunctionConfig> out{function.value().latest};
  scan_prefix(txn_, state_.db.versions, keys::children_prefix(function_key(ref)),
              [&](std::string_view, std::string_view value) {
                out.push_back(decode<FunctionConfig>(value));
                return true;
              });
  return out;
}

Result<Alias> Snapshot::get_alias(const FunctionRef& ref, std::string_view name) const {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  auto alias = find_alias(*this, function_key(ref), name);
  if (!alias) return aws::alias_not_found_for_get(function.value().arn + ":" + std::string(name));
  return std::move(*alias);
}

Result<std::vector<Alias>> Snapshot::list_aliases(const FunctionRef& ref, std::string_view function_version) const {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  std::vector<Alias> out;
  scan_prefix(txn_, state_.db.aliases, keys::children_prefix(function_key(ref)),
              [&](std::string_view, std::string_view value) {
                Alias alias = decode<Alias>(value);
                if (function_version.empty() || alias.function_version == function_version) {
                  out.push_back(std::move(alias));
                }
                return true;
              });
  return out;
}

std::optional<CodePackage> Snapshot::find_code(std::string_view sha256) const {
  return load<CodePackage>(txn_, state_.db.code, sha256);
}

std::optional<std::string> Snapshot::code_bytes(std::string_view sha256) const {
  auto bytes = state_.db.code_blobs.get(txn_, sha256);
  if (!bytes) return std::nullopt;
  return std::string(*bytes);
}

AccountUsage Snapshot::account_usage(std::string_view account, std::string_view region) const {
  AccountUsage usage;
  const std::string prefix = keys::function_prefix(account, region);
  scan_prefix(txn_, state_.db.functions, prefix, [&](std::string_view, std::string_view value) {
    usage.total_code_size += decode<Function>(value).latest.code_size;
    ++usage.function_count;
    return true;
  });
  scan_prefix(txn_, state_.db.versions, prefix, [&](std::string_view, std::string_view value) {
    usage.total_code_size += decode<FunctionConfig>(value).code_size;
    return true;
  });
  return usage;
}

Result<FunctionConfig> Mutation::create_function(const CreateFunctionInput& input) {
  const FunctionRef& ref = input.function;
  if (auto ok = check_function_name(ref.name); !ok) return ok.error();
  if (auto ok = require_account(*this, ref.account); !ok) return ok.error();
  if (find_function(ref)) return aws::function_exists(ref.name);
  Function f;
  f.account = ref.account;
  f.region = ref.region;
  f.name = ref.name;
  f.arn = function_arn(ref.region, ref.account, ref.name);
  f.created = now();
  f.id = ids::uuid();
  f.tags = input.tags;
  f.latest = input.config;
  f.latest.version = std::string(kLatest);
  f.latest.code_sha256 = ids::sha256_base64(input.zip);
  f.latest.code_size = static_cast<std::int64_t>(input.zip.size());
  f.latest.last_modified = f.created;
  f.latest.revision_id = ids::uuid();
  f.latest.state = "Active";
  f.latest.last_update_status = "Successful";
  add_code_reference(*this, f.latest.code_sha256, input.zip);
  save_function(*this, f);
  if (input.publish) return publish(*this, f, std::nullopt);
  return f.latest;
}

Result<FunctionConfig> Mutation::update_function_code(const FunctionRef& ref, std::string_view zip, bool publish_after,
                                                      std::string_view revision_id) {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  Function& f = function.value();
  if (auto ok = check_revision(revision_id, f.latest.revision_id, "GetFunction"); !ok) return ok.error();
  const std::string sha = ids::sha256_base64(zip);
  add_code_reference(*this, sha, zip);
  release_code_reference(*this, f.latest.code_sha256);
  f.latest.code_sha256 = sha;
  f.latest.code_size = static_cast<std::int64_t>(zip.size());
  f.latest.last_modified = now();
  f.latest.revision_id = ids::uuid();
  save_function(*this, f);
  if (publish_after) return publish(*this, f, std::nullopt);
  return f.latest;
}

Result<FunctionConfig> Mutation::update_function_configuration(const FunctionRef& ref,
                                                               const FunctionConfigUpdate& u,
                                                               std::string_view revision_id) {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  Function& f = function.value();
  if (auto ok = check_revision(revision_id, f.latest.revision_id, "GetFunction"); !ok) return ok.error();
  FunctionConfig& c = f.latest;
  if (u.runtime) c.runtime = *u.runtime;
  if (u.role) c.role = *u.role;
  if (u.handler) c.handler = *u.handler;
  if (u.description) c.description = *u.description;
  if (u.dead_letter_target) c.dead_letter_target = *u.dead_letter_target;
  if (u.kms_key_arn) c.kms_key_arn = *u.kms_key_arn;
  if (u.tracing_mode) c.tracing_mode = *u.tracing_mode;
  if (u.timeout) c.timeout = *u.timeout;
  if (u.memory_size) c.memory_size = *u.memory_size;
  if (u.ephemeral_storage) c.ephemeral_storage = *u.ephemeral_storage;
  if (u.environment) c.environment = *u.environment;
  if (u.architectures) c.architectures = *u.architectures;
  if (u.vpc) {
    // Empty lists detach the function from its VPC.
    if (u.vpc->subnet_ids.empty() && u.vpc->security_group_ids.empty()) {
      c.vpc.reset();
    } else {
      c.vpc = *u.vpc;
    }
  }
  c.last_modified = now();
  c.revision_id = ids::uuid();
  save_function(*this, f);
  return c;
}

Result<FunctionConfig> Mutation::publish_version(const FunctionRef& ref, std::string_view code_sha256,
                                                 std::optional<std::string> description,
                                                 std::string_view revision_id) {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  Function& f = function.value();
  if (auto ok = check_revision(revision_id, f.latest.revision_id, "GetFunction"); !ok) return ok.error();
  if (!code_sha256.empty() && code_sha256 != f.latest.code_sha256) {
    return aws::invalid_parameter("CodeSHA256 (" + std::string(code_sha256) +
                                  ") is different from current CodeSHA256 in $LATEST (" + f.latest.code_sha256 +
                                  "). Please try again with the CodeSHA256 in $LATEST.");
  }
  return publish(*this, f, std::move(description));
}

Result<void> Mutation::delete_function(const FunctionRef& ref, std::string_view qualifier) {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  const Function& f = function.value();
  const std::string fkey = function_key(ref);
  const auto& db = state_.db;
  if (qualifier == kLatest) {
    return aws::invalid_parameter("$LATEST version cannot be deleted without deleting the function.");
  }
  if (!qualifier.empty() && !is_version_number(qualifier)) {
    return aws::invalid_parameter("Deletion of aliases is not currently supported.");
  }
  if (!qualifier.empty()) {
    auto version = find_version(*this, fkey, version_number(qualifier));
    if (!version) return success();  // an unknown version of an existing function: 204
    auto aliases = list_aliases(ref);
    std::vector<std::string> users;
    for (const auto& a : aliases.value()) {
      if (a.function_version == version->version || (a.routing && a.routing->first == version->version)) {
        users.push_back(a.name);
      }
    }
    if (!users.empty()) return aws::version_in_use(users);
    release_code_reference(*this, version->code_sha256);
    db.versions.del(txn_, keys::version(fkey, version_number(qualifier)));
    if (db.function_policies.del(txn_, keys::child(fkey, version->version))) {
      effects_.forget.push_back(function_policy_key(fkey, version->version));
    }
    effects_.lambda = true;
    return success();
  }
  // The whole function: versions, aliases and policies go; event-source mappings stay.
  std::vector<std::string> doomed;
  scan_prefix(txn_, db.versions, keys::children_prefix(fkey), [&](std::string_view key, std::string_view value) {
    doomed.emplace_back(key);
    release_code_reference(*this, decode<FunctionConfig>(value).code_sha256);
    return true;
  });
  for (const auto& key : doomed) db.versions.del(txn_, key);
  doomed.clear();
  scan_prefix(txn_, db.aliases, keys::children_prefix(fkey), [&](std::string_view key, std::string_view) {
    doomed.emplace_back(key);
    return true;
  });
  for (const auto& key : doomed) db.aliases.del(txn_, key);
  doomed.clear();
  scan_prefix(txn_, db.function_policies, keys::children_prefix(fkey), [&](std::string_view key, std::string_view value) {
    doomed.emplace_back(key);
    effects_.forget.push_back(function_policy_key(fkey, decode<FunctionPolicy>(value).qualifier));
    return true;
  });
  for (const auto& key : doomed) db.function_policies.del(txn_, key);
  release_code_reference(*this, f.latest.code_sha256);
  db.functions.del(txn_, fkey);
  effects_.lambda = true;
  return success();
}

Result<Alias> Mutation::create_alias(const FunctionRef& ref, const AliasInput& input) {
  if (auto ok = check_alias_name(input.name); !ok) return ok.error();
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  const Function& f = function.value();
  if (auto ok = check_alias_target(*this, f, input.function_version); !ok) return ok.error();
  if (auto ok = check_routing(*this, f, input.function_version, input.routing); !ok) return ok.error();
  const std::string fkey = function_key(ref);
  Alias alias{input.name, f.arn + ":" + input.name, input.function_version, input.description, ids::uuid(),
              input.routing};
  if (find_alias(*this, fkey, input.name)) return aws::alias_exists(alias.arn);
  save(txn_, state_.db.aliases, keys::child(fkey, input.name), alias);
  effects_.lambda = true;
  return alias;
}

Result<Alias> Mutation::update_alias(const FunctionRef& ref, std::string_view name, const AliasUpdate& update,
                                     std::string_view revision_id) {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  const Function& f = function.value();
  const std::string fkey = function_key(ref);
  auto alias = find_alias(*this, fkey, name);
  if (!alias) return aws::alias_not_found_for_update(f.arn + ":" + std::string(name));
  if (auto ok = check_revision(revision_id, alias->revision_id, "GetAlias"); !ok) return ok.error();
  if (update.function_version) {
    if (auto ok = check_alias_target(*this, f, *update.function_version); !ok) return ok.error();
    alias->function_version = *update.function_version;
  }
  if (update.description) alias->description = *update.description;
  if (update.routing) alias->routing = *update.routing;
  if (auto ok = check_routing(*this, f, alias->function_version, alias->routing); !ok) return ok.error();
  alias->revision_id = ids::uuid();
  save(txn_, state_.db.aliases, keys::child(fkey, name), *alias);
  effects_.lambda = true;
  return std::move(*alias);
}

Result<void> Mutation::delete_alias(const FunctionRef& ref, std::string_view name) {
  auto function = get_function_record(*this, ref);
  if (!function) return function.error();
  const std::string fkey = function_key(ref);
  // Idempotent: a missing alias of an existing function is not an error.
  if (state_.db.aliases.del(txn_, keys::child(fkey, name))) {
    if (state_.db.function_policies.del(txn_, keys::child(fkey, name))) {
      effects_.forget.push_back(function_policy_key(fkey, name));
    }
    effects_.lambda = true;
  }
  return success();
}

}  // namespace gatehouse::store
