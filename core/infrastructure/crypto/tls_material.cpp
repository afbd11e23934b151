#include "core/infrastructure/crypto/tls_material.hpp"

#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/files/write_file.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>

namespace ryax::infra::crypto {

namespace {

template<typename T, void (*Free)(T*)>
struct Deleter
{
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::string
openssl_error()
{
  const auto code = ERR_get_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  ERR_clear_error();
  return buffer;
}

std::unexpected<Error>
tls_error(const std::string& what)
{
  return fail(ErrorCode::internal, what + ": " + openssl_error());
}

std::string
to_pem(const X509* cert)
{
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), const_cast<X509*>(cert));
  char* data = nullptr;
  const auto size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string
key_pem(const EVP_PKEY* key)
{
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), const_cast<EVP_PKEY*>(key), nullptr,
                           nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const auto size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Cert
read_cert(const std::string& pem)
{
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// Every certificate of `pem`, in order.
std::vector<Cert>
read_chain(const std::string& pem)
{
  std::vector<Cert> chain;
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    chain.emplace_back(cert);
  }
  ERR_clear_error(); // the end of the data
  return chain;
}

Result<void>
add_extension(X509* cert, X509* issuer, int nid, const std::string& value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) {
    return tls_error("certificate extension " + value);
  }
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

// A certificate for `name` with `key`, signed by `issuer_key` (and
// `issuer`, or itself when null), valid `days`.
Result<Cert>
make_cert(const std::string& name, EVP_PKEY* key, X509* issuer,
          EVP_PKEY* issuer_key, int days, bool ca, const std::string& san)
{
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) {
    return tls_error("random serial");
  }
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("ryax"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(
    subject, "CN", MBSTRING_ASC,
    reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (ca) {
    RYAX_TRY(add_extension(cert.get(), signer, NID_basic_constraints,
                           "critical,CA:TRUE,pathlen:0"));
    RYAX_TRY(add_extension(cert.get(), signer, NID_key_usage,
                           "critical,keyCertSign,cRLSign"));
  } else {
    RYAX_TRY(add_extension(cert.get(), signer, NID_basic_constraints,
                           "critical,CA:FALSE"));
    RYAX_TRY(add_extension(cert.get(), signer, NID_ext_key_usage,
                           "serverAuth"));
    RYAX_TRY(
      add_extension(cert.get(), signer, NID_subject_alt_name, san));
  }
  RYAX_TRY(add_extension(cert.get(), signer, NID_subject_key_identifier,
                         "hash"));
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) {
    return tls_error("signing a certificate");
  }
  return cert;
}

bool
is_ip(const std::string& host)
{
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1
         || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

Result<std::string>
read_pem(const std::filesystem::path& path)
{
  auto text = files::read_file(path.string(), std::uint64_t{ 1 } << 20);
  if (!text) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("TLS file \"{}\": {}", path.string(),
                            text.error().message));
  }
  if (text->find("-----BEGIN ") == std::string::npos) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("TLS file \"{}\" holds no PEM data",
                            path.string()));
  }
  return *text;
}

} // namespace

Result<TlsMaterial>
self_signed_material(const std::string& dir,
                     const std::vector<std::string>& hosts)
{
  const std::filesystem::path d(dir);
  const auto ca_file = d / "ca.pem";
  const auto chain_file = d / "server.pem";
  const auto key_file = d / "server.key";
  if (std::filesystem::exists(ca_file) && std::filesystem::exists(chain_file)
      && std::filesystem::exists(key_file)) {
    TlsMaterial material;
    RYAX_TRY_ASSIGN(material.ca_pem, read_pem(ca_file));
    RYAX_TRY_ASSIGN(material.chain_pem, read_pem(chain_file));
    RYAX_TRY_ASSIGN(material.key_pem, read_pem(key_file));
    return material;
  }
  std::error_code ec;
  std::filesystem::create_directories(d, ec);
  ::chmod(dir.c_str(), 0700);
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) {
    return tls_error("making a key");
  }
  std::string san = fmt::format("DNS:{},DNS:localhost,IP:127.0.0.1,IP:::1",
                                k_server_name);
  for (const auto& host : hosts) {
    if (!host.empty() && host != "0.0.0.0" && host != "::"
        && host != "localhost" && host != "127.0.0.1" && host != "::1") {
      san += fmt::format(",{}:{}", is_ip(host) ? "IP" : "DNS", host);
    }
  }
  RYAX_TRY_ASSIGN(auto ca, make_cert("ryaxd CA", ca_key.get(), nullptr,
                                     ca_key.get(), 3650, true, ""));
  RYAX_TRY_ASSIGN(auto server,
                  make_cert(k_server_name, server_key.get(), ca.get(),
                            ca_key.get(), 730, false, san));
  TlsMaterial material{ to_pem(ca.get()),
                        to_pem(server.get()) + to_pem(ca.get()),
                        key_pem(server_key.get()) };
  using files::write_file_atomically;
  RYAX_TRY(write_file_atomically(d / "ca.key", key_pem(ca_key.get()), 0600));
  RYAX_TRY(write_file_atomically(key_file, material.key_pem, 0600));
  RYAX_TRY(write_file_atomically(chain_file, material.chain_pem, 0644));
  RYAX_TRY(write_file_atomically(ca_file, material.ca_pem, 0644));
  return material;
}

Result<TlsMaterial>
material_from_files(const std::string& cert_file, const std::string& key_file)
{
  TlsMaterial material;
  RYAX_TRY_ASSIGN(material.chain_pem, read_pem(cert_file));
  RYAX_TRY_ASSIGN(material.key_pem, read_pem(key_file));
  auto chain = read_chain(material.chain_pem);
  if (chain.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("TLS file \"{}\" holds no certificate", cert_file));
  }
  material.ca_pem = to_pem(chain.back().get());
  return material;
}

bool
is_ryaxd_ca(const std::string& pem)
{
  const auto cert = read_cert(pem);
  if (!cert) {
    ERR_clear_error();
    return false;
  }
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName,
                            name, sizeof(name));
  return std::string_view(name) == "ryaxd CA";
}

Result<std::string>
fingerprint(const std::string& pem)
{
  const auto cert = read_cert(pem);
  if (!cert) {
    ERR_clear_error();
    return fail(ErrorCode::invalid_argument, "no PEM certificate");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  X509_digest(cert.get(), EVP_sha256(), digest, &size);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += fmt::format("{}{:02X}", i == 0 ? "" : ":", digest[i]);
  }
  return out;
}

Result<std::string>
fetch_server_ca(const std::string& host, const std::string& port)
{
  std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>> ctx(
    SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return tls_error("TLS context");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  static const unsigned char k_alpn[] = { 2, 'h', '2' };
  SSL_CTX_set_alpn_protos(ctx.get(), k_alpn, sizeof(k_alpn));
  const auto target = host.find(':') != std::string::npos
                        ? "[" + host + "]:" + port
                        : host + ":" + port;
  Bio bio(BIO_new_ssl_connect(ctx.get()));
  BIO_set_conn_hostname(bio.get(), target.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  SSL_set_tlsext_host_name(ssl, k_server_name);
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) {
    return fail(ErrorCode::unavailable,
                fmt::format("no TLS server at {}: {}", target,
                            openssl_error()));
  }
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    return fail(ErrorCode::unavailable,
                fmt::format("the TLS server at {} shows no certificate",
                            target));
  }
  return to_pem(sk_X509_value(chain, sk_X509_num(chain) - 1));
}

} // namespace ryax::infra::crypto
