# `cpack -G DEB` in the build directory makes attn_VERSION_ARCH.deb from what cmake/Install.cmake
# installs. Dependencies come from dpkg-shlibdeps (Debian package dpkg-dev), which reads the
# shared libraries bin/attn links (libfmt9, libzip4, libstdc++6, …).
set(CPACK_GENERATOR DEB CACHE STRING "CPack generators")
set(CPACK_PACKAGE_NAME attn)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The attn maintainers")
set(CPACK_PACKAGE_CONTACT "attn maintainers <maintainers@attn.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "attn computes transformer attention step by step: the scores, the softmax weights and the "
    "outputs, with every intermediate value shown. It explains masks (causal, sliding window, "
    "prefix-LM, documents) and positional biases, writes JSON for scripts, and makes seeded "
    "exercise sheets with worked answers.")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY attn)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME attn)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # attn_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
# A .deb installs under /usr, whatever CMAKE_INSTALL_PREFIX the build used.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

include(CPack)
