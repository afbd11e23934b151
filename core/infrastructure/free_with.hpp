#pragma once

// A std::unique_ptr deleter calling a C library's free function, for the
// handles of libgit2, libarchive and the like:
//   using Tree = std::unique_ptr<git_tree, FreeWith<git_tree_free>>;
namespace ryax::infra {

template<auto free_fn>
struct FreeWith
{
  template<typename T>
  void
  operator()(T* object) const
  {
    free_fn(object);
  }
};

} // namespace ryax::infra
