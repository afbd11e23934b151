#include "daemon/agent/agent_service_impl.hpp"

#include "core/infrastructure/filestore/bundle_transfer.hpp"
#include "daemon/services/site_convert.hpp"
#include "daemon/guarded.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace ryax::daemon::agent {

namespace {

constexpr std::size_t k_chunk_bytes = 1 << 20;
// How often a link's heartbeats are written down (last seen).
constexpr auto k_seen_interval = std::chrono::seconds(5);

bool
is_bundle_key(const std::string& key)
{
  return !key.empty() && key.size() <= 128
         && std::all_of(key.begin(), key.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '-'
                     || c == '_';
            });
}

} // namespace

AgentServiceImpl::AgentServiceImpl(Gate& gate,
                                   app::SiteRegistry& registry,
                                   AgentHub& hub,
                                   app::BundleStore& bundles,
                                   std::string archive_dir)
  : m_gate(gate)
  , m_registry(registry)
  , m_hub(hub)
  , m_bundles(bundles)
  , m_archive_dir(std::move(archive_dir))
{
}

grpc::Status
AgentServiceImpl::Connect(
  grpc::ServerContext* context,
  grpc::ServerReaderWriter<v1::MainMessage, v1::WorkerMessage>* stream)
{
  return guarded(m_gate, context, "Connect", [&]() -> Result<void> {
    v1::WorkerMessage first;
    if (!stream->Read(&first) || !first.has_hello()) {
      return fail(ErrorCode::invalid_argument,
                  "a worker's first message must be its hello");
    }
    const auto& hello = first.hello();
    domain::Site site;
    site.name = hello.site();
    site.type = hello.site_type().empty() ? "local" : hello.site_type();
    for (const auto& pool : hello.pools()) {
      site.pools.push_back(pool_from_proto(pool));
    }
    const auto peer = context->peer();
    v1::MainMessage welcome;
    if (!hello.join_token().empty()) {
      RYAX_TRY_ASSIGN(auto credential,
                      m_registry.join(hello.join_token(), site, peer));
      welcome.mutable_welcome()->set_credential(std::move(credential));
      app::log::info("site {} joined from {}", site.name, peer);
    } else {
      RYAX_TRY(m_registry.authenticate(site, hello.credential(), peer));
      app::log::info("site {} connected from {}", site.name, peer);
    }
    welcome.mutable_welcome()->set_heartbeat_ms(1000);
    if (!stream->Write(welcome)) {
      return fail(ErrorCode::unavailable, "the worker went away");
    }
    const std::vector<std::string> executions(hello.executions().begin(),
                                              hello.executions().end());
    const auto link = m_hub.attach(
      site,
      [stream](const v1::MainMessage& message) { return stream->Write(message); },
      executions);
    auto written = std::chrono::steady_clock::now();
    v1::WorkerMessage message;
    Result<void> outcome;
    while (stream->Read(&message)) {
      if (!m_hub.touch(site.name, link)) {
        outcome = fail(ErrorCode::unauthenticated,
                       fmt::format("site {} was removed (its credential is "
                                   "revoked), or it connected again from "
                                   "elsewhere",
                                   site.name));
        break;
      }
      if (message.has_heartbeat()) {
        m_hub.replicas(site.name, message.heartbeat().replicas());
      } else if (message.has_log()) {
        m_hub.log(site.name, message.log());
      } else if (message.has_result()) {
        m_hub.result(site.name, message.result());
      }
      if (std::chrono::steady_clock::now() - written > k_seen_interval) {
        m_registry.seen(site.name, peer);
        written = std::chrono::steady_clock::now();
      }
    }
    m_hub.detach(site.name, link);
    m_registry.seen(site.name, peer);
    app::log::info("site {}: link from {} closed", site.name, peer);
    return outcome;
  });
}

grpc::Status
AgentServiceImpl::FetchBundle(grpc::ServerContext* context,
                              const v1::FetchBundleRequest* request,
                              grpc::ServerWriter<v1::BundleChunk>* writer)
{
  return guarded(m_gate, context, "FetchBundle", [&]() -> Result<void> {
    RYAX_TRY(m_registry.check(request->site(), request->credential()));
    const auto& key = request->key();
    if (!is_bundle_key(key) || !m_bundles.contains(key)) {
      return fail(ErrorCode::not_found, fmt::format("no bundle \"{}\"", key));
    }
    RYAX_TRY_ASSIGN(const auto archive,
                    infra::filestore::pack_bundle(m_bundles.path(key),
                                                  m_archive_dir, key));
    if (request->offset() < 0 || request->offset() > archive.size) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("offset {} is beyond the bundle's {} bytes",
                              request->offset(), archive.size));
    }
    std::ifstream in(archive.path, std::ios::binary);
    in.seekg(request->offset());
    v1::BundleChunk chunk;
    chunk.set_total_bytes(archive.size);
    chunk.set_sha256(archive.sha256);
    for (const auto& link : archive.links) {
      auto* out = chunk.add_links();
      out->set_path(link.path);
      out->set_target(link.target);
    }
    std::string buffer(k_chunk_bytes, '\0');
    bool first = true;
    while (in || first) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got == 0 && !first) {
        break;
      }
      chunk.set_data(buffer.data(), got);
      if (!writer->Write(chunk)) {
        return fail(ErrorCode::unavailable, "the worker went away");
      }
      chunk.Clear();
      first = false;
    }
    return {};
  });
}

} // namespace ryax::daemon::agent
