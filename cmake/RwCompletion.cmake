# RwCompletion.cmake - build step: writes a shell completion file from the built program's own
# tables ("rootwarden help --completion SHELL", src/cmd_help_completion.c). Run with -DRW=program
# -DRW_SHELL=bash|zsh -DOUT=file by the custom commands in the top-level CMakeLists.txt.
execute_process(COMMAND "${RW}" help --completion "${RW_SHELL}" OUTPUT_FILE "${OUT}.tmp"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${RW} help --completion ${RW_SHELL}: exit status ${rc}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
