#include "core/infrastructure/crypto/tls_material.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>

using namespace ryax::infra::crypto;

TEST_SUITE_BEGIN("infra::crypto::tls");

TEST_CASE("a self-signed CA and server certificate are made once, kept, and "
          "their keys are private")
{
  ryax::test::TempDir tmp;
  const auto dir = tmp / "tls";
  const auto made = self_signed_material(dir, { "10.1.2.3", "example.org" });
  REQUIRE(made);
  CHECK(made->chain_pem.ends_with(made->ca_pem));
  CHECK(made->key_pem.find("PRIVATE KEY") != std::string::npos);
  CHECK(is_ryaxd_ca(made->ca_pem));
  for (const char* key : { "/ca.key", "/server.key" }) {
    struct stat st{};
    REQUIRE(::stat((dir + key).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  const auto again = self_signed_material(dir, {});
  REQUIRE(again);
  CHECK(again->ca_pem == made->ca_pem);
  CHECK(again->key_pem == made->key_pem);

  const auto print = fingerprint(made->ca_pem);
  REQUIRE(print);
  CHECK(print->size() == 95);
  CHECK((*print)[2] == ':');
  // Another directory, another CA.
  const auto other = self_signed_material(tmp / "other", {});
  REQUIRE(other);
  CHECK(*fingerprint(other->ca_pem) != *print);
}

TEST_CASE("given files: the CA is the chain's last certificate, bad files "
          "are named")
{
  ryax::test::TempDir tmp;
  const auto made = self_signed_material(tmp / "tls", {});
  REQUIRE(made);
  const auto from = material_from_files(tmp / "tls/server.pem",
                                        tmp / "tls/server.key");
  REQUIRE(from);
  CHECK(from->ca_pem == made->ca_pem);
  std::ofstream(tmp / "junk.pem") << "not a certificate\n";
  const auto junk = material_from_files(tmp / "junk.pem", tmp / "tls/server.key");
  REQUIRE_FALSE(junk);
  CHECK(junk.error().message.find("junk.pem") != std::string::npos);
  CHECK_FALSE(material_from_files(tmp / "none.pem", tmp / "tls/server.key"));
  CHECK_FALSE(fingerprint("nothing"));
  CHECK_FALSE(is_ryaxd_ca("nothing"));
  CHECK_FALSE(is_ryaxd_ca(made->chain_pem)); // the server certificate first
}

TEST_CASE("fetching a certificate from nowhere says so")
{
  const auto none = fetch_server_ca("127.0.0.1", "1");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == ryax::ErrorCode::unavailable);
}

TEST_SUITE_END();
