# What `cmake --install` puts under the prefix, besides bin/attn (app/CMakeLists.txt):
#   share/man/man1/attn.1                      help2man, from the built attn's own help
#   share/bash-completion/completions/attn     attn completion bash
#   share/zsh/vendor-completions/_attn         attn completion zsh
#   share/fish/vendor_completions.d/attn.fish  attn completion fish
#   share/attn/                                data/ (examples, exercises)
# The man page and completions are generated at build time by running the built attn, so they
# describe exactly the commands and flags it has. DESTDIR is honoured (GNUInstallDirs paths are
# relative to the prefix).

set(ATTN_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
set(ATTN_RUN_TO_FILE ${PROJECT_SOURCE_DIR}/cmake/RunToFile.cmake)

if(CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  message(STATUS "attn: cross-compiling without an emulator; no man page or completions")
  set(ATTN_CAN_RUN_ATTN OFF)
else()
  set(ATTN_CAN_RUN_ATTN ON)
endif()

if(ATTN_CAN_RUN_ATTN)
  set(attn_completion_files "")
  foreach(shell_file IN ITEMS "bash|attn" "zsh|_attn" "fish|attn.fish")
    string(REPLACE "|" ";" shell_file "${shell_file}")
    list(GET shell_file 0 shell)
    list(GET shell_file 1 file)
    set(output ${ATTN_GENERATED_DIR}/completions/${shell}/${file})
    add_custom_command(
      OUTPUT ${output}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${ATTN_GENERATED_DIR}/completions/${shell}
      COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${CMAKE_CROSSCOMPILING_EMULATOR};$<TARGET_FILE:attn>;completion;${shell}"
              -DOUTPUT=${output} -P ${ATTN_RUN_TO_FILE}
      DEPENDS attn ${ATTN_RUN_TO_FILE}
      COMMENT "Generating the ${shell} completion for attn"
      VERBATIM)
    list(APPEND attn_completion_files ${output})
  endforeach()
  add_custom_target(attn_completions ALL DEPENDS ${attn_completion_files})

  install(FILES ${ATTN_GENERATED_DIR}/completions/bash/attn
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${ATTN_GENERATED_DIR}/completions/zsh/_attn
          DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
  install(FILES ${ATTN_GENERATED_DIR}/completions/fish/attn.fish
          DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

  find_program(ATTN_HELP2MAN help2man)
  if(ATTN_HELP2MAN)
    set(attn_man ${ATTN_GENERATED_DIR}/man/attn.1)
    add_custom_command(
      OUTPUT ${attn_man}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${ATTN_GENERATED_DIR}/man
      COMMAND ${CMAKE_COMMAND} "-DATTN=${CMAKE_CROSSCOMPILING_EMULATOR};$<TARGET_FILE:attn>"
              -DHELP2MAN=${ATTN_HELP2MAN} -DVERSION=${PROJECT_VERSION} -DOUTPUT=${attn_man}
              -P ${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake
      DEPENDS attn ${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake
      COMMENT "Generating the attn(1) man page with help2man"
      VERBATIM)
    add_custom_target(attn_man ALL DEPENDS ${attn_man})
    install(FILES ${attn_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  else()
    message(STATUS "attn: help2man not found; the man page will not be built or installed "
                   "(Debian: apt-get install help2man)")
  endif()
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/attn)
