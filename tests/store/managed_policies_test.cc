// Managed policies (versions, limits, AWS's own), inline policy sizes and attachment quotas.
#include "../shapes.h"

#include "policy/validate.h"
#include "store/aws_managed_policies.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

std::string document_of_size(std::size_t size) {
  // One statement whose resource name is padded to make the document exactly `size` bytes.
  const std::string head = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::)";
  const std::string tail = R"("}]})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

const EntityRef kAlice{EntityKind::User, kAccount, "alice"};

}  // namespace

TEST_CASE("managed policies: AWS's Lambda policies exist in every store, as seed-notes 3 gives them", "[store][policies]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  struct Row {
    std::string arn, id, version;
  };
  const Row rows[] = {
      {"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "ANPAJNCQGXC42545SKXIK", "v1"},
      {"arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole", "ANPAJHOLKJPXV4GBRMJUQ", "v2"},
      {"arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole", "ANPAIP7WNAGMIPYNW4WQG", "v1"},
      {"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole", "ANPAJVTME3YLVNL72YR2K", "v3"},
      {"arn:aws:iam::aws:policy/service-role/AWSLambdaRole", "ANPAJX4DPCRGTC4NFDUXI", "v1"},
      {"arn:aws:iam::aws:policy/AWSLambdaExecute", "ANPAJE5FX7FQZSU5XAKGO", "v1"},
      {"arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess", "", "v8"},
      {"arn:aws:iam::aws:policy/AWSLambdaFullAccess", "", "v8"},
      {"arn:aws:iam::aws:policy/AWSLambda_FullAccess", "ANPAZKAPJZG4OXQPYWZ5D", "v1"},
      {"arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess", "ANPAZKAPJZG4IERNVMNPE", "v1"},
  };
  CHECK(aws_managed_policies().size() == std::size(rows));
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.arn) {
      auto view = store->read([&](const Snapshot& s) { return s.get_policy(kAccount, row.arn); });
      REQUIRE(view);
      const ManagedPolicy& p = view.value().policy;
      CHECK(p.aws_managed);
      CHECK(p.account == "aws");
      CHECK(p.default_version == row.version);
      if (!row.id.empty()) CHECK(p.id == row.id);
      CHECK(gatehouse::testing::has_shape(p.id, "ANPA", gatehouse::testing::kUpperAlnum, 17));
      // Every document is a valid identity policy and compiles.
      CHECK(gatehouse::policy::parse_and_validate(p.default_document().document, gatehouse::policy::PolicyType::Identity));
      auto compiled = store->find_managed_policy(row.arn);
      REQUIRE(compiled);
      REQUIRE(compiled.value());
      CHECK_FALSE(compiled.value()->statements.empty());
    }
  }
  const std::string basic = store->read([](const Snapshot& s) {
    return s.get_policy(kAccount, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
  }).value().policy.default_document().document;
  CHECK(basic ==
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})");
  // The seed's wrong names do not exist (seed-notes 3.3).
  for (const char* wrong : {"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCLambdaAccessExecutionRole",
                            "arn:aws:iam::aws:policy/AWSLambdaBasicExecute", "arn:aws:iam::aws:policy/AWSLambdaRole"}) {
    DYNAMIC_SECTION(wrong) {
      const Error e = error_of(store->read([&](const Snapshot& s) { return s.get_policy(kAccount, wrong); }));
      CHECK(e.code == "NoSuchEntity");
    }
  }
}

TEST_CASE("managed policies: AWS's own cannot be changed or deleted", "[store][policies]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string arn = "arn:aws:iam::aws:policy/AWSLambda_FullAccess";
  CHECK(error_of(store->write([&](Mutation& m) { return m.delete_policy(kAccount, arn); })).code == "InvalidInput");
  CHECK(error_of(store->write([&](Mutation& m) { return m.create_policy_version(kAccount, arn, kAllowAll, true); })).code ==
        "InvalidInput");
  // They stay attachable, the deprecated ones included (seed fidelity).
  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  CHECK(store->write([](Mutation& m) { return m.attach_policy(kAlice, "arn:aws:iam::aws:policy/AWSLambdaFullAccess"); }));
  auto view = store->read([](const Snapshot& s) { return s.get_policy(kAccount, "arn:aws:iam::aws:policy/AWSLambdaFullAccess"); });
  CHECK(view.value().usage.attachments == 1);
  auto other = store->read([](const Snapshot& s) { return s.get_policy(kOtherAccount, "arn:aws:iam::aws:policy/AWSLambdaFullAccess"); });
  CHECK(other.value().usage.attachments == 0);  // counts are per account
}

