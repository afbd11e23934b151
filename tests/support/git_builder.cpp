#include "tests/support/git_builder.hpp"

#include "core/infrastructure/free_with.hpp"

#include <git2.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace ryax::test {

namespace {

using infra::FreeWith;


using Object = std::unique_ptr<git_object, FreeWith<git_object_free>>;
using Reference = std::unique_ptr<git_reference, FreeWith<git_reference_free>>;
using Commit = std::unique_ptr<git_commit, FreeWith<git_commit_free>>;
using Tree = std::unique_ptr<git_tree, FreeWith<git_tree_free>>;
using TreeBuilder =
  std::unique_ptr<git_treebuilder, FreeWith<git_treebuilder_free>>;
using Signature = std::unique_ptr<git_signature, FreeWith<git_signature_free>>;

// Throw with libgit2's last message when `code` is an error.
void
check(int code, const std::string& what)
{
  if (code < 0) {
    const git_error* error = git_error_last();
    throw std::runtime_error("GitBuilder: " + what + ": " +
                             (error != nullptr && error->message != nullptr
                                ? error->message
                                : "unknown error"));
  }
}

std::string
hex(const git_oid& oid)
{
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof buffer, &oid);
  return buffer;
}

git_oid
parse(const std::string& id)
{
  git_oid oid;
  check(git_oid_fromstr(&oid, id.c_str()), "parsing id \"" + id + "\"");
  return oid;
}

// The staged files, regrouped per directory for git_treebuilder.
struct Node
{
  std::map<std::string, Node> directories;
  std::vector<std::pair<std::string, const git_oid*>> files;
  std::vector<git_filemode_t> modes;
};

git_oid
write_node(git_repository* repo, const Node& node)
{
  git_treebuilder* raw = nullptr;
  check(git_treebuilder_new(&raw, repo, nullptr), "creating a tree");
  const TreeBuilder builder(raw);
  for (std::size_t i = 0; i < node.files.size(); ++i) {
    check(git_treebuilder_insert(nullptr,
                                 builder.get(),
                                 node.files[i].first.c_str(),
                                 node.files[i].second,
                                 node.modes[i]),
          "adding \"" + node.files[i].first + "\"");
  }
  for (const auto& [name, child] : node.directories) {
    const git_oid id = write_node(repo, child);
    check(git_treebuilder_insert(
            nullptr, builder.get(), name.c_str(), &id, GIT_FILEMODE_TREE),
          "adding directory \"" + name + "\"");
  }
  git_oid id;
  check(git_treebuilder_write(&id, builder.get()), "writing a tree");
  return id;
}

} // namespace

GitBuilder::GitBuilder(const std::filesystem::path& path,
                       const std::string& initial_branch)
  : m_path(path)
{
  git_libgit2_init();
  if (git_repository_open_bare(&m_repo, path.c_str()) != 0) {
    git_repository_init_options options = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    options.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
    options.initial_head = initial_branch.c_str();
    check(git_repository_init_ext(&m_repo, path.c_str(), &options),
          "creating \"" + path.string() + "\"");
  }
  git_reference* raw = nullptr;
  check(git_reference_lookup(&raw, m_repo, "HEAD"), "reading HEAD");
  const Reference head(raw);
  const char* target = git_reference_symbolic_target(head.get());
  if (target == nullptr) {
    throw std::runtime_error("GitBuilder: HEAD of \"" + path.string() +
                             "\" is detached");
  }
  m_branch = std::string(target).substr(std::string("refs/heads/").size());
  load_files(this->head());
}

GitBuilder::~GitBuilder()
{
  git_repository_free(m_repo);
  git_libgit2_shutdown();
}

std::string
GitBuilder::url() const
{
  return "file://" + m_path.string();
}

void
GitBuilder::write(const std::string& path,
                  const std::string& content,
                  bool is_executable)
{
  git_oid id;
  check(
    git_blob_create_from_buffer(&id, m_repo, content.data(), content.size()),
    "writing \"" + path + "\"");
  m_files[path] =
    File{ hex(id),
          is_executable ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB };
}

void
GitBuilder::write_symlink(const std::string& path, const std::string& target)
{
  git_oid id;
  check(git_blob_create_from_buffer(&id, m_repo, target.data(), target.size()),
        "writing symlink \"" + path + "\"");
  m_files[path] = File{ hex(id), GIT_FILEMODE_LINK };
}

void
GitBuilder::remove(const std::string& path)
{
  const std::size_t before = m_files.size();
  m_files.erase(path);
  const std::string prefix = path + "/";
  for (auto it = m_files.lower_bound(prefix);
       it != m_files.end() && it->first.starts_with(prefix);) {
    it = m_files.erase(it);
  }
  if (m_files.size() == before) {
    throw std::runtime_error("GitBuilder: nothing staged at \"" + path + "\"");
  }
}

std::string
GitBuilder::write_tree()
{
  Node root;
  std::vector<git_oid> ids;
  ids.reserve(m_files.size());
  for (const auto& [path, file] : m_files) {
    ids.push_back(parse(file.blob_id));
    Node* node = &root;
    std::size_t start = 0;
    for (auto slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', start)) {
      node = &node->directories[path.substr(start, slash - start)];
      start = slash + 1;
    }
    node->files.emplace_back(path.substr(start), &ids.back());
    node->modes.push_back(static_cast<git_filemode_t>(file.mode));
  }
  return hex(write_node(m_repo, root));
}

