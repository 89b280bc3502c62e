# RwCompletion.cmake - build step: writes the bash completion file from the built program's own
# tables ("rootwarden help --completion bash", src/cmd_help_completion.c). Run with -DRW=program
# -DOUT=file by the custom command in the top-level CMakeLists.txt.
execute_process(COMMAND "${RW}" help --completion bash OUTPUT_FILE "${OUT}.tmp"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${RW} help --completion bash: exit status ${rc}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
