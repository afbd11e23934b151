// A data dir on a full disk: a small tmpfs mounted for the test (root
// only), the real ryaxd, ryax and ryax-wrapper.

#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A tmpfs of `megabytes` mounted on a directory, lazily unmounted at the
// end (the daemon may still hold files in it).
class SmallDisk
{
public:
  SmallDisk() = default;
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk()
  {
    if (!m_path.empty()) {
      ::umount2(m_path.c_str(), MNT_DETACH);
    }
  }

  // Mount it on `path`; the reason when it cannot be.
  std::string mount(const std::string& path, int megabytes)
  {
    const auto options = "size=" + std::to_string(megabytes) + "m";
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      return std::strerror(errno);
    }
    m_path = path;
    return "";
  }

  // Free bytes.
  std::int64_t free_bytes() const
  {
    struct statvfs fs = {};
    ::statvfs(m_path.c_str(), &fs);
    return static_cast<std::int64_t>(fs.f_bavail) * fs.f_frsize;
  }

  // Fill it with `name` until `leave` bytes are free (0: full).
  void fill(const std::string& name, std::int64_t leave)
  {
    std::ofstream out(m_path + "/" + name, std::ios::binary);
    const std::string chunk(4096, 'f');
    while (free_bytes() > leave + static_cast<std::int64_t>(chunk.size())
           && out.write(chunk.data(), chunk.size())) {
      out.flush();
    }
    while (leave == 0 && out.write(chunk.data(), 1)) {
      out.flush();
    }
  }

  void remove(const std::string& name) const { fs::remove(m_path + "/" + name); }

private:
  std::string m_path;
};

} // namespace

TEST_SUITE("integration: a full disk")
{
  TEST_CASE("a full disk: an output that cannot be stored is a storage "
            "error, runs rm still frees space, and runs go on once there "
            "is room")
  {
    if (::geteuid() != 0) {
      MESSAGE("skipped: mounting a small tmpfs for the data dir needs root");
      return;
    }
    SmallDisk disk;
    std::string why;
    RunFixture f({ "blob", "sleeper" }, "", {}, [&](const std::string& home) {
      why = disk.mount(home, 24);
    });
    if (!why.empty()) {
      MESSAGE("skipped: cannot mount a tmpfs: " << why);
      return;
    }
    f.deploy("blob", "    - {name: mb, type: integer}\n",
             "  - {id: b, from: blob, inputs_values: {mb: \"{{ start.mb }}\"}}\n");
    f.deploy("nap", "    - {name: seconds, type: float}\n",
             "  - {id: s, from: sleeper, inputs_values: {seconds: \"{{ "
             "start.seconds }}\"}}\n");
    auto fine = f.daemon.ryax({ "run", "blob", "--input", "mb=1", "--wait" });
    REQUIRE_MESSAGE(fine.exit_code == 0, fine.err);
    const auto kept = f.daemon.ryax({ "runs", "list", "-o", "name" }).out;

    // Room for the user's 4 MiB, not for storing them.
    disk.fill("filler", 6LL << 20);
    auto stored = f.daemon.ryax(
      { "run", "blob", "--input", "mb=4", "--wait", "-o", "json" });
    const auto doc = json::parse(stored.out);
    INFO(doc.dump(1));
    CHECK(doc["state"] == "error");
    CHECK(doc["error"]["kind"] == "storage_error");
    const auto message = doc["error"]["message"].get<std::string>();
    CHECK(message.find("No space left on device") != std::string::npos);
    CHECK(message.find("ryax runs rm") != std::string::npos);

    // A run going on when the disk fills up waits, then ends once there is
    // room again: never "running" for ever.
    const auto going = start_run(f, { "nap", "--input", "seconds=1" });
    disk.fill("filler2", 0);
    auto refused = f.daemon.ryax({ "run", "blob", "--input", "mb=1" });
    CHECK(refused.exit_code != 0);
    CHECK(refused.err.find("the disk is full") != std::string::npos);
    // runs rm works on a full disk, and is how users free space.
    auto removed = f.daemon.ryax({ "runs", "rm", kept.substr(0, kept.find('\n')) });
    CHECK_MESSAGE(removed.exit_code == 0, removed.err);
    disk.remove("filler2");
    disk.remove("filler");
    REQUIRE(eventually([&] { return f.show(going)["state"] == "done"; },
                       std::chrono::seconds(30)));
    auto again = f.daemon.ryax({ "run", "blob", "--input", "mb=4", "--wait" });
    CHECK_MESSAGE(again.exit_code == 0, again.err);
  }
}
