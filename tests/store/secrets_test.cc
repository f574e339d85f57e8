// Secrets at rest: AES-256-GCM under the key file; a store never opens without its key.
#include <sys/stat.h>

#include <fstream>

#include "store/secrets.h"
#include "tests/store/store_test_support.h"

using namespace gatehouse::store;
using namespace gatehouse::store::test;

namespace {

SecretKey key_of(std::uint8_t fill) {
  SecretKey k{};
  k.fill(fill);
  return k;
}

void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
}

}  // namespace

TEST_CASE("secrets: sealed text opens only with the same key and associated data", "[store][secrets]") {
  const SecretBox box(key_of(1));
  const std::string sealed = box.seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAEXAMPLE");
  CHECK(sealed.find("wJalrXUtnFEMI") == std::string::npos);
  CHECK(box.open(sealed, "AKIAEXAMPLE") == std::optional<std::string>("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
  CHECK(box.seal("x", "a") != box.seal("x", "a"));  // a fresh nonce each time
  CHECK_FALSE(SecretBox(key_of(2)).open(sealed, "AKIAEXAMPLE"));
  CHECK_FALSE(box.open(sealed, "AKIAOTHER"));
  std::string tampered = sealed;
  tampered[tampered.size() / 2] ^= 1;
  CHECK_FALSE(box.open(tampered, "AKIAEXAMPLE"));
  CHECK_FALSE(box.open(sealed.substr(0, 20), "AKIAEXAMPLE"));
}

TEST_CASE("secrets: key files are created 0600 and read as hex or raw bytes", "[store][secrets]") {
  TempDir dir;
  const auto path = dir.path() / "k";
  auto created = create_key_file(path);
  REQUIRE(created);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_key_file(path).value() == created.value());
  CHECK_FALSE(create_key_file(path));  // never overwrites a key

  write_file(dir.path() / "raw", std::string(32, '\x07'), 0600);
  CHECK(read_key_file(dir.path() / "raw").value() == key_of(7));

  struct Row {
    const char* what;
    std::string text;
    mode_t mode;
    std::string message;
  };
  const Row rows[] = {
      {"too short", "abcd\n", 0600, "must hold 64 hexadecimal characters"},
      {"not hex", std::string(63, 'a') + "g", 0600, "non-hexadecimal"},
      {"readable by others", std::string(64, 'a'), 0644, "chmod 600"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.what) {
      write_file(dir.path() / "bad", row.text, row.mode);
      auto read = read_key_file(dir.path() / "bad");
      REQUIRE_FALSE(read);
      CHECK_THAT(read.error().message, Catch::Contains(row.message));
    }
  }
  CHECK_THAT(read_key_file(dir.path() / "absent").error().message, Catch::Contains("cannot read"));
}

TEST_CASE("secrets: a store refuses to open without its key or with another key", "[store][secrets]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  const auto key_path = options.data_dir / "secret.key";
  std::string key_text;
  {
    auto store = open_with_accounts(options);
    auto key = store->write([](Mutation& m) { return m.create_access_key(kAccount, ""); });
    REQUIRE(key);
    std::ifstream in(key_path);
    std::getline(in, key_text);
  }
  struct stat st {};
  REQUIRE(::stat(key_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  SECTION("missing key file") {
    std::filesystem::remove(key_path);
    auto store = Store::open(options);
    REQUIRE_FALSE(store);
    CHECK_THAT(store.error().message, Catch::Contains("is missing") && Catch::Contains("cannot be opened without it"));
    CHECK_FALSE(std::filesystem::exists(key_path));  // no new key is made for an existing store
  }
  SECTION("wrong key") {
    std::filesystem::remove(key_path);
    write_file(key_path, std::string(64, 'b') + "\n", 0600);
    auto store = Store::open(options);
    REQUIRE_FALSE(store);
    CHECK_THAT(store.error().message, Catch::Contains("wrong key file") && Catch::Contains("refusing to open"));
  }
  SECTION("the key given by an option") {
    const auto elsewhere = dir.path() / "elsewhere.key";
    std::filesystem::rename(key_path, elsewhere);
    Options with_option = options;
    with_option.key_file = elsewhere;
    auto store = Store::open(with_option);
    REQUIRE(store);
    auto keys = store.value()->read([](const Snapshot& s) { return s.list_access_keys(kAccount, ""); });
    REQUIRE(keys);
    REQUIRE(keys.value().size() == 1);
    auto credential = store.value()->find_credential(keys.value()[0].access_key_id);
    REQUIRE(credential);
    REQUIRE(credential.value());
    CHECK(credential.value()->secret_access_key.size() == 40);
  }
}

TEST_CASE("secrets: secret keys and session tokens are not stored in clear", "[store][secrets][lmdb]") {
  TempDir dir;
  const Options options = test_options(dir.path());
  std::string secret, token;
  {
    auto store = open_with_accounts(options);
    auto ok = store->write([&](Mutation& m) -> Result<void> {
      auto key = m.create_access_key(kAccount, "");
      if (!key) return key.error();
      secret = key.value().secret_access_key;
      auto session = m.get_session_token({kAccount, "", std::nullopt});
      if (!session) return session.error();
      token = session.value().session_token;
      return success();
    });
    REQUIRE(ok);
  }
  std::ifstream in(options.data_dir / "data.mdb", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.size() > 0);
  CHECK(bytes.find(secret) == std::string::npos);
  CHECK(bytes.find(token.substr(0, 40)) == std::string::npos);
}
