// The record encoding: round trips, and corrupt bytes are refused, not misread.
#include "store/codec.h"
#include "store/model.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;

TEST_CASE("codec: every kind of field round-trips", "[store][codec]") {
  FunctionConfig c;
  c.version = "7";
  c.timeout = -1;  // signed values survive zig-zag
  c.memory_size = 10240;
  c.code_size = (std::int64_t{1} << 40) + 3;
  c.environment = std::vector<std::pair<std::string, std::string>>{{"B", "2"}, {"A", std::string("\0x", 2)}};
  c.vpc = VpcConfig{{"subnet-1"}, {"sg-1", "sg-2"}, "vpc-1"};
  c.architectures = {"arm64"};
  const FunctionConfig back = decode<FunctionConfig>(encode(c));
  CHECK(encode(back) == encode(c));
  CHECK(back.timeout == -1);
  CHECK(back.code_size == c.code_size);
  CHECK(back.environment->at(1).second == std::string("\0x", 2));
  CHECK(back.vpc->security_group_ids.size() == 2);

  Alias a{"PROD", "arn", "3", "", "rev", std::make_pair(std::string("4"), 0.25)};
  const Alias alias = decode<Alias>(encode(a));
  REQUIRE(alias.routing.has_value());
  CHECK(alias.routing->second == 0.25);
  User u;
  u.tags = {{"team", "a"}, {"env", "prod"}};
  u.inline_policies = {{"p", "{}", 9}};
  CHECK(decode<User>(encode(u)).tags == u.tags);
}

TEST_CASE("codec: corrupt records are refused", "[store][codec]") {
  User u;
  u.name = "alice";
  u.groups = {"g1", "g2"};
  const std::string good = encode(u);
  struct Row {
    const char* what;
    std::string bytes;
  };
  const Row rows[] = {
      {"empty", ""},
      {"unknown format", std::string(1, '\x02') + good.substr(1)},
      {"truncated", good.substr(0, good.size() - 1)},
      {"trailing bytes", good + "x"},
      {"length beyond the record", std::string("\x01\x7f", 2)},
      {"varint too long", std::string("\x01") + std::string(11, '\xff')},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) { CHECK_THROWS_AS(decode<User>(row.bytes), CorruptRecord); }
  }
}

TEST_CASE("A trailing field decodes from records written before it existed", "[codec]") {
  AccessKeyRecord record;
  record.id = "ASIAEXAMPLE000000001";
  record.kind = CredentialKind::RoleSession;
  record.session_tags = {{"team", "red"}};
  record.transitive_tag_keys = {"team"};
  record.source_function_arn = "arn:aws:lambda:us-east-1:111111111111:function:f";
  const std::string bytes = encode(record);
  CHECK(decode<AccessKeyRecord>(bytes).transitive_tag_keys == std::vector<std::string>{"team"});
  CHECK(decode<AccessKeyRecord>(bytes).source_function_arn == record.source_function_arn);

  // The same record as the earlier formats wrote it: everything up to session_tags, and
  // everything up to transitive_tag_keys.
  AccessKeyRecord older = record;
  older.transitive_tag_keys.clear();
  older.source_function_arn.clear();
  std::string old_bytes = encode(older);
  REQUIRE(old_bytes.ends_with(std::string(2, '\0')));  // the empty list's count, the empty string's length
  old_bytes.pop_back();
  const auto before_function = decode<AccessKeyRecord>(old_bytes);
  CHECK(before_function.session_tags == record.session_tags);
  CHECK(before_function.source_function_arn.empty());
  old_bytes.pop_back();
  const auto decoded = decode<AccessKeyRecord>(old_bytes);
  CHECK(decoded.id == record.id);
  CHECK(decoded.session_tags == record.session_tags);
  CHECK(decoded.transitive_tag_keys.empty());
  CHECK(decoded.source_function_arn.empty());
}

TEST_CASE("Roles and function policies written before principal binding decode without it", "[codec]") {
  Role role;
  role.name = "break-glass";
  role.trust_principal_ids = {{"arn:aws:iam::111111111111:user/carol", "AIDAEXAMPLEEXAMPLE001"}};
  CHECK(decode<Role>(encode(role)).trust_principal_ids == role.trust_principal_ids);
  Role older = role;
  older.trust_principal_ids.clear();
  std::string old_bytes = encode(older);
  REQUIRE(old_bytes.back() == '\0');  // the empty map's count, the last field
  old_bytes.pop_back();
  CHECK(decode<Role>(old_bytes).name == "break-glass");
  CHECK(decode<Role>(old_bytes).trust_principal_ids.empty());

  FunctionPolicy policy;
  policy.revision_id = "r1";
  std::string old_policy = encode(policy);
  REQUIRE(old_policy.back() == '\0');
  old_policy.pop_back();
  CHECK(decode<FunctionPolicy>(old_policy).revision_id == "r1");
}

TEST_CASE("Functions written before their creation id decode without it", "[codec]") {
  Function function;
  function.name = "f";
  function.created = 1700000000000;
  function.id = "0e5a1c52-0000-4000-8000-00000000a004";
  CHECK(decode<Function>(encode(function)).id == function.id);
  Function older = function;
  older.id.clear();
  std::string old_bytes = encode(older);
  REQUIRE(old_bytes.back() == '\0');  // the empty string's length, the last field
  old_bytes.pop_back();
  const auto decoded = decode<Function>(old_bytes);
  CHECK(decoded.name == "f");
  CHECK(decoded.created == function.created);
  CHECK(decoded.id.empty());
}
