// CreateFunction / UpdateFunctionConfiguration: the Runtime enum and deprecated runtimes, and
// the unzipped code size limit (spec/lambda-api.md 9 steps 1, 4 and 6).
#include <sys/stat.h>
#include <zip.h>

#include <cstdint>
#include <vector>

#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

using executor::testing::base64;
using executor::testing::make_zip;

// A real archive of `sizes.size()` files of zeros of those sizes (deflated: a few KB for 125 MB).
std::string zip_of_zeros(const std::vector<std::size_t>& sizes) {
  std::vector<executor::testing::ZipItem> items;
  for (std::size_t i = 0; i < sizes.size(); ++i) items.push_back({"f" + std::to_string(i), std::string(sizes[i], '\0')});
  return make_zip(items);
}

std::string body_with_zip(std::string_view name, const std::string& zip) {
  return R"({"FunctionName":")" + std::string(name) + R"(","Runtime":"python3.12","Role":")" + kRoleR +
         R"(","Handler":"app.handler","Code":{"ZipFile":")" + base64(zip) + "\"}}";
}

std::string body_with_runtime(std::string_view runtime) {
  return R"({"FunctionName":"F","Runtime":")" + std::string(runtime) + R"(","Role":")" + kRoleR +
         R"(","Handler":"app.handler","Code":{"ZipFile":")" + kZip + "\"}}";
}

const std::string kNoLongerSupported =
    " is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime "
    "while creating or updating functions.";

}  // namespace

TEST_CASE("Runtime: unknown values fail the enum, deprecated ones are refused", "[server][control][runtime]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));

  SECTION("an unknown runtime is InvalidParameterValueException listing the enum") {
    const Response r = world.call("POST", kFunctionsPath, body_with_runtime("python9.9"));
    CHECK(r.status == 400);
    CHECK(r.error_type == "InvalidParameterValueException");
    CHECK_THAT(r.message(), Catch::StartsWith("Value python9.9 at 'runtime' failed to satisfy constraint: Member must "
                                              "satisfy enum value set: [nodejs, nodejs4.3, "));
    CHECK_THAT(r.message(), Catch::EndsWith(", python3.14, java25, dotnet10, ruby4.0] or be a valid ARN"));
  }
  SECTION("the enum check is part of validation: before authorization") {
    world.alice_policy(allow("lambda:GetFunction", "*"));
    CHECK(world.call("POST", kFunctionsPath, body_with_runtime("cobol")).error_type ==
          "InvalidParameterValueException");
    CHECK(world.call("POST", kFunctionsPath, body_with_runtime("python3.12")).status == 403);
  }
  SECTION("the seed's runtimes and every retired one are no longer supported") {
    for (const char* runtime : {"nodejs", "nodejs4.3", "java8", "python2.7", "dotnetcore1.0", "nodejs4.3-edge",
                                "python3.8", "go1.x", "provided"}) {
      const Response r = world.call("POST", kFunctionsPath, body_with_runtime(runtime));
      CHECK(r.status == 400);
      CHECK(r.error_type == "InvalidParameterValueException");
      CHECK(r.message() == "The runtime parameter of " + std::string(runtime) + kNoLongerSupported);
    }
    CHECK(world.call("GET", kFunctionsPath + "/F").status == 404);
  }
  SECTION("a runtime given by ARN passes the enum but cannot be run here") {
    const std::string arn = "arn:aws:lambda:us-east-1::runtime:0123456789abcdef";
    CHECK(world.call("POST", kFunctionsPath, body_with_runtime(arn)).message() ==
          "The runtime parameter of " + arn + kNoLongerSupported);
  }
  SECTION("the deprecated check comes after PassRole and the role's trust") {
    world.alice_policy(allow("lambda:*", "*"));
    CHECK(world.call("POST", kFunctionsPath, body_with_runtime("python2.7")).status == 403);
  }
  SECTION("current runtimes are accepted") {
    CHECK(world.call("POST", kFunctionsPath, body_with_runtime("nodejs22.x")).status == 201);
  }
  SECTION("valid runtimes the executor does not run are refused at once, naming what is served") {
    const std::string served =
        " is not served by this service, which runs python3.9, provided.al2, nodejs18.x, python3.10, python3.11, "
        "nodejs20.x, provided.al2023, python3.12, python3.13, nodejs22.x.";
    for (const char* runtime : {"java21", "ruby3.3", "dotnet8", "nodejs24.x", "python3.14"}) {
      const Response r = world.call("POST", kFunctionsPath, body_with_runtime(runtime));
      CHECK(r.status == 400);
      CHECK(r.error_type == "InvalidParameterValueException");
      CHECK(r.message() == "The runtime parameter of " + std::string(runtime) + served);
    }
    CHECK(world.call("GET", kFunctionsPath + "/F").status == 404);
    world.seed_function("H");
    CHECK(world.call("PUT", kFunctionsPath + "/H/configuration", R"({"Runtime":"java21"})").message() ==
          "The runtime parameter of java21" + served);
  }
  SECTION("UpdateFunctionConfiguration checks the same way") {
    world.seed_function("G");
    const std::string path = kFunctionsPath + "/G/configuration";
    const Response unknown = world.call("PUT", path, R"({"Runtime":"python9.9"})");
    CHECK(unknown.error_type == "InvalidParameterValueException");
    CHECK_THAT(unknown.message(), Catch::StartsWith("Value python9.9 at 'runtime'"));
    CHECK(world.call("PUT", path, R"({"Runtime":"python3.7"})").message() ==
          "The runtime parameter of python3.7" + kNoLongerSupported);
    const Response ok = world.call("PUT", path, R"({"Runtime":"python3.13"})");
    REQUIRE(ok.status == 200);
    CHECK(std::string(ok.json()["Runtime"].GetString()) == "python3.13");
  }
}

