// libFuzzer target: the frames of the daemon <-> wrapper socket and of the
// wrapper <-> runtime pipe. The input is a byte stream cut by FrameDecoder
// (fed in slices whose size the first byte picks); each payload is read as
// the wrapper reads a WrapperRequest, as the daemon reads a WrapperEvent
// (its outputs typed by runtime_outcome, as WrapperPool does), and as the
// wrapper reads a runtime's JSON frame.

#include "core/infrastructure/wrapper/frame_codec.hpp"
#include "core/infrastructure/wrapper/wire_values.hpp"
#include "core/infrastructure/wrapper/wrapper_protocol.hpp"

#include "ryax/v1/wrapper.pb.h"
#include <google/protobuf/stubs/logging.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace domain = ryax::domain;
namespace wrapper = ryax::infra::wrapper;
using nlohmann::json;

const std::vector<domain::IoSpec>&
outputs()
{
  static const std::vector<domain::IoSpec> specs = [] {
    std::vector<domain::IoSpec> all;
    const std::pair<const char*, domain::IoType> k_outputs[] = {
      { "s", domain::IoType::string },   { "i", domain::IoType::integer },
      { "f", domain::IoType::float_ },   { "b", domain::IoType::boolean },
      { "e", domain::IoType::enum_ },    { "p", domain::IoType::password },
      { "file", domain::IoType::file }, { "dir", domain::IoType::directory },
    };
    for (const auto& [name, type] : k_outputs) {
      domain::IoSpec spec;
      spec.name = name;
      spec.type = type;
      spec.enum_values = { "a", "b" };
      all.push_back(spec);
    }
    return all;
  }();
  return specs;
}

void
payload(std::string_view bytes)
{
  ryax::v1::WrapperRequest request;
  if (request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    if (request.has_execute()) {
      (void)json::parse(request.execute().inputs_json(), nullptr, false);
    }
  }
  ryax::v1::WrapperEvent event;
  if (event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    if (event.has_failure()) {
      (void)wrapper::error_from_failure(event.failure(), "execution \"x\"");
    }
    if (event.has_execute() && event.execute().has_outputs()) {
      const auto& out = event.execute().outputs();
      (void)wrapper::runtime_outcome(json::parse(out.outputs_json(), nullptr, false),
                                     out.fan_out(), outputs());
    }
  }
  // A runtime's frame: {"outputs": [...], "fan_out": bool, ...}.
  const auto frame = json::parse(bytes, nullptr, false);
  if (frame.is_object() && frame.contains("outputs")) {
    const auto flag = frame.find("fan_out");
    const bool fan_out = flag != frame.end() && flag->is_boolean() && flag->get<bool>();
    (void)wrapper::runtime_outcome(frame.at("outputs"), fan_out, outputs());
  }
}

} // namespace

extern "C" int
LLVMFuzzerInitialize(int*, char***)
{
  // A string field that is not UTF-8 fails the parse, as it should; the
  // line protobuf logs for it is noise here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  if (size == 0) {
    return 0;
  }
  const std::size_t slice = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  wrapper::FrameDecoder decoder;
  while (!stream.empty()) {
    const auto n = std::min(slice, stream.size());
    decoder.feed(stream.data(), n);
    stream.remove_prefix(n);
    while (true) {
      auto next = decoder.next_view();
      if (!next) {
        return 0; // too long a frame: the connection ends
      }
      if (!*next) {
        break;
      }
      payload(**next);
    }
  }
  return 0;
}
