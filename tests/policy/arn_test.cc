#include "policy/arn.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using gatehouse::policy::is_account_id;
using gatehouse::policy::parse_arn;
using gatehouse::policy::parse_principal_arn;
using gatehouse::policy::PrincipalArnKind;

namespace {

const char* kind_name(PrincipalArnKind kind) {
  switch (kind) {
    case PrincipalArnKind::Root: return "Root";
    case PrincipalArnKind::User: return "User";
    case PrincipalArnKind::Role: return "Role";
    case PrincipalArnKind::AssumedRole: return "AssumedRole";
    case PrincipalArnKind::FederatedUser: return "FederatedUser";
    case PrincipalArnKind::Other: return "Other";
  }
  return "?";
}

bool within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

TEST_CASE("parse_arn splits on the first five colons", "[policy][arn]") {
  struct Row {
    std::string_view text;
    std::string_view partition, service, region, account, resource;
  };
  const Row rows[] = {
      // Sample identities of the policy semantics.
      {"arn:aws:iam::111111111111:user/alice", "aws", "iam", "", "111111111111", "user/alice"},
      {"arn:aws:iam::111111111111:role/app/R", "aws", "iam", "", "111111111111", "role/app/R"},
      {"arn:aws:sts::111111111111:assumed-role/R/s1", "aws", "sts", "", "111111111111",
       "assumed-role/R/s1"},
      {"arn:aws:iam::111111111111:root", "aws", "iam", "", "111111111111", "root"},
      {"arn:aws:lambda:us-east-1:111111111111:function:F", "aws", "lambda", "us-east-1",
       "111111111111", "function:F"},
      {"arn:aws:lambda:us-east-1:111111111111:function:F:PROD", "aws", "lambda", "us-east-1",
       "111111111111", "function:F:PROD"},
      // 3.9: the resource is everything after the fifth colon.
      {"arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
       "aws", "someservice", "us-east-2", "999999999999",
       "store/abc:111122223333:finance/document.txt"},
      {"arn:aws:someservice:*:111122223333:finance/*", "aws", "someservice", "*", "111122223333",
       "finance/*"},
      {"arn:aws:iam::*:user/*", "aws", "iam", "", "*", "user/*"},
      {"arn:aws:lambda:*:*:function:*", "aws", "lambda", "*", "*", "function:*"},
      {"arn:aws:lambda:*:*:*", "aws", "lambda", "*", "*", "*"},
      {"arn:aws:s3:::b/1/2/test/x.jpg", "aws", "s3", "", "", "b/1/2/test/x.jpg"},
      {"arn:aws:s3:::bucket-${aws:PrincipalTag/team, 'company-wide'}", "aws", "s3", "", "",
       "bucket-${aws:PrincipalTag/team, 'company-wide'}"},
      {"arn:aws:s3:::", "aws", "s3", "", "", ""},
      {"arn:::::", "", "", "", "", ""},
      {"arn::::::::", "", "", "", "", ":::"},
      {"arn:aws-cn:iam::222222222222:user/bob", "aws-cn", "iam", "", "222222222222", "user/bob"},
      {"arn:aws:s3:::b/\xc3\xa9\xff", "aws", "s3", "", "", "b/\xc3\xa9\xff"},
      {"arn:\xc3\xa9:s\xff::1:r", "\xc3\xa9", "s\xff", "", "1", "r"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto arn = parse_arn(row.text);
      REQUIRE(arn.has_value());
      CHECK(arn->partition == row.partition);
      CHECK(arn->service == row.service);
      CHECK(arn->region == row.region);
      CHECK(arn->account == row.account);
      CHECK(arn->resource == row.resource);
      CHECK(within(arn->resource, row.text));
      CHECK(within(arn->partition, row.text));
    }
  }
}

TEST_CASE("parse_arn rejects text that is not an ARN", "[policy][arn]") {
  const std::string_view rows[] = {
      "",
      "arn",
      "arn:",
      "arn:aws:*",  // 3.9 / C35: only three fields
      "arn:aws:s3::",
      "arn:aws:iam::111111111111",
      "ARN:aws:iam::111111111111:root",
      "Arn:aws:iam::111111111111:root",
      " arn:aws:iam::111111111111:root",
      "aws:arn:iam::111111111111:root:x",
      "arn;aws:iam::111111111111:root",
      "*",
      "111111111111",
      "lambda.amazonaws.com",
      "AIDAALICEEXAMPLE00001",
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(parse_arn(text).has_value()); }
  }
}

