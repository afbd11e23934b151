# Installation and the Debian package: `scripts/package` (cpack -G DEB).
# The unit files, maintainer scripts and /etc files are in daemon/packaging/.

# --- the git commit, for `ryax version` ---------------------------------------
# Read at configure time only: a header of its own (build_info.hpp), so a new
# commit recompiles two files, not the tree.
set(RYAX_GIT_COMMIT unknown)
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short HEAD
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE RYAX_GIT_COMMIT_OUT OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE RYAX_GIT_RESULT ERROR_QUIET)
  if(RYAX_GIT_RESULT EQUAL 0 AND RYAX_GIT_COMMIT_OUT)
    set(RYAX_GIT_COMMIT ${RYAX_GIT_COMMIT_OUT})
  endif()
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_info.hpp.in
  ${PROJECT_BINARY_DIR}/generated/build_info.hpp @ONLY)
target_include_directories(ryax_cli PRIVATE ${PROJECT_BINARY_DIR}/generated)
target_include_directories(ryaxd PRIVATE ${PROJECT_BINARY_DIR}/generated)
# ryax_build_info of /metrics (daemon/metrics/daemon_metrics.cpp).
target_include_directories(ryax_daemon PRIVATE ${PROJECT_BINARY_DIR}/generated)

# --- what is installed (prefix /usr in the package) ---------------------------
# ryax-wrapper and its runtime files (share/ryax) are installed beside the
# wrapper's targets in CMakeLists.txt; ryax-wrapper finds them in
# <prefix>/share/ryax, ryaxd finds ryax-wrapper beside itself.
set(RYAX_PKG ${PROJECT_SOURCE_DIR}/daemon/packaging)
set(RYAX_PKG_OUT ${PROJECT_BINARY_DIR}/packaging)
install(TARGETS ryax ryaxd RUNTIME DESTINATION bin)

# Man pages and the Debian changelog, gzipped as Debian wants (-n: no name
# or time, so the package is reproducible).
set(RYAX_GZ_FILES)
foreach(source man/ryax.1 man/ryax-wrapper.1 man/ryax-workflow.5 man/ryaxd.8
    daemon/packaging/changelog)
  get_filename_component(name ${source} NAME)
  add_custom_command(OUTPUT ${RYAX_PKG_OUT}/${name}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${RYAX_PKG_OUT}
    COMMAND sh -c "gzip -9n -c \"$0\" > \"$1\"" ${PROJECT_SOURCE_DIR}/${source}
      ${RYAX_PKG_OUT}/${name}.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/${source}
    VERBATIM)
  list(APPEND RYAX_GZ_FILES ${RYAX_PKG_OUT}/${name}.gz)
endforeach()
add_custom_target(ryax_package_files ALL DEPENDS ${RYAX_GZ_FILES})
install(FILES ${RYAX_PKG_OUT}/ryax.1.gz ${RYAX_PKG_OUT}/ryax-wrapper.1.gz
  DESTINATION share/man/man1)
install(FILES ${RYAX_PKG_OUT}/ryax-workflow.5.gz DESTINATION share/man/man5)
install(FILES ${RYAX_PKG_OUT}/ryaxd.8.gz DESTINATION share/man/man8)
install(FILES ${RYAX_PKG_OUT}/changelog.gz DESTINATION share/doc/ryax
  RENAME changelog.Debian.gz)
install(FILES ${RYAX_PKG}/copyright DESTINATION share/doc/ryax)
install(FILES ${RYAX_PKG}/lintian-overrides DESTINATION share/lintian/overrides
  RENAME ryax)

install(FILES completions/ryax.bash DESTINATION share/bash-completion/completions
  RENAME ryax)
install(FILES completions/_ryax DESTINATION share/zsh/vendor-completions)
install(FILES completions/ryax.fish DESTINATION share/fish/vendor_completions.d)

# System unit in /lib (Debian 12's dh_installsystemd place), user unit in
# /usr/lib/systemd/user; /etc files are conffiles (daemon/packaging/conffiles).
install(FILES ${RYAX_PKG}/ryaxd.service DESTINATION /lib/systemd/system)
install(FILES ${RYAX_PKG}/ryaxd-user.service DESTINATION lib/systemd/user
  RENAME ryaxd.service)
install(FILES ${RYAX_PKG}/ryaxd.yaml DESTINATION /etc/ryax)
install(FILES ${RYAX_PKG}/logrotate DESTINATION /etc/logrotate.d RENAME ryaxd)

# --- the .deb -----------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ryax)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # ryax_0.1.0-1_amd64.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT
  "ryax maintainers <maintainers@users.noreply.r-seed-a077005c.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "workflow orchestrator: build, deploy and run workflows")
set(CPACK_PACKAGE_DESCRIPTION
  "ryax builds actions (Python or Node.js code in git repositories), deploys
workflows of them and runs them on this machine, worker agents and Slurm
clusters. The package holds the ryax command line, the ryaxd daemon with
systemd units (system and per user) and ryax-wrapper, which runs user code.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# python3 and its venv run and build Python actions; adduser makes the
# ryax user in postinst; procps has the /bin/kill of the units' ExecReload.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3, python3-venv, adduser, procps, bubblewrap")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nodejs, graphviz, openssh-client, rsync")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${RYAX_PKG}/postinst ${RYAX_PKG}/prerm ${RYAX_PKG}/postrm ${RYAX_PKG}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/;/\\\\.git/")
include(CPack)

# The package installed into a clean Debian 12 root (mmdebstrap) and the
# quickstart run with it (skipped, exit 77, without root, the tools of
# scripts/install-deps or the Debian mirror): ctest -L package.
if(BUILD_TESTING)
  add_test(NAME "package: the .deb installed in a clean Debian 12 runs the quickstart"
    COMMAND ${PROJECT_SOURCE_DIR}/tests/package/install.sh ${PROJECT_BINARY_DIR})
  set_tests_properties("package: the .deb installed in a clean Debian 12 runs the quickstart"
    PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 RUN_SERIAL TRUE LABELS package)
endif()
