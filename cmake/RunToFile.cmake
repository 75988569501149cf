# cmake -DCOMMAND="prog;arg;…" -DOUTPUT=file -P RunToFile.cmake
# Runs COMMAND and writes its standard output to OUTPUT; a failure stops the build and leaves no
# half-written file behind.
execute_process(COMMAND ${COMMAND} OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  list(JOIN COMMAND " " shown)
  message(FATAL_ERROR "'${shown}' failed: ${result}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
