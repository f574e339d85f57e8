// Identifiers in AWS's formats.
#include "../shapes.h"
#include <set>

#include "store/ids.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

TEST_CASE("ids: unique ids, access key ids and secrets have AWS's shapes", "[store][ids]") {
  struct Row {
    std::string_view prefix;
  };
  for (std::string_view prefix : {ids::kUserPrefix, ids::kGroupPrefix, ids::kRolePrefix, ids::kPolicyPrefix}) {
    DYNAMIC_SECTION(prefix) {
      const std::string id = ids::unique_id(prefix, kAccount);
      CHECK(gatehouse::testing::has_shape(id, prefix, gatehouse::testing::kBase32Upper, 17));
    }
  }
  const std::string akia = ids::access_key_id(ids::kAccessKeyPrefix, kAccount);
  CHECK(gatehouse::testing::has_shape(akia, "AKIA", gatehouse::testing::kBase32Upper, 16));
  CHECK(ids::is_access_key_id(akia));
  const std::string secret = ids::secret_access_key();
  CHECK(gatehouse::testing::has_shape(secret, "", gatehouse::testing::kBase64, 40));
  CHECK(ids::is_secret_access_key(secret));
  CHECK(gatehouse::testing::is_uuid_v4(ids::uuid()));
}

TEST_CASE("ids: AKIA, ASIA and AROA ids encode the account as get-access-key-info decodes it", "[store][ids]") {
  for (const char* account : {"111111111111", "000000000001", "999999999999", "123456789012"}) {
    DYNAMIC_SECTION(account) {
      CHECK(ids::account_of(ids::access_key_id(ids::kAccessKeyPrefix, account)) == std::optional<std::string>(account));
      CHECK(ids::account_of(ids::access_key_id(ids::kTemporaryKeyPrefix, account)) == std::optional<std::string>(account));
      CHECK(ids::account_of(ids::unique_id(ids::kRolePrefix, account)) == std::optional<std::string>(account));
    }
  }
  // AWS's documented example: ASIAQNZGKIQY56JQ7WML belongs to 029608264753.
  CHECK(ids::account_of("ASIAQNZGKIQY56JQ7WML") == std::optional<std::string>("029608264753"));
}

TEST_CASE("ids: shapes from outside are checked", "[store][ids]") {
  struct Row {
    std::string id;
    bool ok;
  };
  const Row rows[] = {{"AKIAEXAMPLEROOT11111", true}, {"ASIAEXAMPLEROOT11111", true}, {"AKIAEXAMPLEROOT1111", false},
                      {"AKIAexampleROOT11111", false}, {"AROAEXAMPLEROOT11111", false}};
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.id) { CHECK(ids::is_access_key_id(row.id) == row.ok); }
  }
  CHECK_FALSE(ids::is_secret_access_key(std::string(39, 'a')));
  CHECK_FALSE(ids::is_secret_access_key(std::string(39, 'a') + "-"));
}

TEST_CASE("ids: CodeSha256 is the base64 SHA-256 of the package", "[store][ids]") {
  // sha256("") = e3b0c442...; base64 of the digest:
  CHECK(ids::sha256_base64("") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  CHECK(ids::sha256_base64("abc") == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}
