// CreateFunction / UpdateFunctionConfiguration: the Runtime enum and deprecated runtimes, and
// the unzipped code size limit (spec/lambda-api.md 9 steps 1, 4 and 6).
#include <cstdint>
#include <vector>

#include "tests/server/control_test_world.h"

using namespace gatehouse;
using namespace gatehouse::control_test;

namespace {

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

void le(std::string& out, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// A zip archive of empty stored entries whose central directory declares `sizes` as their
// uncompressed sizes; a size of 2^32 or more goes into a ZIP64 extra field.
std::string zip_declaring(const std::vector<std::uint64_t>& sizes) {
  std::string local, central;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string name = "f" + std::to_string(i);
    const std::uint64_t offset = local.size();
    local += "PK\x03\x04";
    le(local, 20, 2); le(local, 0, 2); le(local, 0, 2); le(local, 0, 4); le(local, 0, 4);
    le(local, 0, 4); le(local, 0, 4); le(local, name.size(), 2); le(local, 0, 2);
    local += name;
    const bool big = sizes[i] >= 0xFFFFFFFFull;
    central += "PK\x01\x02";
    le(central, 45, 2); le(central, 45, 2); le(central, 0, 2); le(central, 0, 2); le(central, 0, 4);
    le(central, 0, 4); le(central, 0, 4);
    le(central, big ? 0xFFFFFFFFull : sizes[i], 4);
    le(central, name.size(), 2); le(central, big ? 12 : 0, 2); le(central, 0, 2);
    le(central, 0, 2); le(central, 0, 2); le(central, 0, 4); le(central, offset, 4);
    central += name;
    if (big) {
      le(central, 1, 2); le(central, 8, 2); le(central, sizes[i], 8);
    }
  }
  std::string end = "PK\x05\x06";
  le(end, 0, 2); le(end, 0, 2); le(end, sizes.size(), 2); le(end, sizes.size(), 2);
  le(end, central.size(), 4); le(end, local.size(), 4); le(end, 0, 2);
  return local + central + end;
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

TEST_CASE("Code: the unzipped size the archive declares is at most 262144000 bytes", "[server][control][code]") {
  World world;
  world.alice_policy(allow("lambda:*", "*") + "," + allow("iam:PassRole", "*"));
  const std::string too_large = "Unzipped size must be smaller than 262144000 bytes";

  SECTION("exactly the limit, over two files, is accepted") {
    CHECK(world.call("POST", kFunctionsPath, body_with_zip("F", zip_declaring({131072000, 131072000}))).status == 201);
  }
  SECTION("one byte more is refused, and nothing is created") {
    const Response r = world.call("POST", kFunctionsPath, body_with_zip("F", zip_declaring({131072000, 131072001})));
    CHECK(r.status == 400);
    CHECK(r.error_type == "InvalidParameterValueException");
    CHECK(r.message() == too_large);
    CHECK(world.call("GET", kFunctionsPath + "/F").status == 404);
  }
  SECTION("a ZIP64 size is read from its extra field") {
    CHECK(world.call("POST", kFunctionsPath, body_with_zip("F", zip_declaring({1, 0x100000000ull}))).message() ==
          too_large);
  }
  SECTION("UpdateFunctionCode too") {
    world.seed_function("G");
    const std::string path = kFunctionsPath + "/G/code";
    const std::string big = R"({"ZipFile":")" + base64(zip_declaring({262144001})) + "\"}";
    CHECK(world.call("PUT", path, big).message() == too_large);
    const std::string small = R"({"ZipFile":")" + base64(zip_declaring({1024, 2048})) + "\"}";
    CHECK(world.call("PUT", path, small).status == 200);
  }
  SECTION("a central directory that does not add up is no zip") {
    std::string zip = zip_declaring({10});
    zip[zip.size() - 6] = 0x7F;  // the central directory's offset now points past the archive
    CHECK(world.call("POST", kFunctionsPath, body_with_zip("F", zip)).message() ==
          "Could not unzip uploaded file. Please check your file, then try to upload again.");
  }
}