TEST_CASE("Code: the package is unzipped and checked at upload", "[server][control][code]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
  const std::string too_large = "Unzipped size must be smaller than 262144000 bytes";
  const std::string not_a_zip = "Could not unzip uploaded file. Please check your file, then try to upload again.";
  const auto refused = [&](const std::string& zip) {
    const Response r = world.call("POST", kFunctionsPath, body_with_zip("F", zip));
    CHECK(r.status == 400);
    CHECK(r.error_type == "InvalidParameterValueException");
    CHECK(world.call("GET", kFunctionsPath + "/F").status == 404);  // nothing was created
    return r.message();
  };

  SECTION("exactly the limit, over two files, is accepted") {
    CHECK(world.call("POST", kFunctionsPath, body_with_zip("F", zip_of_zeros({131072000, 131072000}))).status == 201);
  }
  SECTION("one byte more is refused, and nothing is created") {
    CHECK(refused(zip_of_zeros({131072000, 131072001})) == too_large);
  }
  SECTION("the size is counted while decompressing: a central directory declaring less does not help") {
    std::string zip = zip_of_zeros({262144001});
    // Rewrite the central directory's uncompressed size (offset 24 of the one entry) to 1.
    const std::size_t central = zip.find(std::string("PK\x01\x02", 4));
    REQUIRE(central != std::string::npos);
    zip.replace(central + 24, 4, std::string("\x01\x00\x00\x00", 4));
    CHECK(refused(zip) != "");
  }
  SECTION("not a zip, or a corrupt one, is Lambda's message") {
    CHECK(refused(std::string("PK\x03\x04", 4) + "abc") == not_a_zip);
    CHECK(refused("just text") == not_a_zip);
    std::string zip = make_zip({{"app.py", std::string(4096, 'x')}});
    zip[zip.size() - 6] = 0x7F;  // the central directory's offset now points past the archive
    CHECK(refused(zip) == not_a_zip);
  }
  SECTION("traversal, absolute paths and links leading out are refused at upload") {
    CHECK_THAT(refused(make_zip({{"../evil.py", "x"}})),
               Catch::Equals("Could not unzip uploaded file: the entry ../evil.py names a path outside the package."));
    CHECK_THAT(refused(make_zip({{"/etc/cron.d/x", "x"}})), Catch::Contains("names a path outside the package"));
    CHECK_THAT(refused(make_zip({{"app.py", "x"}, {"lib/out", "../../etc", S_IFLNK | 0777}})),
               Catch::Equals("Could not unzip uploaded file: the symbolic link lib/out leads outside the package."));
    CHECK_THAT(refused(make_zip({{"up", ".", S_IFLNK | 0777}, {"up/x", "y"}})), Catch::Contains("symbolic link"));
  }
  SECTION("zip bombs: too many entries, or an entry expanding beyond any real compressor") {
    std::vector<executor::testing::ZipItem> many;
    for (int i = 0; i < 65536; ++i) many.push_back({"d/" + std::to_string(i), ""});
    CHECK(refused(make_zip(many)) ==
          "Could not unzip uploaded file: the package has 65536 entries; at most 65535 are accepted.");
    REQUIRE(zip_compression_method_supported(ZIP_CM_BZIP2, 1));
    CHECK(refused(make_zip({{"zeros", std::string(8 << 20, '\0'), S_IFREG | 0644, false, ZIP_CM_BZIP2}})) ==
          "Could not unzip uploaded file: the entry zeros expands more than 1100 times its compressed size (a "
          "decompression bomb).");
  }
  SECTION("a link that stays inside and an executable bootstrap are fine") {
    CHECK(world.call("POST", kFunctionsPath,
                     body_with_zip("F", make_zip({{"lib/real.py", "x"},
                                                  {"lib/alias.py", "real.py", S_IFLNK | 0777},
                                                  {"bootstrap", "#!/bin/sh\n", S_IFREG | 0755}})))
              .status == 201);
  }
  SECTION("UpdateFunctionCode checks the same way") {
    world.seed_function("G");
    const std::string path = kFunctionsPath + "/G/code";
    CHECK(world.call("PUT", path, R"({"ZipFile":")" + base64(zip_of_zeros({262144001})) + "\"}").message() ==
          too_large);
    CHECK(world.call("PUT", path, R"({"ZipFile":")" + base64(make_zip({{"../x", "y"}})) + "\"}").message() ==
          "Could not unzip uploaded file: the entry ../x names a path outside the package.");
    CHECK(world.call("PUT", path, R"({"ZipFile":")" + base64(std::string("PK\x03\x04", 4) + "abc") + "\"}").message() == not_a_zip);
    const std::string small = R"({"ZipFile":")" + base64(zip_of_zeros({1024, 2048})) + "\"}";
    CHECK(world.call("PUT", path, small).status == 200);
  }
}
