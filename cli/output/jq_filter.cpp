#include "cli/output/jq_filter.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <jq.h>

namespace ryax::cli::output {

namespace {

// The functions of libjq ryax calls.
struct Jq
{
  decltype(&::jq_init) init = nullptr;
  decltype(&::jq_set_error_cb) set_error_cb = nullptr;
  decltype(&::jq_compile) compile = nullptr;
  decltype(&::jq_start) start = nullptr;
  decltype(&::jq_next) next = nullptr;
  decltype(&::jq_teardown) teardown = nullptr;
  decltype(&::jv_parse) parse = nullptr;
  decltype(&::jv_dump_string) dump_string = nullptr;
  decltype(&::jv_string_value) string_value = nullptr;
  decltype(&::jv_get_kind) get_kind = nullptr;
  decltype(&::jv_copy) copy = nullptr;
  decltype(&::jv_free) free = nullptr;
  decltype(&::jv_invalid_has_msg) invalid_has_msg = nullptr;
  decltype(&::jv_invalid_get_msg) invalid_get_msg = nullptr;
  std::string missing; // why it could not be loaded
};

template<typename F>
void
bind(void* handle, const char* name, F& function, std::string& missing)
{
  function = reinterpret_cast<F>(::dlsym(handle, name));
  if (function == nullptr && missing.empty()) {
    missing = fmt::format("libjq has no {}", name);
  }
}

const Jq&
library()
{
  static const Jq jq = [] {
    Jq loaded;
    void* handle = ::dlopen("libjq.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      loaded.missing = "-o jq= needs libjq (apt install libjq1)";
      return loaded;
    }
    auto& m = loaded.missing;
    bind(handle, "jq_init", loaded.init, m);
    bind(handle, "jq_set_error_cb", loaded.set_error_cb, m);
    bind(handle, "jq_compile", loaded.compile, m);
    bind(handle, "jq_start", loaded.start, m);
    bind(handle, "jq_next", loaded.next, m);
    bind(handle, "jq_teardown", loaded.teardown, m);
    bind(handle, "jv_parse", loaded.parse, m);
    bind(handle, "jv_dump_string", loaded.dump_string, m);
    bind(handle, "jv_string_value", loaded.string_value, m);
    bind(handle, "jv_get_kind", loaded.get_kind, m);
    bind(handle, "jv_copy", loaded.copy, m);
    bind(handle, "jv_free", loaded.free, m);
    bind(handle, "jv_invalid_has_msg", loaded.invalid_has_msg, m);
    bind(handle, "jv_invalid_get_msg", loaded.invalid_get_msg, m);
    return loaded;
  }();
  return jq;
}

// `value` as text, consumed: a string as it is, else compact JSON.
std::string
text_of(const Jq& jq, jv value)
{
  if (jq.get_kind(value) == JV_KIND_STRING) {
    std::string text = jq.string_value(value);
    jq.free(value);
    return text;
  }
  const jv dumped = jq.dump_string(value, 0);
  std::string text = jq.string_value(dumped);
  jq.free(dumped);
  return text;
}

// A compiled expression, torn down at the end of scope; jq's messages are
// kept (its first line) rather than printed.
class Program
{
public:
  Program(const Jq& jq, const std::string& expression) : m_jq(jq)
  {
    m_state = jq.init();
    if (m_state == nullptr) {
      m_error = "jq could not start";
      return;
    }
    jq.set_error_cb(m_state, &Program::on_error, this);
    if (jq.compile(m_state, expression.c_str()) == 0 && m_error.empty()) {
      m_error = "jq: error: the expression does not compile";
    }
  }

  ~Program()
  {
    if (m_state != nullptr) {
      m_jq.teardown(&m_state);
    }
  }

  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  const std::string& error() const { return m_error; }
  jq_state* state() { return m_state; }

private:
  static void
  on_error(void* self, jv message)
  {
    auto* program = static_cast<Program*>(self);
    auto text = text_of(program->m_jq, message);
    if (program->m_error.empty()) {
      program->m_error = text.substr(0, text.find('\n'));
    }
  }

  const Jq& m_jq;
  jq_state* m_state = nullptr;
  std::string m_error;
};

} // namespace

std::string
check_jq(const std::string& expression)
{
  const auto& jq = library();
  if (!jq.missing.empty()) {
    return jq.missing;
  }
  const Program program(jq, expression);
  return program.error();
}

Result<std::vector<std::string>>
run_jq(const std::string& expression, const nlohmann::json& doc)
{
  const auto& jq = library();
  if (!jq.missing.empty()) {
    return fail(ErrorCode::failed_precondition, jq.missing);
  }
  Program program(jq, expression);
  if (!program.error().empty()) {
    return fail(ErrorCode::invalid_argument, program.error());
  }
  jq.start(program.state(), jq.parse(doc.dump().c_str()), 0);
  std::vector<std::string> lines;
  for (;;) {
    const jv result = jq.next(program.state());
    if (jq.get_kind(result) != JV_KIND_INVALID) {
      lines.push_back(text_of(jq, result));
      continue;
    }
    if (jq.invalid_has_msg(jq.copy(result)) != 0) {
      return fail(ErrorCode::invalid_argument,
                  "jq: error: " + text_of(jq, jq.invalid_get_msg(result)));
    }
    jq.free(result);
    return lines;
  }
}

} // namespace ryax::cli::output
