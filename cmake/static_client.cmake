# B6: `ryax version` answers in < 10 ms. Most of a dynamically linked ryax's
# start is the loader (69 shared libraries, 40 of them abseil), so `ryax`
# links gRPC, protobuf, abseil, libarchive and yaml-cpp as the static
# archives Debian ships in their -dev packages; ryaxd, ryax-wrapper and the
# tests stay dynamic. gRPC is the secure build (TLS to a remote ryaxd);
# OpenSSL and zlib stay shared libraries, as every Debian machine has them
# (and Debian wants no embedded copy of zlib: lintian's embedded-library).
#
# How: the libraries that link gRPC or those adapters (ryax_proto,
# ryax_grpc_status, ryax_infrastructure) link ryax_grpc and
# ryax_file_formats instead, which resolve for each executable: the shared
# libraries, or, for a target with the property RYAX_STATIC_LINK, the one
# group of static archives ryax_static_stack (a group the linker rescans,
# so that their order does not matter).

option(RYAX_STATIC_CLIENT
  "Link ryax with static gRPC, protobuf, abseil, libarchive and yaml-cpp (B6)" ON)

# The static archives (full paths) of the libraries `names`.
function(ryax_find_archives out)
  set(archives)
  foreach(name IN LISTS ARGN)
    string(MAKE_C_IDENTIFIER "RYAX_ARCHIVE_${name}" var)
    find_library(${var} NAMES lib${name}.a REQUIRED)
    list(APPEND archives ${${var}})
  endforeach()
  list(REMOVE_DUPLICATES archives)
  set(${out} ${archives} PARENT_SCOPE)
endfunction()

# The libraries `pkg-config --static` names for `modules`, the C and C++
# runtime's own and OpenSSL's left out.
function(ryax_pkg_config_static_names out)
  execute_process(
    COMMAND ${PKG_CONFIG_EXECUTABLE} --static --libs-only-l ${ARGN}
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE
    COMMAND_ERROR_IS_FATAL ANY)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(names)
  foreach(flag IN LISTS flags)
    string(REGEX REPLACE "^-l" "" name "${flag}")
    if(NOT name MATCHES "^(atomic|rt|pthread|dl|m|c|ssl|crypto|z)$")
      list(APPEND names ${name})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out} ${names} PARENT_SCOPE)
endfunction()

add_library(ryax_grpc INTERFACE)
add_library(ryax_file_formats INTERFACE)
set(ryax_grpc_shared gRPC::grpc++ protobuf::libprotobuf)
set(ryax_file_formats_shared yaml-cpp PkgConfig::LIBARCHIVE)
if(RYAX_STATIC_CLIENT)
  ryax_pkg_config_static_names(grpc_names grpc++ protobuf)
  # Debian's grpc .pc files leave out what gRPC itself links; libarchive's
  # tar reading and writing need only libacl (libacl1-dev) of its own
  # dependencies (its compressors, libxml2 and nettle serve formats ryax
  # does not use).
  list(APPEND grpc_names upb re2 cares address_sorting)
  ryax_find_archives(ryax_static_archives ${grpc_names} archive acl yaml-cpp)
  add_library(ryax_static_stack INTERFACE)
  target_link_libraries(ryax_static_stack INTERFACE
    "$<LINK_GROUP:RESCAN,${ryax_static_archives}>" OpenSSL::SSL OpenSSL::Crypto
    z Threads::Threads ${CMAKE_DL_LIBS})
  string(REPLACE ";" "$<SEMICOLON>" grpc_shared "${ryax_grpc_shared}")
  string(REPLACE ";" "$<SEMICOLON>" formats_shared "${ryax_file_formats_shared}")
  set(static "$<BOOL:$<TARGET_PROPERTY:RYAX_STATIC_LINK>>")
  target_link_libraries(ryax_grpc INTERFACE
    "$<IF:${static},ryax_static_stack,${grpc_shared}>")
  target_link_libraries(ryax_file_formats INTERFACE
    "$<IF:${static},ryax_static_stack,${formats_shared}>")
  # Compiling against them still needs their headers and definitions.
  target_include_directories(ryax_grpc INTERFACE
    $<TARGET_PROPERTY:gRPC::grpc++,INTERFACE_INCLUDE_DIRECTORIES>
    $<TARGET_PROPERTY:protobuf::libprotobuf,INTERFACE_INCLUDE_DIRECTORIES>)
  target_include_directories(ryax_file_formats INTERFACE
    $<TARGET_PROPERTY:yaml-cpp,INTERFACE_INCLUDE_DIRECTORIES>
    $<TARGET_PROPERTY:PkgConfig::LIBARCHIVE,INTERFACE_INCLUDE_DIRECTORIES>)
else()
  target_link_libraries(ryax_grpc INTERFACE ${ryax_grpc_shared})
  target_link_libraries(ryax_file_formats INTERFACE ${ryax_file_formats_shared})
endif()

# Link `target` with the static archives (when RYAX_STATIC_CLIENT is on), and
# without the shared libraries it does not use.
function(ryax_static_link target)
  if(RYAX_STATIC_CLIENT)
    set_target_properties(${target} PROPERTIES RYAX_STATIC_LINK ON)
  endif()
  target_link_options(${target} PRIVATE -Wl,--as-needed)
endfunction()