TEST_CASE("parse_principal_arn recognizes IAM and STS principals", "[policy][arn]") {
  struct Row {
    std::string_view text;
    PrincipalArnKind kind;
    std::string_view partition, account, path, name, session;
  };
  using K = PrincipalArnKind;
  const Row rows[] = {
      {"arn:aws:iam::111111111111:root", K::Root, "aws", "111111111111", "", "", ""},
      {"arn:aws:iam::111111111111:user/alice", K::User, "aws", "111111111111", "/", "alice", ""},
      {"arn:aws:iam::222222222222:user/bob", K::User, "aws", "222222222222", "/", "bob", ""},
      {"arn:aws:iam::111111111111:user/app/x/alice", K::User, "aws", "111111111111", "/app/x/",
       "alice", ""},
      {"arn:aws:iam::111111111111:user/path/alice", K::User, "aws", "111111111111", "/path/",
       "alice", ""},
      {"arn:aws:iam::111111111111:role/app/R", K::Role, "aws", "111111111111", "/app/", "R", ""},
      {"arn:aws:iam::111111111111:role/R", K::Role, "aws", "111111111111", "/", "R", ""},
      {"arn:aws:iam::111111111111:role/service-role/my_role+=,.@-1", K::Role, "aws",
       "111111111111", "/service-role/", "my_role+=,.@-1", ""},
      {"arn:aws:iam::111111111111:role/a!b/R", K::Role, "aws", "111111111111", "/a!b/", "R", ""},
      {"arn:aws:sts::111111111111:assumed-role/R/s1", K::AssumedRole, "aws", "111111111111", "",
       "R", "s1"},
      {"arn:aws:sts::111111111111:assumed-role/R/F", K::AssumedRole, "aws", "111111111111", "",
       "R", "F"},
      {"arn:aws:sts::111111111111:assumed-role/R/bob@example.com", K::AssumedRole, "aws",
       "111111111111", "", "R", "bob@example.com"},
      {"arn:aws:sts::111111111111:federated-user/name", K::FederatedUser, "aws", "111111111111",
       "", "name", ""},
      {"arn:aws-cn:iam::222222222222:user/bob", K::User, "aws-cn", "222222222222", "/", "bob", ""},
      {"arn:aws-us-gov:iam::222222222222:root", K::Root, "aws-us-gov", "222222222222", "", "", ""},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") {
      const auto p = parse_principal_arn(row.text);
      REQUIRE(p.has_value());
      CHECK(kind_name(p->kind) == std::string(kind_name(row.kind)));
      CHECK(p->partition == row.partition);
      CHECK(p->account == row.account);
      CHECK(p->path == row.path);
      CHECK(p->name == row.name);
      CHECK(p->session == row.session);
      if (!p->path.empty()) CHECK(within(p->path, row.text));
      if (!p->name.empty()) CHECK(within(p->name, row.text));
    }
  }
}

