# cmake -DATTN=path/to/attn -DHELP2MAN=path/to/help2man -DVERSION=0.1.0 -DOUTPUT=attn.1
#       -P ManPage.cmake
# Writes attn(1) with help2man from `attn --help`, and adds a section per command
# (`attn help COMMAND`) and per reference topic (`attn help TOPIC`), so the man page says what
# the built binary says.

function(run out)
  execute_process(COMMAND ${ATTN} ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "attn ${ARGN} failed: ${result}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Preformatted roff: backslashes escaped, lines that would read as requests guarded.
function(roff out text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} ".nf\n${text}.fi\n" PARENT_SCOPE)
endfunction()

# `attn help` lists topics, then commands, each as "  NAME  summary" under a heading line.
run(listing help)
string(REPLACE "\n" ";" lines "${listing}")
set(block "")
set(topics "")
set(commands "")
foreach(line IN LISTS lines)
  if(line MATCHES "^Help topics")
    set(block topics)
  elseif(line MATCHES "^Commands")
    set(block commands)
  elseif(line MATCHES "^  ([a-z][a-z0-9-]*)" AND block)
    list(APPEND ${block} ${CMAKE_MATCH_1})
  endif()
endforeach()
if(NOT commands)
  message(FATAL_ERROR "no commands found in the output of 'attn help'")
endif()

# help2man would fill the examples in `attn --help` into one paragraph: keep them as lines.
run(usage --help)
if(usage MATCHES "\nExamples:\n(([ ][^\n]*\n)+)")
  roff(examples "${CMAKE_MATCH_1}")
  set(include "[=EXAMPLES]\n${examples}")
endif()
string(APPEND include "[COMMANDS]\n")
foreach(command IN LISTS commands)
  run(text help ${command})
  roff(body "${text}")
  string(APPEND include ".SS \"attn ${command}\"\n${body}")
endforeach()
foreach(topic IN LISTS topics)
  run(text help ${topic})
  # The page's first line is its title; the section heading replaces it.
  string(FIND "${text}" "\n\n" title_end)
  if(title_end GREATER -1)
    math(EXPR body_start "${title_end} + 2")
    string(SUBSTRING "${text}" ${body_start} -1 text)
  endif()
  roff(body "${text}")
  if(topic STREQUAL "exit-codes")
    string(APPEND include "[EXIT STATUS]\n${body}")
  else()
    string(TOUPPER "${topic}" heading)
    string(APPEND include "[${heading}]\n${body}")
  endif()
endforeach()
string(APPEND include
       "[SEE ALSO]\nThe same pages at the terminal: \\fBattn help\\fR \\fITOPIC\\fR and "
       "\\fBattn\\fR \\fICOMMAND\\fR \\fB--help\\fR.\n")
file(WRITE ${OUTPUT}.h2m "${include}")

execute_process(
  # help2man works in the C locale unless told otherwise, and then writes β and √ as "??".
  COMMAND ${HELP2MAN} --locale=C.UTF-8 --no-info --section=1 --version-string=${VERSION}
          "--name=a calculator and teaching tool for transformer attention"
          --include=${OUTPUT}.h2m --output=${OUTPUT}.tmp ${ATTN}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "help2man failed: ${result}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
