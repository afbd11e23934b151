#pragma once

#include "core/domain/error.hpp"

#include <string>
#include <vector>

namespace ryax::infra::crypto {

// What a TLS server needs, in PEM.
struct TlsMaterial
{
  std::string ca_pem;    // the CA clients pin
  std::string chain_pem; // the server certificate, then the CA
  std::string key_pem;   // the server's private key
};

// The name every certificate ryaxd makes is valid for, whatever address
// clients reach it by; clients that pinned its CA check this name.
inline constexpr const char* k_server_name = "ryaxd";

// The self-signed CA and server certificate in `dir` (ca.pem, ca.key,
// server.pem, server.key), made on first use: EC P-256 keys (files 0600),
// a CA valid 10 years and a server certificate valid 2 years for
// k_server_name, localhost, 127.0.0.1, ::1 and `hosts`. invalid_argument
// when a file is there but unreadable or not PEM.
Result<TlsMaterial> self_signed_material(const std::string& dir,
                                         const std::vector<std::string>& hosts);

// The material from a certificate chain and a key file given by the user
// (the CA is the last certificate of the chain). invalid_argument naming
// the file.
Result<TlsMaterial> material_from_files(const std::string& cert_file,
                                        const std::string& key_file);

// Whether the first certificate of `pem` is a CA made by ryaxd (subject
// "ryaxd CA"), which signs certificates for k_server_name.
bool is_ryaxd_ca(const std::string& pem);

// The SHA-256 fingerprint of the first certificate in `pem`, as
// "AB:CD:...". invalid_argument when `pem` holds none.
Result<std::string> fingerprint(const std::string& pem);

// The last certificate (the CA, for ryaxd) a TLS server at `host`:`port`
// presents, in PEM, without verifying anything: to show its fingerprint
// before trusting it. unavailable when the server cannot be reached or
// speaks no TLS.
Result<std::string> fetch_server_ca(const std::string& host,
                                    const std::string& port);

} // namespace ryax::infra::crypto