std::string
GitBuilder::commit(const std::string& message)
{
  const git_oid tree_id = parse(write_tree());
  git_tree* raw_tree = nullptr;
  check(git_tree_lookup(&raw_tree, m_repo, &tree_id), "reading the tree");
  const Tree tree(raw_tree);

  git_signature* raw_signature = nullptr;
  check(git_signature_new(
          &raw_signature, "Ryax Test", "test@ryax.invalid", m_clock++, 0),
        "creating a signature");
  const Signature signature(raw_signature);

  Commit parent;
  const std::string tip = head();
  if (!tip.empty()) {
    const git_oid parent_id = parse(tip);
    git_commit* raw_parent = nullptr;
    check(git_commit_lookup(&raw_parent, m_repo, &parent_id),
          "reading the parent commit");
    parent.reset(raw_parent);
  }
  const git_commit* parents[] = { parent.get() };
  git_oid id;
  const std::string ref = "refs/heads/" + m_branch;
  check(git_commit_create(&id,
                          m_repo,
                          ref.c_str(),
                          signature.get(),
                          signature.get(),
                          nullptr,
                          message.c_str(),
                          tree.get(),
                          parent ? 1 : 0,
                          parents),
        "committing on \"" + m_branch + "\"");
  return hex(id);
}

std::string
GitBuilder::head() const
{
  git_oid id;
  const std::string ref = "refs/heads/" + m_branch;
  if (git_reference_name_to_id(&id, m_repo, ref.c_str()) != 0) {
    return "";
  }
  return hex(id);
}

void
GitBuilder::branch(const std::string& name, const std::string& commit_id)
{
  const std::string target = commit_id.empty() ? head() : commit_id;
  if (target.empty()) {
    throw std::runtime_error("GitBuilder: branch \"" + name +
                             "\" needs a commit");
  }
  const git_oid id = parse(target);
  git_reference* raw = nullptr;
  const std::string ref = "refs/heads/" + name;
  check(git_reference_create(&raw, m_repo, ref.c_str(), &id, 1, "branch"),
        "creating branch \"" + name + "\"");
  git_reference_free(raw);
  if (name == m_branch) {
    load_files(target);
  }
}

void
GitBuilder::checkout_branch(const std::string& name)
{
  git_oid id;
  const std::string ref = "refs/heads/" + name;
  if (git_reference_name_to_id(&id, m_repo, ref.c_str()) != 0 &&
      !head().empty()) {
    branch(name);
  }
  check(git_repository_set_head(m_repo, ref.c_str()),
        "checking out \"" + name + "\"");
  m_branch = name;
  load_files(head());
}

void
GitBuilder::delete_branch(const std::string& name)
{
  if (name == m_branch) {
    throw std::runtime_error("GitBuilder: cannot delete the current branch");
  }
  const std::string ref = "refs/heads/" + name;
  git_reference* raw = nullptr;
  check(git_reference_lookup(&raw, m_repo, ref.c_str()),
        "finding branch \"" + name + "\"");
  const Reference reference(raw);
  check(git_reference_delete(reference.get()),
        "deleting branch \"" + name + "\"");
}

void
GitBuilder::tag(const std::string& name)
{
  const git_oid id = parse(head());
  git_object* raw = nullptr;
  check(git_object_lookup(&raw, m_repo, &id, GIT_OBJECT_COMMIT),
        "reading the tip");
  const Object target(raw);
  git_oid tag_id;
  check(
    git_tag_create_lightweight(&tag_id, m_repo, name.c_str(), target.get(), 1),
    "creating tag \"" + name + "\"");
}

void
GitBuilder::annotated_tag(const std::string& name, const std::string& message)
{
  const git_oid id = parse(head());
  git_object* raw = nullptr;
  check(git_object_lookup(&raw, m_repo, &id, GIT_OBJECT_COMMIT),
        "reading the tip");
  const Object target(raw);
  git_signature* raw_signature = nullptr;
  check(git_signature_new(
          &raw_signature, "Ryax Test", "test@ryax.invalid", m_clock++, 0),
        "creating a signature");
  const Signature signature(raw_signature);
  git_oid tag_id;
  check(git_tag_create(&tag_id,
                       m_repo,
                       name.c_str(),
                       target.get(),
                       signature.get(),
                       message.c_str(),
                       1),
        "creating tag \"" + name + "\"");
}

void
GitBuilder::load_files(const std::string& commit_id)
{
  m_files.clear();
  if (commit_id.empty()) {
    return;
  }
  const git_oid id = parse(commit_id);
  git_commit* raw_commit = nullptr;
  check(git_commit_lookup(&raw_commit, m_repo, &id), "reading a commit");
  const Commit commit(raw_commit);
  git_tree* raw_tree = nullptr;
  check(git_commit_tree(&raw_tree, commit.get()), "reading a tree");
  const Tree tree(raw_tree);
  check(git_tree_walk(
          tree.get(),
          GIT_TREEWALK_PRE,
          [](const char* root, const git_tree_entry* entry, void* payload) {
            const git_filemode_t mode = git_tree_entry_filemode(entry);
            if (mode != GIT_FILEMODE_TREE) {
              auto& files = *static_cast<std::map<std::string, File>*>(payload);
              files[std::string(root) + git_tree_entry_name(entry)] =
                File{ hex(*git_tree_entry_id(entry)), mode };
            }
            return 0;
          },
          &m_files),
        "reading the files of a commit");
}

} // namespace ryax::test