TEST_CASE("parse_principal_arn reports other ARNs as Other", "[policy][arn]") {
  const std::string_view rows[] = {
      // Not principals.
      "arn:aws:iam::111111111111:group/devs",
      "arn:aws:iam::111111111111:policy/P",
      "arn:aws:lambda:us-east-1:111111111111:function:F",
      "arn:aws:iam::111111111111:oidc-provider/example.com",
      // Wrong service for the resource form.
      "arn:aws:sts::111111111111:user/alice",
      "arn:aws:sts::111111111111:root",
      "arn:aws:iam::111111111111:assumed-role/R/s1",
      "arn:aws:iam::111111111111:federated-user/name",
      // 2.5: wildcards other than a lone "*" are not principals.
      "arn:aws:iam::111111111111:user/*",
      "arn:aws:iam::*:root",
      "arn:aws:sts::111111111111:assumed-role/R/*",
      "arn:aws:iam::111111111111:role/R?",
      // Malformed account, region or partition.
      "arn:aws:iam::11111111111:root",
      "arn:aws:iam::1111111111111:root",
      "arn:aws:iam::11111111111a:root",
      "arn:aws:iam::aws:root",
      "arn:aws:iam:us-east-1:111111111111:root",
      "arn::iam::111111111111:root",
      "arn:AWS:iam::111111111111:root",
      // Malformed resource.
      "arn:aws:iam::111111111111:ROOT",
      "arn:aws:iam::111111111111:root/x",
      "arn:aws:iam::111111111111:rootx",
      "arn:aws:iam::111111111111:user",
      "arn:aws:iam::111111111111:user/",
      "arn:aws:iam::111111111111:user/app/",
      "arn:aws:iam::111111111111:user//alice",
      "arn:aws:iam::111111111111:useralice",
      "arn:aws:iam::111111111111:user/al ice",
      "arn:aws:iam::111111111111:user/\xc3\xa9",
      "arn:aws:iam::111111111111:user/a:b",
      "arn:aws:iam::111111111111:role/ap p/R",
      "arn:aws:sts::111111111111:assumed-role/R",
      "arn:aws:sts::111111111111:assumed-role/R/",
      "arn:aws:sts::111111111111:assumed-role//s1",
      "arn:aws:sts::111111111111:assumed-role/R/s1/x",
      "arn:aws:sts::111111111111:assumed-role/app/R/s1",
      "arn:aws:sts::111111111111:federated-user/",
      "arn:aws:sts::111111111111:federated-user/a/b",
  };
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") {
      const auto p = parse_principal_arn(text);
      REQUIRE(p.has_value());
      CHECK(kind_name(p->kind) == std::string("Other"));
      CHECK(p->name.empty());
      CHECK(p->path.empty());
      CHECK(p->session.empty());
    }
  }
}

TEST_CASE("parse_principal_arn keeps the partition and account of Other ARNs", "[policy][arn]") {
  const auto p = parse_principal_arn("arn:aws:lambda:us-east-1:111111111111:function:F");
  REQUIRE(p.has_value());
  CHECK(p->partition == "aws");
  CHECK(p->account == "111111111111");
}

TEST_CASE("parse_principal_arn is nullopt for non-ARNs", "[policy][arn]") {
  const std::string_view rows[] = {"", "*", "111111111111", "lambda.amazonaws.com",
                                   "AROAREXAMPLE000000001", "arn:aws:iam::111111111111",
                                   "anonymous"};
  for (const auto text : rows) {
    DYNAMIC_SECTION("`" << text << "`") { CHECK_FALSE(parse_principal_arn(text).has_value()); }
  }
}

TEST_CASE("is_account_id accepts exactly 12 ASCII digits", "[policy][arn]") {
  struct Row {
    std::string_view text;
    bool valid;
  };
  const Row rows[] = {
      {"111111111111", true},
      {"000000000000", true},
      {"222222222222", true},
      {"11111111111", false},
      {"1111111111111", false},
      {"11111111111a", false},
      {" 11111111111", false},
      {"", false},
      {"*", false},
      {"aws", false},
      {"1111-1111-11", false},
      {"\xd9\xa1\xd9\xa1\xd9\xa1\xd9\xa1\xd9\xa1\xd9\xa1", false},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION("`" << row.text << "`") { CHECK(is_account_id(row.text) == row.valid); }
  }
}
