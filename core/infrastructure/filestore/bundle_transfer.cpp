#include "core/infrastructure/filestore/bundle_transfer.hpp"

#include "core/infrastructure/files/write_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

Result<BundleArchive>
read_meta(const std::string& tar, const std::string& meta_path)
{
  std::ifstream in(meta_path);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  std::error_code ec;
  const auto size = fs::file_size(tar, ec);
  if (ec || doc.is_discarded() || !doc.contains("sha256")
      || !doc.contains("links")) {
    return fail(ErrorCode::not_found, "no cached archive");
  }
  BundleArchive archive{ tar, doc.value("sha256", ""),
                         static_cast<std::int64_t>(size), {} };
  for (const auto& link : doc.at("links")) {
    archive.links.push_back(OutsideLink{ link.value("path", ""),
                                         link.value("target", "") });
  }
  return archive;
}

} // namespace

Result<std::string>
sha256_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::internal,
                fmt::format("cannot read \"{}\": {}", path, std::strerror(errno)));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                               &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    return fail(ErrorCode::internal, fmt::format("cannot read \"{}\"", path));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

Result<BundleArchive>
pack_bundle(const std::string& bundle_dir,
            const std::string& cache_dir,
            const std::string& key)
{
  const auto tar = cache_dir + "/" + key + ".tar";
  const auto meta = cache_dir + "/" + key + ".json";
  if (auto cached = read_meta(tar, meta)) {
    return cached;
  }
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  const auto temp = tar + ".tmp";
  std::vector<OutsideLink> links;
  RYAX_TRY(create_archive(bundle_dir, temp, &links));
  RYAX_TRY_ASSIGN(const auto digest, sha256_file(temp));
  auto doc = nlohmann::json{ { "sha256", digest },
                             { "links", nlohmann::json::array() } };
  for (const auto& link : links) {
    doc["links"].push_back({ { "path", link.path }, { "target", link.target } });
  }
  fs::rename(temp, tar, ec);
  if (ec) {
    return fail(ErrorCode::internal,
                fmt::format("cannot store \"{}\": {}", tar, ec.message()));
  }
  RYAX_TRY(files::write_file_atomically(meta, doc.dump(), 0644));
  return read_meta(tar, meta);
}

Result<void>
unpack_bundle(const std::string& archive,
              const std::vector<OutsideLink>& links,
              const std::string& dest_dir)
{
  RYAX_TRY(extract_archive(archive, dest_dir));
  for (const auto& link : links) {
    const auto rel = fs::path(link.path).lexically_normal();
    if (rel.empty() || rel.is_absolute() || *rel.begin() == "..") {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("bundle link \"{}\" escapes the bundle", link.path));
    }
    if (fs::path(link.target).is_absolute() && !fs::exists(link.target)) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("the bundle needs \"{}\" (link \"{}\"), which "
                              "this machine does not have: install the same "
                              "interpreter as the main daemon's",
                              link.target, link.path));
    }
    const auto where = fs::path(dest_dir) / rel;
    std::error_code ec;
    fs::create_directories(where.parent_path(), ec);
    fs::create_symlink(link.target, where, ec);
    if (ec) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot link \"{}\": {}", link.path, ec.message()));
    }
  }
  return {};
}

} // namespace ryax::infra::filestore