TEST_CASE("managed policies: versions, the default version and the 5-version limit", "[store][policies]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string arn = customer_policy_arn("p", kAccount);
  auto created = store->write([](Mutation& m) { return m.create_policy({kAccount, "p", "/", kAllowInvoke, "d", {}}); });
  REQUIRE(created);
  CHECK(created.value().arn == arn);
  CHECK(gatehouse::testing::has_shape(created.value().id, "ANPA", gatehouse::testing::kBase32Upper, 17));
  CHECK(created.value().default_version == "v1");
  CHECK(error_of(store->write([](Mutation& m) { return m.create_policy({kAccount, "P", "/other/", kAllowAll, "", {}}); })) ==
        Error{"EntityAlreadyExists", 409, "A policy called P already exists. Duplicate names are not allowed."});
  for (int i = 2; i <= 5; ++i) {
    auto v = store->write([&](Mutation& m) { return m.create_policy_version(kAccount, arn, kAllowAll, i == 3); });
    REQUIRE(v);
    CHECK(v.value().id == "v" + std::to_string(i));
  }
  CHECK(error_of(store->write([&](Mutation& m) { return m.create_policy_version(kAccount, arn, kAllowAll, false); })) ==
        Error{"LimitExceeded", 409,
              "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing "
              "version."});
  CHECK(store->read([&](const Snapshot& s) { return s.get_policy(kAccount, arn); }).value().policy.default_version == "v3");
  CHECK(error_of(store->write([&](Mutation& m) { return m.delete_policy_version(kAccount, arn, "v3"); })).code ==
        "DeleteConflict");
  CHECK(error_of(store->write([&](Mutation& m) { return m.delete_policy(kAccount, arn); })).message ==
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The "
        "default version is deleted with the policy.");
  REQUIRE(store->write([&](Mutation& m) { return m.delete_policy_version(kAccount, arn, "v5"); }));
  // Version ids are never reused.
  CHECK(store->write([&](Mutation& m) { return m.create_policy_version(kAccount, arn, kAllowAll, false); }).value().id == "v6");
  CHECK(error_of(store->read([&](const Snapshot& s) { return s.get_policy_version(kAccount, arn, "v5"); })).message ==
        "Policy arn:aws:iam::111111111111:policy/p version v5 does not exist or is not attachable.");
  CHECK(store->read([&](const Snapshot& s) { return s.get_policy_version(kAccount, arn, "v1"); }).value().document ==
        kAllowInvoke);
  REQUIRE(store->write([&](Mutation& m) { return m.set_default_policy_version(kAccount, arn, "v6"); }));
  for (const char* v : {"v1", "v2", "v3", "v4"}) {
    REQUIRE(store->write([&](Mutation& m) { return m.delete_policy_version(kAccount, arn, v); }));
  }
  CHECK(store->write([&](Mutation& m) { return m.delete_policy(kAccount, arn); }));
  CHECK(error_of(store->read([&](const Snapshot& s) { return s.get_policy(kAccount, arn); })).message ==
        "Policy arn:aws:iam::111111111111:policy/p was not found.");
}

TEST_CASE("managed policies: documents are kept byte for byte and validated as IAM does", "[store][policies]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  const std::string spaced = "{ \"Version\" : \"2012-10-17\",\n  \"Statement\": {\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"} }\n";
  REQUIRE(store->write([&](Mutation& m) { return m.create_policy({kAccount, "spaced", "/", spaced, "", {}}); }));
  CHECK(store->read([](const Snapshot& s) { return s.get_policy_version(kAccount, customer_policy_arn("spaced"), "v1"); })
            .value()
            .document == spaced);
  struct Row {
    const char* what;
    std::string document;
    Error expected;
  };
  const Row rows[] = {
      {"not JSON", "{", {"MalformedPolicyDocument", 400, "Syntax errors in policy."}},  // policy-semantics 1.1
      {"principal", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})",
       {"MalformedPolicyDocument", 400, "Policy document should not specify a principal."}},
      {"6145 characters", document_of_size(6145), {"LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144"}},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      CHECK(error_of(store->write([&](Mutation& m) { return m.create_policy({kAccount, "bad", "/", row.document, "", {}}); })) ==
            row.expected);
    }
  }
  CHECK(store->write([&](Mutation& m) { return m.create_policy({kAccount, "max", "/", document_of_size(6144), "", {}}); }));
}

