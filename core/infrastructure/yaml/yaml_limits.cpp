#include "core/infrastructure/yaml/yaml_limits.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cstdio>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace ryax::infra::yaml {

namespace {

// Thrown out of the event handler to stop the parser at the first limit.
struct LimitHit
{
  YamlLimitProblem problem;
};

// Counts nodes as the tree would hold them with every alias expanded: an
// alias adds the expanded size of its anchor's node, recorded when that
// node ends. Depth is the number of open collections.
class Counter : public YAML::EventHandler
{
public:
  explicit Counter(const YamlLimits& limits)
    : m_limits(limits)
  {
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override
  {
    leaf(mark, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override
  {
    const auto it = m_sizes.find(anchor);
    // An alias of a collection still open (a recursive alias) counts its
    // size so far; yaml-cpp rejects unknown anchors itself.
    add(mark, it == m_sizes.end() ? 1 : it->second);
  }

  void OnScalar(const YAML::Mark& mark,
                const std::string&,
                YAML::anchor_t anchor,
                const std::string&) override
  {
    leaf(mark, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark,
                       const std::string&,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override
  {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark,
                  const std::string&,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override
  {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

private:
  struct Open
  {
    YAML::anchor_t anchor;
    std::size_t count_at_start;
  };

  void add(const YAML::Mark& mark, std::size_t nodes)
  {
    m_count += nodes;
    if (m_count > m_limits.max_nodes) {
      throw LimitHit{ { mark,
                        "more than " + std::to_string(m_limits.max_nodes) +
                          " YAML nodes once its aliases are expanded (the "
                          "limit max_yaml_nodes of ryaxd.yaml)" } };
    }
  }

  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor)
  {
    add(mark, 1);
    if (anchor != YAML::NullAnchor) {
      m_sizes[anchor] = 1;
    }
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor)
  {
    add(mark, 1);
    m_open.push_back({ anchor, m_count - 1 });
    if (m_open.size() > m_limits.max_depth) {
      throw LimitHit{ { mark,
                        "more than " + std::to_string(m_limits.max_depth) +
                          " nested lists and mappings" } };
    }
  }

  void close()
  {
    const auto done = m_open.back();
    m_open.pop_back();
    if (done.anchor != YAML::NullAnchor) {
      m_sizes[done.anchor] = m_count - done.count_at_start;
    }
  }

  const YamlLimits& m_limits;
  std::size_t m_count = 0;
  std::vector<Open> m_open;
  std::unordered_map<YAML::anchor_t, std::size_t> m_sizes;
};

// The 0-based line and column of byte `offset` of `text`, in characters.
YAML::Mark
mark_at(std::string_view text, std::size_t offset)
{
  YAML::Mark mark;
  mark.pos = static_cast<int>(offset);
  mark.line = 0;
  mark.column = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++mark.line;
      mark.column = 0;
    } else if ((c & 0xC0) != 0x80) {
      ++mark.column;
    }
  }
  return mark;
}

} // namespace

std::optional<std::size_t>
first_invalid_utf8(std::string_view text)
{
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char c = bytes[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      low = c == 0xE0 ? 0xA0 : 0x80;  // no overlong form
      high = c == 0xED ? 0x9F : 0xBF; // no surrogate
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      low = c == 0xF0 ? 0x90 : 0x80;  // no overlong form
      high = c == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + length > size) {
      return i;
    }
    if (bytes[i + 1] < low || bytes[i + 1] > high) {
      return i;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) {
        return i;
      }
    }
    i += length;
  }
  return std::nullopt;
}

std::optional<YamlLimitProblem>
check_utf8(std::string_view text)
{
  const auto bad = first_invalid_utf8(text);
  if (!bad) {
    return std::nullopt;
  }
  char byte[8];
  std::snprintf(
    byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[*bad]));
  return YamlLimitProblem{ mark_at(text, *bad),
                           "the file is not UTF-8 text: byte " +
                             std::string(byte) +
                             " cannot start or continue a character (save "
                             "it as UTF-8)" };
}

std::optional<YamlLimitProblem>
check_yaml_limits(std::string_view text, const YamlLimits& limits)
{
  if (text.size() > limits.max_bytes) {
    return YamlLimitProblem{ YAML::Mark::null_mark(),
                             "the file is " + std::to_string(text.size()) +
                               " bytes, more than the limit of " +
                               std::to_string(limits.max_bytes) +
                               " (max_yaml_bytes of ryaxd.yaml)" };
  }
  if (auto problem = check_utf8(text)) {
    return problem;
  }
  std::istringstream stream{ std::string(text) };
  Counter counter(limits);
  try {
    YAML::Parser parser(stream);
    parser.HandleNextDocument(counter);
  } catch (const LimitHit& hit) {
    return hit.problem;
  } catch (const YAML::Exception&) {
    // Not YAML: the caller's load says where.
  }
  return std::nullopt;
}

} // namespace ryax::infra::yaml