TEST_CASE("inline policies: the size quota is the sum over the entity", "[store][policies]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  REQUIRE(store->write([](Mutation& m) { return m.create_user({kAccount, "alice", "/", "", {}}); }));
  REQUIRE(store->write([](Mutation& m) { return m.create_role({kAccount, "exec", "/", kLambdaTrust, "", {}, "", {}}); }));
  REQUIRE(store->write([&](Mutation& m) { return m.put_inline_policy(kAlice, "a", document_of_size(1200)); }));
  const Error e = error_of(store->write([&](Mutation& m) { return m.put_inline_policy(kAlice, "b", document_of_size(900)); }));
  CHECK(e == Error{"LimitExceeded", 409, "Maximum policy size of 2048 bytes exceeded for user alice"});
  // Replacing a policy replaces its share of the sum.
  CHECK(store->write([&](Mutation& m) { return m.put_inline_policy(kAlice, "a", document_of_size(1100)); }));
  CHECK(store->write([&](Mutation& m) { return m.put_inline_policy(kAlice, "b", document_of_size(948)); }));
  CHECK(store->read([](const Snapshot& s) { return s.list_inline_policies(kAlice); }).value() ==
        std::vector<std::string>{"a", "b"});
  const EntityRef exec{EntityKind::Role, kAccount, "exec"};
  CHECK(error_of(store->write([&](Mutation& m) { return m.put_inline_policy(exec, "big", document_of_size(10241)); })).message ==
        "Maximum policy size of 10240 bytes exceeded for role exec");
  CHECK(store->write([&](Mutation& m) { return m.put_inline_policy(exec, "big", document_of_size(10240)); }));
}

TEST_CASE("attachments: attaching twice is a no-op, the 11th is LimitExceeded", "[store][policies]") {
  TempDir dir;
  auto store = open_with_accounts(test_options(dir.path()));
  struct Row {
    EntityKind kind;
    const char* quota;
  };
  const Row rows[] = {{EntityKind::User, "PoliciesPerUser"}, {EntityKind::Group, "PoliciesPerGroup"},
                      {EntityKind::Role, "PoliciesPerRole"}};
  REQUIRE(store->write([](Mutation& m) -> Result<void> {
    if (auto r = m.create_user({kAccount, "e", "/", "", {}}); !r) return r.error();
    if (auto r = m.create_group({kAccount, "e", "/"}); !r) return r.error();
    if (auto r = m.create_role({kAccount, "e", "/", kLambdaTrust, "", {}, "", {}}); !r) return r.error();
    for (int i = 0; i < 11; ++i) {
      if (auto p = m.create_policy({kAccount, "p" + std::to_string(i), "/", kAllowAll, "", {}}); !p) return p.error();
    }
    return success();
  }));
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.quota) {
      const EntityRef e{row.kind, kAccount, "e"};
      for (int i = 0; i < 10; ++i) {
        REQUIRE(store->write([&](Mutation& m) { return m.attach_policy(e, customer_policy_arn("p" + std::to_string(i))); }));
      }
      REQUIRE(store->write([&](Mutation& m) { return m.attach_policy(e, customer_policy_arn("p0")); }));
      CHECK(error_of(store->write([&](Mutation& m) { return m.attach_policy(e, customer_policy_arn("p10")); })) ==
            Error{"LimitExceeded", 409, std::string("Cannot exceed quota for ") + row.quota + ": 10"});
      auto attached = store->read([&](const Snapshot& s) { return s.list_attached_policies(e); });
      CHECK(attached.value().size() == 10);
      CHECK(attached.value()[3].name == "p3");
      CHECK(store->read([](const Snapshot& s) { return s.get_policy(kAccount, customer_policy_arn("p0")); })
                .value()
                .usage.attachments >= 1);
    }
  }
}
